package sfn

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// emit records an event unless the frame belongs to a distributed Map child run, whose events
// AWS keeps in the child executions rather than in the parent history.
func (fr *frame) emit(typ string, details map[string]any, prev int64) int64 {
	if fr.silent {
		return 0
	}
	return fr.x.emit(typ, details, prev)
}

func (fr *frame) emitCompact(typ string, h HistoryEvent, prev int64) int64 {
	if fr.silent {
		return 0
	}
	return fr.x.emitCompact(typ, h, prev)
}

// attemptParallel runs every branch on the same input and collects their outputs in order
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html).
func (sc *stateCtx) attemptParallel(ctx context.Context) (any, *failure) {
	st := sc.st
	in, f := sc.stateInputForBranches()
	if f != nil {
		return nil, f
	}
	sc.fr.emit("ParallelStateStarted", nil, -1)
	outs := make([]any, len(st.Branches))
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first *failure
	for i, b := range st.Branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fr := &frame{x: sc.fr.x, vars: newVarScope(sc.fr.vars, nil), silent: sc.fr.silent, branch: true}
			out, f := sc.e.runProgram(bctx, fr, b, &checkpoint{State: b.StartAt, Input: in})
			mu.Lock()
			defer mu.Unlock()
			if f != nil {
				if first == nil && !f.stopped {
					first = f
					cancel()
				}
				return
			}
			outs[i] = out
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, &failure{stopped: true}
	}
	if first != nil {
		return nil, first
	}
	sc.fr.emit("ParallelStateSucceeded", nil, -1)
	return outs, nil
}

// stateInputForBranches is the effective input of a Parallel state (InputPath + Parameters, or
// JSONata Arguments).
func (sc *stateCtx) stateInputForBranches() (any, *failure) {
	st := sc.st
	if sc.jsonata() {
		if !st.HasArguments {
			return sc.rawInput, nil
		}
		return sc.jsonataEval("Arguments", st.Arguments, sc.statesVar(sc.rawInput, nil, false, nil))
	}
	in, f := sc.inputPath(sc.rawInput)
	if f != nil {
		return nil, f
	}
	if st.HasParameters {
		return sc.payload("Parameters", st.Parameters, in)
	}
	return in, nil
}

