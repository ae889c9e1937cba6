package sfn

import (
	"context"
	"math"
	"math/rand/v2"
	"time"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// execWithRetry runs a Task, Parallel or Map state with its Retry and Catch policies
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func (sc *stateCtx) execWithRetry(ctx context.Context) stateResult {
	st := sc.st
	attempts := make([]int, len(st.Retry))
	for {
		sc.ctxObj = nil // RetryCount changes between attempts
		var result any
		var f *failure
		switch st.Type {
		case "Task":
			result, f = sc.attemptTask(ctx)
		case "Parallel":
			result, f = sc.attemptParallel(ctx)
		case "Map":
			result, f = sc.attemptMap(ctx)
		}
		if f == nil {
			res := sc.finishOutput(nil, result)
			if res.fail == nil || res.fail.Error == ErrRuntime {
				return res
			}
			f = res.fail
			sc.assigned = nil
		}
		if f.stopped {
			return stateResult{fail: f}
		}
		if f.evaluation && !f.reported {
			sc.reportEvaluation(f)
		}
		if i := matchRetrier(st.Retry, f); i >= 0 && attempts[i] < st.Retry[i].MaxAttempts {
			r := st.Retry[i]
			delay := retryDelay(r, attempts[i])
			attempts[i]++
			sc.retryCount++
			if !sc.sleep(ctx, delay) {
				return stateResult{fail: &failure{stopped: true}}
			}
			continue
		}
		switch {
		case f.Error == ErrRuntime:
		case st.Type == "Parallel":
			sc.fr.emit("ParallelStateFailed", nil, -1)
		case st.Type == "Map":
			sc.fr.emit("MapStateFailed", nil, -1)
		}
		for _, c := range st.Catch {
			if f.matches(c.ErrorEquals) {
				return sc.catch(c, f)
			}
		}
		return stateResult{fail: f}
	}
}

// matchRetrier returns the first retrier whose ErrorEquals matches; only that one applies.
func matchRetrier(rs []Retrier, f *failure) int {
	for i, r := range rs {
		if f.matches(r.ErrorEquals) {
			return i
		}
	}
	return -1
}

// retryDelay is IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, with FULL
// jitter drawing uniformly below it.
func retryDelay(r Retrier, attempt int) time.Duration {
	d := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(attempt))
	if r.MaxDelaySeconds > 0 && d > float64(r.MaxDelaySeconds) {
		d = float64(r.MaxDelaySeconds)
	}
	if r.JitterFull {
		d = rand.Float64() * d
	}
	return time.Duration(d * float64(time.Second))
}

// sleep waits d on the engine clock; false when the execution was stopped meanwhile.
func (sc *stateCtx) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := sc.e.clock.NewTimer(d)
	select {
	case <-t.C():
		return true
	case <-ctx.Done():
		t.Stop()
		return false
	}
}

// catch hands the error output to the catcher's Next state.
func (sc *stateCtx) catch(c Catcher, f *failure) stateResult {
	errOut := f.errorOutput()
	var out any
	if sc.jsonata() {
		scope := sc.statesVar(sc.rawInput, nil, false, errOut)
		if ff := sc.prepareAssign(c.Assign, c.HasAssign, nil, scope); ff != nil {
			return stateResult{fail: ff}
		}
		out = errOut
		if c.HasOutput {
			v, ff := sc.jsonataEval("Output", c.Output, scope)
			if ff != nil {
				return stateResult{fail: ff}
			}
			out = v
		}
	} else {
		if ff := sc.prepareAssign(c.Assign, c.HasAssign, errOut, expr.JSONataScope{}); ff != nil {
			return stateResult{fail: ff}
		}
		var ff *failure
		if out, ff = sc.resultPath(c.ResultPath, sc.rawInput, errOut); ff != nil {
			return stateResult{fail: ff}
		}
	}
	sc.exit(out)
	return stateResult{output: out, next: c.Next}
}

// reportEvaluation records EvaluationFailed for a States.QueryEvaluationError.
func (sc *stateCtx) reportEvaluation(f *failure) {
	f.reported = true
	d := map[string]any{"error": f.Error, "cause": f.Cause, "state": sc.st.Name}
	if f.location != "" {
		d["location"] = f.location
	}
	sc.fr.emit("EvaluationFailed", d, -1)
}
