package sfn

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// isoMillis is the timestamp form of the context object ($$.Execution.StartTime, ...).
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

var (
	errTimedOut     = errors.New("execution timed out")
	errStopped      = errors.New("execution stopped")
	errHistoryLimit = errors.New("history limit reached")
)

// frame is what one program (the machine, a Parallel branch or a Map iteration) runs with.
type frame struct {
	x       *Execution
	vars    *varScope
	top     bool
	mapItem map[string]any // $$.Map.Item inside an iteration's ItemSelector
	silent  bool
	branch  bool // a Parallel branch
	// lastType is the type of the state that ended the program with a failure.
	lastType string
	lookup   func(string) (any, bool) // vars.lookup, bound once per program rather than per path
}

// stateResult is what executing one state produces.
type stateResult struct {
	output any
	next   string // "" ends the program
	fail   *failure
}

// runExecution drives a top-level execution from a checkpoint to its end.
func (e *Engine) runExecution(ctx context.Context, x *Execution, cp *checkpoint) {
	def := x.Machine.Definition
	if def.TimeoutSeconds > 0 {
		due := x.StartDate.Add(time.Duration(def.TimeoutSeconds) * time.Second)
		t := e.clock.NewTimer(due.Sub(e.clock.Now()))
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			select {
			case <-t.C():
				x.cancel(errTimedOut)
			case <-stop:
				t.Stop()
			case <-ctx.Done():
				t.Stop()
			}
		}()
	}
	x.vars = newVarScope(nil, cp.Vars)
	fr := &frame{x: x, vars: x.vars, top: true}
	out, f := e.runProgram(ctx, fr, def, cp)
	if errors.Is(context.Cause(ctx), errEngineClosed) {
		return // parked: the store keeps it RUNNING and a new engine resumes it
	}
	e.finish(ctx, x, out, f)
}

// finish records the terminal event and status.
func (e *Engine) finish(ctx context.Context, x *Execution, out any, f *failure) {
	cause := context.Cause(ctx)
	var typ string
	var details map[string]any
	status := StatusSucceeded
	switch {
	case errors.Is(cause, errTimedOut):
		status, typ = StatusTimedOut, "ExecutionTimedOut"
		f = &failure{Error: ErrTimeout}
		details = map[string]any{"error": ErrTimeout}
	case errors.Is(cause, errStopped):
		status, typ = StatusAborted, "ExecutionAborted"
		x.mu.Lock()
		ab := x.abortDetails
		x.mu.Unlock()
		f, details = ab, nil
		if ab != nil {
			details = map[string]any{}
			if ab.Error != "" {
				details["error"] = ab.Error
			}
			if ab.HasCause {
				details["cause"] = ab.Cause
			}
		}
	case errors.Is(cause, errHistoryLimit):
		status, typ = StatusFailed, "ExecutionFailed"
		f = newFailure(ErrRuntime, fmt.Sprintf("The execution reached the maximum number of history events (%d).", maxHistoryEvents))
		details = map[string]any{"error": f.Error, "cause": f.Cause}
	case f != nil:
		status, typ = StatusFailed, "ExecutionFailed"
		details = map[string]any{}
		if f.Error != "" {
			details["error"] = f.Error
		}
		if f.HasCause {
			details["cause"] = f.Cause
		}
	default:
		if jsonSize(out, maxPayloadBytes) > maxPayloadBytes {
			status, typ = StatusFailed, "ExecutionFailed"
			f = newFailure(ErrDataLimitExceeded, "The state/task 'execution' returned a result with a size exceeding the maximum number of bytes service limit.")
			details = map[string]any{"error": f.Error, "cause": f.Cause}
		} else {
			typ = "ExecutionSucceeded"
		}
	}
	if status == StatusSucceeded {
		x.mu.Lock()
		x.appendEventLocked(typ, HistoryEvent{compact: compactSucceeded, cDoc: out}, -1)
		x.mu.Unlock()
	} else {
		x.emitForce(typ, details)
	}
	x.mu.Lock()
	x.status = status
	x.stopDate = e.clock.Now()
	if status == StatusSucceeded {
		x.outputDoc, x.hasOutput = out, true
	} else if f != nil && status != StatusTimedOut {
		x.errName, x.hasError = f.Error, f.Error != ""
		x.cause, x.hasCause = f.Cause, f.HasCause
	}
	x.mu.Unlock()
	if err := e.persistFinal(x); err != nil {
		e.logf("persist final state of %s: %v", x.ARN, err)
	}
	e.ended(x)
	close(x.done)
}

