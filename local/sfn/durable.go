package sfn

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"
)

// Durability: a top-level execution is checkpointed before every state that has an effect or
// waits (Task, Wait, Parallel, Map) and when it parks on a timer or a task token; Pass, Choice,
// Succeed and Fail are pure, so after a crash they are simply run again from the last
// checkpoint. History events are written together with the checkpoint they lead to, so the
// persisted history always ends where the execution resumes and no transition is recorded twice.

func (e *Engine) durable() bool {
	_, mem := e.store.(*MemoryPersistence)
	return !mem
}

func (e *Engine) logf(format string, args ...any) {
	slog.Error(fmt.Sprintf(format, args...), "component", "sfn")
}

func (x *Execution) record() ExecutionRecord {
	x.mu.Lock()
	defer x.mu.Unlock()
	r := ExecutionRecord{ARN: x.ARN, Name: x.Name, StateMachineARN: x.Machine.ARN, Input: x.InputText,
		Status: x.status, Output: x.outputTextLocked(), StartDate: x.StartDate, StopDate: x.stopDate}
	if x.hasError {
		s := x.errName
		r.Error = &s
	}
	if x.hasCause {
		c := x.cause
		r.Cause = &c
	}
	return r
}

// unpersisted returns the events not yet written and marks them written.
func (x *Execution) unpersisted() ([]HistoryEvent, int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	evs := append([]HistoryEvent(nil), x.history[x.persisted:]...)
	for i := range evs {
		evs[i].expand(x.keys)
	}
	x.persisted = len(x.history)
	return evs, len(x.history)
}

func needsCheckpoint(st *State) bool {
	switch st.Type {
	case "Pass", "Choice", "Succeed", "Fail":
		return false
	}
	return true
}

// checkpointEnter records that the execution is about to enter state with input.
func (e *Engine) checkpointEnter(x *Execution, state string, input any) error {
	// An Express execution is persisted at its start and end only: after a crash it runs again
	// from the start, which Express's at-least-once semantics allow and idempotent tasks make safe.
	if !e.durable() || !needsCheckpoint(x.Machine.Definition.States[state]) || x.Machine.Type == TypeExpress {
		return nil
	}
	evs, n := x.unpersisted()
	cp := &checkpoint{State: state, Input: input, Vars: x.vars.snapshot(), Events: n}
	return e.store.Commit(context.Background(), x.ARN, evs, cp, nil)
}

func (e *Engine) checkpointParked(fr *frame, sc *stateCtx, phase string, due time.Time, token string) error {
	if !e.durable() || !fr.top || fr.x.Machine.Type == TypeExpress {
		return nil
	}
	x := fr.x
	evs, n := x.unpersisted()
	cp := &checkpoint{State: sc.st.Name, Input: sc.rawInput, Vars: x.vars.snapshot(), Events: n, Phase: phase,
		EnteredID: sc.enteredID, EnteredAt: sc.enteredAt, DueAt: due, Token: token, Retry: sc.retryCount}
	return e.store.Commit(context.Background(), x.ARN, evs, cp, nil)
}

func (e *Engine) checkpointWait(fr *frame, sc *stateCtx, due time.Time) error {
	return e.checkpointParked(fr, sc, phaseWait, due, "")
}

func (e *Engine) checkpointToken(fr *frame, sc *stateCtx, tok *taskToken) error {
	return e.checkpointParked(fr, sc, phaseToken, sc.deadline, tok.token)
}

func (e *Engine) persistFinal(x *Execution) error {
	if !e.durable() {
		return nil
	}
	evs, _ := x.unpersisted()
	if x.Machine.Type == TypeExpress {
		// No history rows for Express: AWS keeps none (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html),
		// and the engine keeps it in memory for the most recent executions (WithRetention).
		evs = nil
	}
	rec := x.record()
	rec.Transitions, rec.LambdaInvocations = x.usage()
	return e.store.Commit(context.Background(), x.ARN, evs, nil, &rec)
}

