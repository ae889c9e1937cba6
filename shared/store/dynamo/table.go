package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute and index names of the single table. The GSIs are overloaded: what GSI1PK holds
// depends on the item kind (see README.md).
const (
	attrPK      = "PK"
	attrSK      = "SK"
	attrKind    = "kind"
	attrVersion = "version"
	attrData    = "data"
	attrRef     = "ref"

	gsi1 = "GSI1"
	gsi2 = "GSI2"
	gsi3 = "GSI3"
	gsi4 = "GSI4"
	gsi5 = "GSI5"
)

// Indexes are the GSI names CreateTable defines.
var Indexes = []string{gsi1, gsi2, gsi3, gsi4, gsi5}

func indexPK(index string) string { return index + "PK" }
func indexSK(index string) string { return index + "SK" }

// TableDefinition is the CreateTable input for the store's table: PK/SK and five GSIs with all
// attributes projected, on-demand billing. The CDK stack defines the same table.
func TableDefinition(table string) *dynamodb.CreateTableInput {
	str := func(name string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: types.ScalarAttributeTypeS}
	}
	key := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{str(attrPK), str(attrSK)},
		KeySchema:            key(attrPK, attrSK),
		BillingMode:          types.BillingModePayPerRequest,
	}
	for _, ix := range Indexes {
		in.AttributeDefinitions = append(in.AttributeDefinitions, str(indexPK(ix)), str(indexSK(ix)))
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix),
			KeySchema:  key(indexPK(ix), indexSK(ix)),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	return in
}

// CreateTable creates the table (for tests and local development) and waits until it and its
// indexes are ACTIVE. An existing table is not an error.
func (s *Store) CreateTable(ctx context.Context) error {
	_, err := s.db.CreateTable(ctx, TableDefinition(s.table))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", s.table, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	for {
		out, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
		if err != nil {
			return fmt.Errorf("create table %s: describe: %w", s.table, err)
		}
		if tableActive(out.Table) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create table %s: not active: %w", s.table, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tableActive(t *types.TableDescription) bool {
	if t == nil || (t.TableStatus != "" && t.TableStatus != types.TableStatusActive) {
		return false
	}
	for _, g := range t.GlobalSecondaryIndexes {
		if g.IndexStatus != "" && g.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}