// runProgram runs states from cp.State until an end state or a failure.
func (e *Engine) runProgram(ctx context.Context, fr *frame, def *Definition, cp *checkpoint) (any, *failure) {
	cur, in := cp.State, cp.Input
	rawText := cp.InputText
	resume := cp
	if cp.Phase == "" {
		resume = nil
	}
	first := true
	// One stateCtx per program, reset for each state: nothing keeps it once its state has ended.
	sc := &stateCtx{}
	for {
		if err := context.Cause(ctx); err != nil {
			return nil, &failure{stopped: true, Error: "States.Aborted"}
		}
		st := def.States[cur]
		var enteredID int64
		enteredAt := e.clock.Now()
		if resume != nil {
			enteredID = resume.EnteredID
			enteredAt = resume.EnteredAt
		} else {
			h := HistoryEvent{compact: compactEntered, cName: st.Name, cDoc: in}
			if first && rawText != "" {
				h.cText, h.hasText = rawText, true
			}
			prev := int64(-1)
			if first && fr.top && fr.x.historyLen() == 1 {
				prev = 0 // AWS reports the first state's previous event as 0
			}
			enteredID = fr.emitCompact(enteredType(st.Type), h, prev)
		}
		*sc = stateCtx{e: e, fr: fr, st: st, enteredID: enteredID, enteredAt: enteredAt, rawInput: in, resume: resume}
		if resume != nil {
			sc.retryCount = resume.Retry
		}
		res := sc.exec(ctx)
		resume = nil
		first = false
		if res.fail != nil {
			if res.fail.evaluation && !res.fail.reported {
				sc.reportEvaluation(res.fail)
			}
			// Inside a branch or iteration, a state cut short is reported aborted; in a Parallel
			// branch so is the state whose failure ends the branch (as AWS's histories show).
			fr.lastType = st.Type
			if !fr.top && (res.fail.stopped || fr.branch) && abortable(st.Type) {
				fr.emit(st.Type+"StateAborted", nil, -1)
			}
			return nil, res.fail
		}
		if res.next == "" {
			return res.output, nil
		}
		cur, in = res.next, res.output
		if fr.top {
			if err := e.checkpointEnter(fr.x, cur, in); err != nil {
				return nil, newFailure(ErrRuntime, "persist execution: "+err.Error())
			}
		}
	}
}

// stateCtx is one state's execution.
type stateCtx struct {
	e          *Engine
	fr         *frame
	st         *State
	enteredID  int64
	enteredAt  time.Time
	rawInput   any
	retryCount int
	token      string
	deadline   time.Time // TimeoutSeconds deadline of the running task, if any
	resume     *checkpoint
	// pending variable assignments, committed when the state exits
	assigned map[string]any
	ctxObj   map[string]any
}

func (sc *stateCtx) jsonata() bool { return sc.st.QueryLanguage == langJSONata }

func (sc *stateCtx) fail(errName, msg string) *failure {
	return stateFailure(sc.st.Name, sc.enteredID, errName, msg)
}

// contextObject builds $$ for this state.
func (sc *stateCtx) contextObject() any {
	if !sc.st.usesContext && sc.fr.mapItem == nil {
		return nil // nothing in this state can read $$
	}
	if sc.ctxObj != nil {
		return sc.ctxObj
	}
	sc.ctxObj = sc.buildContext()
	return sc.ctxObj
}