// Recover loads state machines and resumes every RUNNING execution from its checkpoint (finished
// executions stay in the store: DescribeExecution, GetExecutionHistory and ListExecutions read
// them there). Call it once after New, before starting executions, when the engine uses a durable
// store; it also starts the execution counters (Stats) from the store's counts. Definitions are
// re-validated with the current function registry.
func (e *Engine) Recover(ctx context.Context) (int, error) {
	sms, err := e.store.StateMachines(ctx)
	if err != nil {
		return 0, fmt.Errorf("recover state machines: %w", err)
	}
	e.mu.Lock()
	for _, r := range sms {
		if _, ok := e.machines[r.ARN]; ok {
			continue
		}
		def, err := Parse([]byte(r.Definition), LoadOptions{File: r.File, FunctionKnown: e.funcs.Known})
		if err != nil {
			e.mu.Unlock()
			return 0, fmt.Errorf("recover state machine %s: %w", r.Name, err)
		}
		e.machines[r.ARN] = &StateMachine{Name: r.Name, ARN: r.ARN, Type: "STANDARD", Definition: def, CreatedAt: r.CreatedAt}
	}
	e.mu.Unlock()
	if err := e.seedStats(ctx); err != nil {
		return 0, fmt.Errorf("recover executions: %w", err)
	}
	recs, err := e.store.Executions(ctx, ExecutionQuery{Status: StatusRunning})
	if err != nil {
		return 0, fmt.Errorf("recover executions: %w", err)
	}
	// Oldest first, as they were started.
	slices.Reverse(recs)
	resumed := 0
	for _, r := range recs {
		e.mu.Lock()
		sm := e.machines[r.StateMachineARN]
		_, known := e.execs[r.ARN]
		e.mu.Unlock()
		if sm == nil || known {
			continue
		}
		hist, err := e.store.History(ctx, r.ARN)
		if err != nil {
			return resumed, fmt.Errorf("recover history of %s: %w", r.ARN, err)
		}
		x := &Execution{ARN: r.ARN, Name: r.Name, Machine: sm, InputText: r.Input, StartDate: r.StartDate, roleARN: e.roleARN,
			engine: e, stats: e.machineStats(sm.ARN), status: r.Status, output: r.Output, stopDate: r.StopDate, history: hist, persisted: len(hist), done: make(chan struct{}),
			keys: newKeyOrders(sm.Definition.keys)}
		x.keys.learnString(r.Input)
		if r.Error != nil {
			x.errName, x.hasError = *r.Error, true
		}
		if r.Cause != nil {
			x.cause, x.hasCause = *r.Cause, true
		}
		e.mu.Lock()
		e.execs[r.ARN] = x
		e.mu.Unlock()
		_, cp, err := e.store.Execution(ctx, r.ARN)
		if err != nil {
			return resumed, fmt.Errorf("recover checkpoint of %s: %w", r.ARN, err)
		}
		keep := len(x.history)
		if cp == nil {
			keep = 0
		} else if cp.Events < keep {
			keep = cp.Events
		}
		if keep < len(hist) {
			if err := e.store.TruncateHistory(ctx, r.ARN, keep); err != nil {
				return resumed, err
			}
		}
		if cp == nil {
			// Crashed before the first checkpoint: start over from the beginning.
			x.history, x.persisted = nil, 0
			input, err := decodeJSON([]byte(r.Input))
			if err != nil {
				return resumed, fmt.Errorf("recover input of %s: %w", r.ARN, err)
			}
			x.emit("ExecutionStarted", map[string]any{"input": r.Input, "inputDetails": notTruncated, "roleArn": x.roleARN}, 0)
			cp = &checkpoint{State: sm.Definition.StartAt, Input: input, InputText: r.Input}
		} else if cp.Events < len(x.history) {
			x.history = x.history[:cp.Events]
			x.persisted = cp.Events
		}
		e.launch(x, cp)
		resumed++
	}
	return resumed, nil
}