// attemptMap runs the item processor over every item
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html).
func (sc *stateCtx) attemptMap(ctx context.Context) (any, *failure) {
	st := sc.st
	var in, items any
	var f *failure
	var maxConc, tolCount int
	tolPct := -1.0
	tolCount = -1
	var scope expr.JSONataScope
	if sc.jsonata() {
		in = sc.rawInput
		scope = sc.statesVar(sc.rawInput, nil, false, nil)
		if st.HasItems {
			if items, f = sc.jsonataAs("Items", st.Items, scope, "array"); f != nil {
				return nil, f
			}
		} else {
			items = in
		}
	} else {
		if in, f = sc.inputPath(sc.rawInput); f != nil {
			return nil, f
		}
		items = in
		if st.ItemsPath.Set {
			if items, f = sc.evalPathField("ItemsPath", st.ItemsPath.Path, in); f != nil {
				return nil, f
			}
		}
	}
	arr, ok := items.([]any)
	if !ok {
		ff := sc.fail(ErrQueryEvaluation, "Map state input must be an array but was: "+encodeJSON(items))
		ff.evaluation = true
		return nil, ff
	}
	sc.fr.emit("MapStateStarted", map[string]any{"length": jsonInt(len(arr))}, -1)
	// Concurrency and tolerance are read after MapStateStarted, as AWS's history shows.
	if sc.jsonata() {
		if maxConc, f = sc.jsonataNonNeg("MaxConcurrency", st.MaxConcurrency, scope); f != nil {
			return nil, f
		}
		if st.ToleratedFailureCount != nil {
			if tolCount, f = sc.jsonataNonNeg("ToleratedFailureCount", st.ToleratedFailureCount, scope); f != nil {
				return nil, f
			}
		}
		if st.ToleratedFailurePercentage != nil {
			v := st.ToleratedFailurePercentage
			if s, ok := v.(string); ok && expr.IsJSONata(s) {
				if v, f = sc.jsonataEval("ToleratedFailurePercentage", v, scope); f != nil {
					return nil, f
				}
			}
			p, ok := asFloat(v)
			if !ok || p < 0 || p > 100 {
				return nil, sc.fail(ErrRuntime, "ToleratedFailurePercentage must be between 0 and 100.")
			}
			tolPct = p
		}
	} else {
		if maxConc, f = sc.intField("MaxConcurrency", st.MaxConcurrency, st.MaxConcurrencyPath, in); f != nil {
			return nil, f
		}
		if st.ToleratedFailureCount != nil || st.ToleratedFailureCountPath != "" {
			if tolCount, f = sc.intField("ToleratedFailureCount", st.ToleratedFailureCount, st.ToleratedFailureCountPath, in); f != nil {
				return nil, f
			}
		}
		if st.ToleratedFailurePercentage != nil || st.TolFailurePercentagePath != "" {
			v := st.ToleratedFailurePercentage
			if st.TolFailurePercentagePath != "" {
				if v, f = sc.evalPathField("ToleratedFailurePercentagePath", st.TolFailurePercentagePath, in); f != nil {
					return nil, f
				}
				if _, ok := asFloat(v); !ok {
					return nil, sc.fail(ErrRuntime, fmt.Sprintf("The ToleratedFailurePercentagePath field refers to value %q which is not a valid float: %s", plainText(v), st.TolFailurePercentagePath))
				}
			}
			p, _ := asFloat(v)
			if p < 0 || p > 100 {
				return nil, sc.fail(ErrRuntime, "ToleratedFailurePercentage must be between 0 and 100.")
			}
			tolPct = p
		}
	}
	if st.Distributed {
		sc.fr.emit("MapRunStarted", map[string]any{"mapRunArn": fmt.Sprintf("arn:aws:states:%s:%s:mapRun:%s/%s:%s",
			sc.e.region, sc.e.account, sc.fr.x.Machine.Name, mapLabel(st), newUUID())}, -1)
	}
	outs := make([]any, len(arr))
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if maxConc <= 0 || maxConc > len(arr) {
		maxConc = len(arr)
	}
	sem := make(chan struct{}, max(maxConc, 1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed int
	var firstFail *failure
	// Inline Maps fail on the first failed iteration; Distributed Maps tolerate failures up to
	// ToleratedFailureCount/Percentage and fail when either is exceeded
	// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
	limitFailures := func() bool {
		if !st.Distributed || (tolCount < 0 && tolPct < 0) {
			return failed > 0
		}
		return (tolCount >= 0 && failed > tolCount) || (tolPct >= 0 && float64(failed)*100 > tolPct*float64(len(arr)))
	}
	for i, item := range arr {
		if mctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		if mctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		fr := &frame{x: sc.fr.x, vars: newVarScope(sc.fr.vars, nil), silent: sc.fr.silent || st.Distributed}
		// Iterations are reported started in index order as they get a concurrency slot.
		fr.emit("MapIterationStarted", map[string]any{"index": jsonInt(i), "name": st.Name}, -1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			itemIn, f := sc.mapItemInput(in, item, i)
			if f != nil {
				mu.Lock()
				if firstFail == nil {
					firstFail = f
					cancel()
				}
				mu.Unlock()
				return
			}
			out, f := sc.e.runProgram(mctx, fr, st.Processor, &checkpoint{State: st.Processor.StartAt, Input: itemIn})
			mu.Lock()
			defer mu.Unlock()
			if f != nil {
				if f.stopped {
					fr.emit("MapIterationAborted", map[string]any{"index": jsonInt(i), "name": st.Name}, -1)
					return
				}
				if mctx.Err() != nil {
					// The Map already failed: AWS reports later failures as aborted iterations.
					if abortable(fr.lastType) {
						fr.emit(fr.lastType+"StateAborted", nil, -1)
					}
					fr.emit("MapIterationAborted", map[string]any{"index": jsonInt(i), "name": st.Name}, -1)
					return
				}
				fr.emit("MapIterationFailed", map[string]any{"index": jsonInt(i), "name": st.Name}, -1)
				failed++
				if firstFail == nil {
					firstFail = f
				}
				if limitFailures() {
					cancel()
				}
				return
			}
			fr.emit("MapIterationSucceeded", map[string]any{"index": jsonInt(i), "name": st.Name}, -1)
			outs[i] = out
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, &failure{stopped: true}
	}
	if firstFail != nil && (failed == 0 || limitFailures()) {
		ff := firstFail
		if st.Distributed && failed > 0 {
			ff = newFailure(ErrExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded")
			sc.fr.emit("MapRunFailed", map[string]any{"error": ff.Error, "cause": ff.Cause}, -1)
		}
		return nil, ff
	}
	if st.Distributed {
		sc.fr.emit("MapRunSucceeded", nil, -1)
	}
	sc.fr.emit("MapStateSucceeded", nil, -1)
	return outs, nil
}

func mapLabel(st *State) string {
	if st.Label != "" {
		return st.Label
	}
	return newUUID()[:8]
}

func plainText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return encodeJSON(v)
}

// mapItemInput evaluates ItemSelector (or the legacy Parameters) with $$.Map.Item bound.
func (sc *stateCtx) mapItemInput(in, item any, index int) (any, *failure) {
	st := sc.st
	tmpl, has := st.ItemSelector, st.HasItemSelector
	if !has && st.HasParameters {
		tmpl, has = st.Parameters, true
	}
	if !has {
		return item, nil
	}
	c := &stateCtx{e: sc.e, fr: &frame{x: sc.fr.x, vars: sc.fr.vars, mapItem: map[string]any{"Index": jsonInt(index), "Value": item}},
		st: st, enteredID: sc.enteredID, enteredAt: sc.enteredAt, rawInput: sc.rawInput, retryCount: sc.retryCount}
	if sc.jsonata() {
		scope := c.statesVar(sc.rawInput, nil, false, nil)
		return c.jsonataEval("ItemSelector", tmpl, scope)
	}
	return c.payload("ItemSelector", tmpl, in)
}

func (sc *stateCtx) evalPathField(field, path string, in any) (any, *failure) {
	v, err := expr.Resolve(path, sc.scope(in))
	if err != nil {
		return nil, sc.pathFail(field, path, in, err)
	}
	return v, nil
}

// intField reads MaxConcurrency/ToleratedFailureCount or its Path variant.
func (sc *stateCtx) intField(field string, lit any, path string, in any) (int, *failure) {
	if path == "" {
		n, _ := asInt(lit)
		return n, nil
	}
	v, f := sc.evalPathField(field+"Path", path, in)
	if f != nil {
		return 0, f
	}
	n, ok := asInt(v)
	if !ok || n < 0 || n > math.MaxInt32 {
		return 0, sc.fail(ErrRuntime, fmt.Sprintf("The %sPath field refers to value %q which is not a valid integer: %s", field, plainText(v), path))
	}
	return n, nil
}

func (sc *stateCtx) jsonataNonNeg(field string, lit any, scope expr.JSONataScope) (int, *failure) {
	if lit == nil {
		return 0, nil
	}
	v := lit
	if s, ok := lit.(string); ok && expr.IsJSONata(s) {
		var f *failure
		if v, f = sc.jsonataEval(field, lit, scope); f != nil {
			return 0, f
		}
	}
	n, ok := asInt(v)
	if !ok || n < 0 {
		return 0, sc.failEval(field, fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
			jsonataBody(lit), field, jsonTypeName(v), encodeJSON(v)))
	}
	return n, nil
}

func (sc *stateCtx) jsonataAs(field string, tmpl any, scope expr.JSONataScope, want string) (any, *failure) {
	v, err := expr.JSONataAs(field, tmpl, scope, want)
	if err != nil {
		return nil, fromExpr(sc.st, sc.enteredID, err, field)
	}
	return v, nil
}