func (sc *stateCtx) buildContext() map[string]any {
	x := sc.fr.x
	input := x.input()
	state := map[string]any{"EnteredTime": sc.enteredAt.UTC().Format(isoMillis), "Name": sc.st.Name}
	if sc.st.Type == "Task" || sc.st.Type == "Parallel" || sc.st.Type == "Map" {
		state["RetryCount"] = jsonInt(sc.retryCount)
	}
	c := map[string]any{
		"Execution": map[string]any{"Id": x.ARN, "Input": input, "Name": x.Name, "RoleArn": x.roleARN,
			"StartTime": x.StartDate.UTC().Format(isoMillis), "RedriveCount": jsonInt(0)},
		"State":        state,
		"StateMachine": map[string]any{"Id": x.Machine.ARN, "Name": x.Machine.Name},
	}
	if sc.token != "" {
		c["Task"] = map[string]any{"Token": sc.token}
	}
	if sc.fr.mapItem != nil {
		c["Map"] = map[string]any{"Item": sc.fr.mapItem}
	}
	return c
}

// lookupVar is the variable lookup of expression scopes.
func (sc *stateCtx) lookupVar() func(string) (any, bool) {
	if sc.fr.lookup == nil {
		sc.fr.lookup = sc.fr.vars.lookup
	}
	return sc.fr.lookup
}

// scope is the JSONPath evaluation scope with $ bound to input.
func (sc *stateCtx) scope(input any) expr.Scope {
	return expr.Scope{Input: input, Context: sc.contextObject(), Vars: sc.lookupVar()}
}

// statesVar builds $states for JSONata.
func (sc *stateCtx) statesVar(input any, result any, hasResult bool, errOut any) expr.JSONataScope {
	m := map[string]any{"input": input, "context": sc.contextObject()}
	if hasResult {
		m["result"] = result
	}
	if errOut != nil {
		m["errorOutput"] = errOut
	}
	return expr.JSONataScope{States: m, Vars: sc.lookupVar(), Now: sc.e.clock.Now}
}

// exitEvent records <Type>StateExited with the output and any assigned variables, and commits them.
func (sc *stateCtx) exit(output any) {
	h := HistoryEvent{compact: compactExited, cName: sc.st.Name, cDoc: output, assigned: sc.assigned}
	if sc.assigned != nil {
		sc.fr.vars.set(sc.assigned)
	}
	sc.fr.emitCompact(exitedType(sc.st.Type), h, -1)
}

// evalPath resolves a JSONPath-mode path (InputPath, OutputPath ...) on doc.
func (sc *stateCtx) evalPath(field, path string, doc any) (any, *failure) {
	if path == "$" {
		return doc, nil
	}
	v, err := expr.Resolve(path, sc.scope(doc))
	if err != nil {
		var nf *expr.NotFoundError
		if errors.As(err, &nf) {
			return nil, sc.fail(ErrRuntime, expr.InvalidPathCause(path, nf))
		}
		return nil, fromExpr(sc.st, sc.enteredID, err, field)
	}
	return v, nil
}

// inputPath applies InputPath (JSONPath mode): null gives {}.
func (sc *stateCtx) inputPath(raw any) (any, *failure) {
	p := sc.st.InputPath
	switch {
	case !p.Set:
		return raw, nil
	case p.Null:
		return map[string]any{}, nil
	}
	return sc.evalPath("InputPath", p.Path, raw)
}

// outputPath applies OutputPath (JSONPath mode): null gives {}.
func (sc *stateCtx) outputPath(v any) (any, *failure) {
	p := sc.st.OutputPath
	switch {
	case !p.Set:
		return v, nil
	case p.Null:
		return map[string]any{}, nil
	}
	return sc.evalPath("OutputPath", p.Path, v)
}

// resultPath merges result into raw input per ResultPath (JSONPath mode).
func (sc *stateCtx) resultPath(p optPath, raw, result any) (any, *failure) {
	switch {
	case !p.Set:
		return result, nil
	case p.Null:
		return raw, nil
	case p.Path == "$":
		return result, nil
	}
	out, err := expr.Set(raw, p.Path, result)
	if err != nil {
		return nil, fromExpr(sc.st, sc.enteredID, err, "ResultPath")
	}
	return out, nil
}

