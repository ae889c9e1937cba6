package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

func (s *Store) PutForecastCall(ctx context.Context, c domain.ForecastCall) (domain.ForecastCall, error) {
	if c.TeamID == "" || c.PeriodKey == "" || c.SubmittedAt.IsZero() {
		return c, errors.New("put forecast call: empty team id, period key or submission time")
	}
	c.Version = 1
	body, err := json.Marshal(c)
	if err != nil {
		return c, fmt.Errorf("put forecast call %s/%s: %w", c.TeamID, c.PeriodKey, err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO forecast_calls (team_id, period_key, submitted_at, data) VALUES (?, ?, ?, ?)
			ON CONFLICT (team_id, period_key, submitted_at) DO UPDATE SET data = excluded.data`,
			c.TeamID, c.PeriodKey, store.TimeKey(c.SubmittedAt), string(body))
		return err
	})
	return c, wrap(err, "put forecast call %s/%s", c.TeamID, c.PeriodKey)
}

func (s *Store) ListForecastCalls(ctx context.Context, teamID, periodKey string) ([]domain.ForecastCall, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT data FROM forecast_calls WHERE team_id = ? AND period_key = ? ORDER BY submitted_at`, teamID, periodKey)
	if err != nil {
		return nil, wrap(err, "list forecast calls %s/%s", teamID, periodKey)
	}
	defer rows.Close()
	var out []domain.ForecastCall
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, wrap(err, "list forecast calls %s/%s", teamID, periodKey)
		}
		var c domain.ForecastCall
		if err := json.Unmarshal([]byte(data), &c); err != nil {
			return nil, wrap(err, "list forecast calls %s/%s", teamID, periodKey)
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "list forecast calls %s/%s", teamID, periodKey)
}
