package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

const forecastCallPrefix = "FORECAST_CALL#"

func forecastCallPK(teamID, periodKey string) string {
	return forecastCallPrefix + teamID + "#" + periodKey
}

// PutForecastCall puts one submission: PK per team and period, SK the submission time, so the same
// submission written twice is one item.
func (st *Store) PutForecastCall(ctx context.Context, c domain.ForecastCall) (domain.ForecastCall, error) {
	if c.TeamID == "" || c.PeriodKey == "" || c.SubmittedAt.IsZero() {
		return c, errors.New("put forecast call: empty team id, period key or submission time")
	}
	c.Version = 1
	data, err := json.Marshal(c)
	if err != nil {
		return c, fmt.Errorf("put forecast call %s/%s: %w", c.TeamID, c.PeriodKey, err)
	}
	item := key(forecastCallPK(c.TeamID, c.PeriodKey), store.TimeKey(c.SubmittedAt))
	item[attrKind] = s("forecast_call")
	item[attrVersion] = n(1)
	item[attrData] = s(string(data))
	if _, err := st.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(st.table), Item: item}); err != nil {
		return c, fmt.Errorf("put forecast call %s/%s: %w", c.TeamID, c.PeriodKey, err)
	}
	return c, nil
}

// ListForecastCalls queries the team's period partition, oldest submission first.
func (st *Store) ListForecastCalls(ctx context.Context, teamID, periodKey string) ([]domain.ForecastCall, error) {
	wrap := func(err error) error { return fmt.Errorf("list forecast calls %s/%s: %w", teamID, periodKey, err) }
	var out []domain.ForecastCall
	var start map[string]types.AttributeValue
	for {
		res, err := st.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(st.table),
			KeyConditionExpression:    aws.String("#pk = :pk"),
			ExpressionAttributeNames:  map[string]string{"#pk": attrPK},
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(forecastCallPK(teamID, periodKey))},
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, wrap(err)
		}
		for _, item := range res.Items {
			var c domain.ForecastCall
			if err := json.Unmarshal([]byte(str(item[attrData])), &c); err != nil {
				return nil, wrap(err)
			}
			out = append(out, c)
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out, nil
		}
		start = res.LastEvaluatedKey
	}
}
