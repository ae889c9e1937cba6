package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// Usage is what a local run did, counted in the units AWS bills: executions and state
// transitions per state machine (the engine's history), Lambda invocations (lambda:invoke task
// steps plus functions the bus delivered to), EventBridge events put, and HTTP API requests.
type Usage struct {
	Leads        int                     `json:"leads"`
	HTTPRequests int                     `json:"httpRequests"`
	Machines     map[string]MachineUsage `json:"stateMachines"`
	// LambdaInvocations counts lambda:invoke steps of the workflows; the intake function behind
	// the HTTP API is counted by HTTPRequests.
	LambdaInvocations int `json:"lambdaInvocations"`
	EventsPut         int `json:"eventsPut"`
	// TargetDeliveries are rule targets invoked (executions started, functions called).
	TargetDeliveries int `json:"targetDeliveries"`
}

// MachineUsage is one state machine's share.
type MachineUsage struct {
	Executions  int `json:"executions"`
	Transitions int `json:"transitions"`
	// DurationMs is the summed execution time (what Express bills).
	DurationMs float64 `json:"durationMs"`
}

// Minus returns u − o, for counting what happened between two readings.
func (u Usage) Minus(o Usage) Usage {
	out := Usage{Leads: u.Leads - o.Leads, HTTPRequests: u.HTTPRequests - o.HTTPRequests, Machines: map[string]MachineUsage{},
		LambdaInvocations: u.LambdaInvocations - o.LambdaInvocations, EventsPut: u.EventsPut - o.EventsPut,
		TargetDeliveries: u.TargetDeliveries - o.TargetDeliveries}
	for k, m := range u.Machines {
		b := o.Machines[k]
		out.Machines[k] = MachineUsage{Executions: m.Executions - b.Executions, Transitions: m.Transitions - b.Transitions, DurationMs: m.DurationMs - b.DurationMs}
	}
	return out
}

// ReadUsage totals the engine and bus tables of a runtime database (since: executions started
// at or after it; zero for all).
func ReadUsage(ctx context.Context, st *sqlite.Store, since time.Time) (Usage, error) {
	db := st.DB()
	u := Usage{Machines: map[string]MachineUsage{}}
	sinceText := ""
	if !since.IsZero() {
		sinceText = since.UTC().Format(time.RFC3339Nano)
	}
	// A finished execution carries its transitions and Lambda invocations (local/sfn writes them
	// at its end; an Express one has no history rows); the others are counted from the history.
	rows, err := db.QueryContext(ctx, `SELECT state_machine_arn, start_date, COALESCE(stop_date, ''), transitions, lambda_invocations FROM sfn_executions WHERE start_date >= ?`, sinceText)
	if err != nil {
		return u, fmt.Errorf("read executions: %w", err)
	}
	for rows.Next() {
		var arn, start, stop string
		var transitions, lambdas sql.NullInt64
		if err := rows.Scan(&arn, &start, &stop, &transitions, &lambdas); err != nil {
			rows.Close()
			return u, err
		}
		name := machineName(arn)
		m := u.Machines[name]
		m.Executions++
		if transitions.Valid {
			m.Transitions += int(transitions.Int64)
			u.LambdaInvocations += int(lambdas.Int64)
		}
		if t0, err := time.Parse(time.RFC3339Nano, start); err == nil && stop != "" {
			if t1, err := time.Parse(time.RFC3339Nano, stop); err == nil {
				m.DurationMs += float64(t1.Sub(t0)) / 1e6
			}
		}
		u.Machines[name] = m
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, `SELECT e.state_machine_arn, CASE WHEN h.type = 'TaskScheduled' AND h.details LIKE '%"resourceType":"lambda"%' THEN 'LambdaTask' ELSE h.type END, COUNT(*) FROM sfn_history h JOIN sfn_executions e ON e.arn = h.execution_arn
WHERE e.start_date >= ? AND e.transitions IS NULL AND (h.type LIKE '%StateEntered' OR h.type = 'LambdaFunctionScheduled' OR h.type = 'TaskScheduled')
GROUP BY 1, CASE WHEN h.type = 'TaskScheduled' AND h.details LIKE '%"resourceType":"lambda"%' THEN 'LambdaTask' ELSE h.type END`, sinceText)
	if err != nil {
		return u, fmt.Errorf("read history: %w", err)
	}
	entered := map[string]int{}
	scheduled := map[string]int{}
	for rows.Next() {
		var arn, typ string
		var n int
		if err := rows.Scan(&arn, &typ, &n); err != nil {
			rows.Close()
			return u, err
		}
		name := machineName(arn)
		m := u.Machines[name]
		switch {
		case typ == "LambdaFunctionScheduled" || typ == "LambdaTask":
			u.LambdaInvocations += n
			scheduled[name] += n
		case typ == "TaskScheduled":
			scheduled[name] += n
		case strings.HasSuffix(typ, "StateEntered"):
			m.Transitions += n
			if typ == "TaskStateEntered" {
				entered[name] += n
			}
		}
		u.Machines[name] = m
	}
	rows.Close()
	// A retried task step is billed as another transition
	// (https://aws.amazon.com/step-functions/pricing/: "including retries").
	for name, n := range scheduled {
		if extra := n - entered[name]; extra > 0 {
			m := u.Machines[name]
			m.Transitions += extra
			u.Machines[name] = m
		}
	}
	q := func(sql string, dst *int) error {
		return db.QueryRowContext(ctx, sql).Scan(dst)
	}
	if err := q(`SELECT COUNT(*) FROM eb_events`, &u.EventsPut); err != nil {
		return u, fmt.Errorf("count events: %w", err)
	}
	if err := q(`SELECT COALESCE(SUM(json_array_length(matched)), 0) FROM eb_events`, &u.TargetDeliveries); err != nil {
		return u, fmt.Errorf("count deliveries: %w", err)
	}
	return u, nil
}

func machineName(arn string) string {
	if i := strings.LastIndexByte(arn, ':'); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
