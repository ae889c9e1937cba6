package sfn

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// execWait pauses until Seconds have passed or Timestamp is reached on the engine clock
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html).
func (sc *stateCtx) execWait(ctx context.Context) stateResult {
	st := sc.st
	var in any = sc.rawInput
	var due time.Time
	if sc.resume != nil && sc.resume.Phase == phaseWait {
		due = sc.resume.DueAt
		if !sc.jsonata() {
			var f *failure
			if in, f = sc.inputPath(sc.rawInput); f != nil {
				return stateResult{fail: f}
			}
		}
	} else {
		var f *failure
		if sc.jsonata() {
			due, f = sc.waitDueJSONata()
		} else {
			if in, f = sc.inputPath(sc.rawInput); f != nil {
				return stateResult{fail: f}
			}
			due, f = sc.waitDuePath(in)
		}
		if f != nil {
			return stateResult{fail: f}
		}
		if err := sc.e.checkpointWait(sc.fr, sc, due); err != nil {
			return stateResult{fail: newFailure(ErrRuntime, "persist wait: "+err.Error())}
		}
	}
	if !sc.sleep(ctx, due.Sub(sc.e.clock.Now())) {
		return stateResult{fail: &failure{stopped: true}}
	}
	if sc.jsonata() {
		scope := sc.statesVar(sc.rawInput, nil, false, nil)
		if f := sc.prepareAssign(st.Assign, st.HasAssign, nil, scope); f != nil {
			return stateResult{fail: f}
		}
		out := sc.rawInput
		if st.HasOutput {
			var f *failure
			if out, f = sc.jsonataEval("Output", st.Output, scope); f != nil {
				return stateResult{fail: f}
			}
		}
		return sc.done(out)
	}
	if f := sc.prepareAssign(st.Assign, st.HasAssign, in, expr.JSONataScope{}); f != nil {
		return stateResult{fail: f}
	}
	out, f := sc.outputPath(in)
	if f != nil {
		return stateResult{fail: f}
	}
	return sc.done(out)
}

// maxWaitSeconds: AWS rejects delays that do not fit a signed 32-bit number of seconds.
const maxWaitSeconds = math.MaxInt32

func (sc *stateCtx) dueIn(seconds int64) (time.Time, *failure) {
	if seconds > maxWaitSeconds {
		return time.Time{}, sc.fail(ErrRuntime, "Wait state delay is too long.")
	}
	return sc.enteredAt.Add(time.Duration(seconds) * time.Second), nil
}

func (sc *stateCtx) dueAt(t time.Time) (time.Time, *failure) {
	if t.Sub(sc.enteredAt) > maxWaitSeconds*time.Second {
		return time.Time{}, sc.fail(ErrRuntime, "Wait state delay is too long.")
	}
	return t, nil
}

func (sc *stateCtx) waitDuePath(in any) (time.Time, *failure) {
	st := sc.st
	switch {
	case st.HasSeconds:
		n, _ := asInt(st.Seconds)
		return sc.dueIn(int64(n))
	case st.HasTimestamp:
		s, _ := st.Timestamp.(string)
		t, err := parseTimestamp(s)
		if err != nil {
			return time.Time{}, sc.fail(ErrRuntime, "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "+s)
		}
		return sc.dueAt(t)
	case st.SecondsPath != "":
		v, err := expr.Resolve(st.SecondsPath, sc.scope(in))
		if err != nil {
			return time.Time{}, sc.pathFail("SecondsPath", st.SecondsPath, in, err)
		}
		n, ok := asInt(v)
		if !ok {
			return time.Time{}, sc.fail(ErrRuntime, fmt.Sprintf("The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.SecondsPath, encodeJSON(v)))
		}
		if n < 0 {
			return time.Time{}, sc.fail(ErrRuntime, fmt.Sprintf("The SecondsPath parameter references a negative value: %s == %s", st.SecondsPath, encodeJSON(v)))
		}
		return sc.dueIn(int64(n))
	default:
		v, err := expr.Resolve(st.TimestampPath, sc.scope(in))
		if err != nil {
			return time.Time{}, sc.pathFail("TimestampPath", st.TimestampPath, in, err)
		}
		s, isStr := v.(string)
		t, perr := parseTimestamp(s)
		if !isStr || perr != nil {
			shown := s
			if !isStr {
				shown = encodeJSON(v)
			}
			return time.Time{}, sc.fail(ErrRuntime, fmt.Sprintf("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", st.TimestampPath, shown))
		}
		return sc.dueAt(t)
	}
}

func (sc *stateCtx) pathFail(field, path string, in any, err error) *failure {
	var nf *expr.NotFoundError
	if errors.As(err, &nf) {
		return sc.fail(ErrRuntime, expr.NotFoundCause(path, field, in))
	}
	return fromExpr(sc.st, sc.enteredID, err, field)
}

func (sc *stateCtx) waitDueJSONata() (time.Time, *failure) {
	st := sc.st
	scope := sc.statesVar(sc.rawInput, nil, false, nil)
	if st.HasSeconds {
		v := st.Seconds
		if s, ok := v.(string); ok && expr.IsJSONata(s) {
			var f *failure
			if v, f = sc.jsonataEval("Seconds", st.Seconds, scope); f != nil {
				return time.Time{}, f
			}
		}
		n, ok := asInt(v)
		if !ok || n < 0 {
			return time.Time{}, sc.failEval("Seconds", fmt.Sprintf("The JSONata expression '%s' specified for the field 'Seconds' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
				jsonataBody(st.Seconds), jsonTypeName(v), encodeJSON(v)))
		}
		return sc.dueIn(int64(n))
	}
	v := st.Timestamp
	if s, ok := v.(string); ok && expr.IsJSONata(s) {
		var f *failure
		if v, f = sc.jsonataEval("Timestamp", st.Timestamp, scope); f != nil {
			return time.Time{}, f
		}
	}
	s, isStr := v.(string)
	t, err := parseTimestamp(s)
	if !isStr || err != nil {
		shown := s
		if !isStr {
			shown = encodeJSON(v)
		}
		return time.Time{}, sc.failEval("Timestamp", "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: "+shown)
	}
	return sc.dueAt(t)
}
