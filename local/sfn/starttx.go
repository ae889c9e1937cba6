package sfn

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// ErrNoTransaction is returned by StartExecutionTx when the engine's executions are not kept in
// SQL (MemoryPersistence): the caller starts the execution with StartExecution instead.
var ErrNoTransaction = errors.New("sfn: executions are not stored in SQL")

// StartExecutionTx writes a new execution inside the caller's write transaction tx and returns
// run, which starts it; call run once tx has committed (never when it rolled back). The local
// event bus starts the executions of its rule targets this way, in the same commit as the event
// that matched, so no delivery is queued, polled and deleted in between. A crash between the
// commit and run leaves a RUNNING execution without a checkpoint, which Recover starts from the
// beginning. Names follow StartExecution: the same name with the same input is the execution
// already there (run is nil), a different input is ErrExecutionAlreadyExists
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
// tx may be run again by a group-commit writer; StartExecutionTx has no effect outside tx.
func (e *Engine) StartExecutionTx(ctx context.Context, tx *sql.Tx, in StartExecutionInput) (run func(), err error) {
	p, ok := e.store.(*SQLitePersistence)
	if !ok {
		return nil, ErrNoTransaction
	}
	x, cp, err := e.newExecution(in)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	old := e.execs[x.ARN]
	e.mu.Unlock()
	if old != nil {
		if old.InputText == x.InputText {
			return nil, nil
		}
		return nil, fmt.Errorf("start execution %s: %w", x.ARN, ErrExecutionAlreadyExists)
	}
	res, err := tx.StmtContext(ctx, p.insertExecIfNew).ExecContext(ctx, x.ARN, x.Name, x.Machine.ARN, x.InputText, x.status, fmtTime(x.StartDate))
	if err != nil {
		return nil, fmt.Errorf("start execution %s: %w", x.ARN, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var input string
		if err := tx.QueryRowContext(ctx, `SELECT input FROM sfn_executions WHERE arn = ?`, x.ARN).Scan(&input); err != nil {
			return nil, fmt.Errorf("start execution %s: %w", x.ARN, err)
		}
		if input == x.InputText {
			return nil, nil
		}
		return nil, fmt.Errorf("start execution %s: %w", x.ARN, ErrExecutionAlreadyExists)
	}
	return func() {
		e.mu.Lock()
		if e.closed || e.execs[x.ARN] != nil {
			// Closed: the stored RUNNING execution starts in the next engine's Recover.
			e.mu.Unlock()
			return
		}
		e.execs[x.ARN] = x
		e.mu.Unlock()
		x.stats.started.Add(1)
		x.stats.running.Add(1)
		x.emit("ExecutionStarted", map[string]any{"input": x.InputText, "inputDetails": notTruncated, "roleArn": x.roleARN}, 0)
		e.launch(x, cp)
	}, nil
}

// newExecution validates in and builds the execution StartExecution and StartExecutionTx start.
func (e *Engine) newExecution(in StartExecutionInput) (*Execution, *checkpoint, error) {
	e.mu.Lock()
	sm := e.machines[in.StateMachineArn]
	e.mu.Unlock()
	if sm == nil {
		return nil, nil, fmt.Errorf("start execution of %s: %w", in.StateMachineArn, ErrStateMachineDoesNotExist)
	}
	text := in.Input
	if strings.TrimSpace(text) == "" {
		text = "{}"
	}
	input, err := decodeJSONString(text)
	if err != nil {
		return nil, nil, fmt.Errorf("start execution: input is not valid JSON: %v: %w", err, ErrInvalidExecutionInput)
	}
	if len(text) > maxPayloadBytes {
		return nil, nil, fmt.Errorf("start execution: input exceeds %d bytes: %w", maxPayloadBytes, ErrInvalidExecutionInput)
	}
	name := in.Name
	if name == "" {
		name = newUUID()
	}
	arn := "arn:aws:states:" + e.region + ":" + e.account + ":execution:" + sm.Name + ":" + name
	x := &Execution{ARN: arn, Name: name, Machine: sm, InputText: text, StartDate: e.clock.Now(), roleARN: e.roleARN,
		engine: e, stats: e.machineStats(sm.ARN), status: StatusRunning, done: make(chan struct{}), history: make([]HistoryEvent, 0, sm.Definition.historyHint()),
		keys: newKeyOrders(sm.Definition.keys)}
	x.keys.learnString(text)
	return x, &checkpoint{State: sm.Definition.StartAt, Input: input, InputText: text}, nil
}