// payload evaluates a JSONPath-mode template such as Parameters.
func (sc *stateCtx) payload(field string, tmpl any, input any) (any, *failure) {
	v, err := expr.Payload(tmpl, sc.scope(input))
	if err != nil {
		return nil, fromExpr(sc.st, sc.enteredID, err, field)
	}
	return v, nil
}

// jsonataEval evaluates a JSONata-mode template.
func (sc *stateCtx) jsonataEval(field string, tmpl any, scope expr.JSONataScope) (any, *failure) {
	v, err := expr.JSONata(field, tmpl, scope)
	if err != nil {
		return nil, fromExpr(sc.st, sc.enteredID, err, field)
	}
	return v, nil
}

// prepareAssign evaluates Assign (JSONPath: "$" is the state result; JSONata: $states) and keeps
// the values until the state exits, so other fields of the same state still see the old values.
func (sc *stateCtx) prepareAssign(tmpl any, has bool, jsonpathDoc any, scope expr.JSONataScope) *failure {
	if !has {
		return nil
	}
	var v any
	var f *failure
	if sc.jsonata() {
		v, f = sc.jsonataEval("Assign", tmpl, scope)
	} else {
		v, f = sc.payload("Assign", tmpl, jsonpathDoc)
	}
	if f != nil {
		return f
	}
	m, ok := v.(map[string]any)
	if !ok {
		return sc.fail(ErrRuntime, "The Assign field must evaluate to a JSON object")
	}
	sc.assigned = m
	return nil
}

// finishOutput applies the JSONPath ResultPath/OutputPath or JSONata Output pipeline to a state
// result, evaluates Assign, emits the exit event and returns the state's result.
func (sc *stateCtx) finishOutput(effectiveInput, result any) stateResult {
	st := sc.st
	if sc.jsonata() {
		scope := sc.statesVar(sc.rawInput, result, true, nil)
		if f := sc.prepareAssign(st.Assign, st.HasAssign, nil, scope); f != nil {
			return stateResult{fail: f}
		}
		out := result
		if st.HasOutput {
			var f *failure
			if out, f = sc.jsonataEval("Output", st.Output, scope); f != nil {
				return stateResult{fail: f}
			}
		}
		return sc.done(out)
	}
	if f := sc.prepareAssign(st.Assign, st.HasAssign, result, expr.JSONataScope{}); f != nil {
		return stateResult{fail: f}
	}
	out, f := sc.resultPath(st.ResultPath, sc.rawInput, result)
	if f != nil {
		return stateResult{fail: f}
	}
	if out, f = sc.outputPath(out); f != nil {
		return stateResult{fail: f}
	}
	return sc.done(out)
}

// done checks the output quota, emits the exit event and continues with Next.
func (sc *stateCtx) done(out any) stateResult {
	if jsonSize(out, maxPayloadBytes) > maxPayloadBytes {
		return stateResult{fail: newFailure(ErrDataLimitExceeded,
			fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", sc.st.Name))}
	}
	sc.exit(out)
	return stateResult{output: out, next: sc.st.Next}
}

func (sc *stateCtx) exec(ctx context.Context) stateResult {
	switch sc.st.Type {
	case "Pass":
		return sc.execPass()
	case "Succeed":
		return sc.execSucceed()
	case "Fail":
		return sc.execFail()
	case "Choice":
		return sc.execChoice()
	case "Wait":
		return sc.execWait(ctx)
	case "Task", "Parallel", "Map":
		return sc.execWithRetry(ctx)
	}
	return stateResult{fail: sc.fail(ErrRuntime, "unsupported state type "+sc.st.Type)}
}

func (sc *stateCtx) execPass() stateResult {
	st := sc.st
	if sc.jsonata() {
		return sc.finishOutputJSONataPass()
	}
	in, f := sc.inputPath(sc.rawInput)
	if f != nil {
		return stateResult{fail: f}
	}
	result := in
	if st.HasParameters {
		if result, f = sc.payload("Parameters", st.Parameters, in); f != nil {
			return stateResult{fail: f}
		}
	}
	if st.HasResult {
		result = deepCopy(st.Result)
	}
	return sc.finishOutput(in, result)
}

// finishOutputJSONataPass: a JSONata Pass state's result is its input; Output may replace it.
func (sc *stateCtx) finishOutputJSONataPass() stateResult {
	st := sc.st
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

func (sc *stateCtx) execSucceed() stateResult {
	st := sc.st
	var out any
	var f *failure
	if sc.jsonata() {
		out = sc.rawInput
		if st.HasOutput {
			if out, f = sc.jsonataEval("Output", st.Output, sc.statesVar(sc.rawInput, nil, false, nil)); f != nil {
				return stateResult{fail: f}
			}
		}
	} else {
		if out, f = sc.inputPath(sc.rawInput); f != nil {
			return stateResult{fail: f}
		}
		if out, f = sc.outputPath(out); f != nil {
			return stateResult{fail: f}
		}
	}
	sc.exit(out)
	return stateResult{output: out}
}

func (sc *stateCtx) execFail() stateResult {
	st := sc.st
	res := &failure{}
	if sc.jsonata() {
		scope := sc.statesVar(sc.rawInput, nil, false, nil)
		for _, fld := range []struct {
			name string
			v    any
			has  bool
			dst  *string
			set  *bool
		}{{"Error", st.Error, st.HasError, &res.Error, nil}, {"Cause", st.Cause, st.HasCause, &res.Cause, &res.HasCause}} {
			if !fld.has {
				continue
			}
			v, f := sc.jsonataEval(fld.name, fld.v, scope)
			if f != nil {
				return stateResult{fail: f}
			}
			s, ok := v.(string)
			if !ok {
				return stateResult{fail: sc.failEval(fld.name, fmt.Sprintf("The %s field must evaluate to a string", fld.name))}
			}
			*fld.dst = s
			if fld.set != nil {
				*fld.set = true
			}
		}
		return stateResult{fail: res}
	}
	if st.HasError {
		res.Error, _ = st.Error.(string)
	}
	if st.HasCause {
		res.Cause, _ = st.Cause.(string)
		res.HasCause = true
	}
	for _, fld := range []struct {
		name, path string
		dst        *string
		set        *bool
	}{{"ErrorPath", st.ErrorPath, &res.Error, nil}, {"CausePath", st.CausePath, &res.Cause, &res.HasCause}} {
		if fld.path == "" {
			continue
		}
		var v any
		var err error
		if expr.IsIntrinsic(fld.path) {
			v, err = expr.Intrinsic(fld.path, sc.scope(sc.rawInput))
		} else {
			v, err = expr.Resolve(fld.path, sc.scope(sc.rawInput))
		}
		if err != nil {
			var nf *expr.NotFoundError
			if errors.As(err, &nf) {
				return stateResult{fail: sc.fail(ErrRuntime, expr.NotFoundCause(fld.path, fld.name, sc.rawInput))}
			}
			return stateResult{fail: fromExpr(st, sc.enteredID, err, fld.name)}
		}
		s, ok := v.(string)
		if !ok {
			return stateResult{fail: sc.fail(ErrRuntime, fmt.Sprintf("The %s field must refer to a string value: %s == %s", fld.name, fld.path, encodeJSON(v)))}
		}
		*fld.dst = s
		if fld.set != nil {
			*fld.set = true
		}
	}
	return stateResult{fail: res}
}

// failEval is a States.QueryEvaluationError naming a field.
func (sc *stateCtx) failEval(field, msg string) *failure {
	f := sc.fail(ErrQueryEvaluation, msg)
	f.evaluation, f.location = true, field
	return f
}

func jsonInt(n int) any { return jsonNumber(fmt.Sprint(n)) }

// abortable: state types with a <Type>StateAborted history event.
func abortable(typ string) bool {
	switch typ {
	case "Task", "Map", "Parallel", "Wait":
		return true
	}
	return false
}
