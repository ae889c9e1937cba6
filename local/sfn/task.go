package sfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dealflow/dealflow/local/sfn/expr"
	"github.com/dealflow/dealflow/shared/events"
)

type resourceKind int

const (
	resLambdaARN resourceKind = iota + 1
	resLambdaInvoke
	resPutEvents
	resStartExecution
)

// resource is a parsed Task Resource.
type resource struct {
	kind        resourceKind
	arn         string
	service     string // resourceType in history: lambda, events, states
	action      string // resource in history: invoke, putEvents, startExecution.sync:2 ...
	waitToken   bool
	sync        bool // .sync or .sync:2
	syncVersion int
}

// parseResource recognises the integrations the local runtime provides.
func parseResource(r string) (resource, error) {
	if strings.HasPrefix(r, "arn:aws:lambda:") || strings.HasPrefix(r, "arn:aws-us-gov:lambda:") {
		parts := strings.Split(r, ":")
		if len(parts) < 7 || parts[5] != "function" || parts[6] == "" {
			return resource{}, fmt.Errorf("malformed Lambda function ARN %q", r)
		}
		return resource{kind: resLambdaARN, arn: r}, nil
	}
	const prefix = "arn:aws:states:::"
	if !strings.HasPrefix(r, prefix) {
		return resource{}, fmt.Errorf("unsupported resource %q (the local runtime provides Lambda functions, lambda:invoke, events:putEvents and states:startExecution)", r)
	}
	rest := strings.TrimPrefix(r, prefix)
	svc, action, ok := strings.Cut(rest, ":")
	if !ok {
		return resource{}, fmt.Errorf("malformed service integration %q", r)
	}
	res := resource{arn: r, service: svc, action: action}
	base := action
	switch {
	case strings.HasSuffix(action, ".waitForTaskToken"):
		res.waitToken = true
		base = strings.TrimSuffix(action, ".waitForTaskToken")
	case strings.HasSuffix(action, ".sync:2"):
		res.sync, res.syncVersion = true, 2
		base = strings.TrimSuffix(action, ".sync:2")
	case strings.HasSuffix(action, ".sync"):
		res.sync, res.syncVersion = true, 1
		base = strings.TrimSuffix(action, ".sync")
	}
	switch {
	case svc == "lambda" && base == "invoke" && !res.sync:
		res.kind = resLambdaInvoke
	case svc == "events" && base == "putEvents" && !res.sync:
		res.kind = resPutEvents
	case svc == "states" && base == "startExecution":
		res.kind = resStartExecution
	default:
		return resource{}, fmt.Errorf("unsupported service integration %q", r)
	}
	return res, nil
}

// attemptTask runs one attempt of a Task state and returns its result (after ResultSelector).
func (sc *stateCtx) attemptTask(ctx context.Context) (any, *failure) {
	st := sc.st
	res, err := parseResource(st.Resource)
	if err != nil {
		return nil, sc.fail(ErrRuntime, err.Error())
	}
	if res.waitToken {
		// $$.Task.Token exists from the start so Parameters can pass it on.
		if sc.resume != nil && sc.resume.Token != "" {
			sc.token = sc.resume.Token
		} else {
			sc.token = newToken()
		}
		sc.ctxObj = nil
	}
	var params any
	var f *failure
	var timeout, heartbeat int
	if sc.jsonata() {
		scope := sc.statesVar(sc.rawInput, nil, false, nil)
		params = sc.rawInput
		if st.HasArguments {
			if params, f = sc.jsonataEval("Arguments", st.Arguments, scope); f != nil {
				return nil, f
			}
		}
		if timeout, f = sc.jsonataSeconds("TimeoutSeconds", st.TimeoutSeconds, scope); f != nil {
			return nil, f
		}
		if heartbeat, f = sc.jsonataSeconds("HeartbeatSeconds", st.HeartbeatSeconds, scope); f != nil {
			return nil, f
		}
	} else {
		in, f := sc.inputPath(sc.rawInput)
		if f != nil {
			return nil, f
		}
		params = in
		if st.HasParameters {
			if params, f = sc.payload("Parameters", st.Parameters, in); f != nil {
				return nil, f
			}
		}
		if timeout, f = sc.pathSeconds("TimeoutSeconds", st.TimeoutSeconds, st.TimeoutSecondsPath, in); f != nil {
			return nil, f
		}
		if heartbeat, f = sc.pathSeconds("HeartbeatSeconds", st.HeartbeatSeconds, st.HeartbeatSecondsPath, in); f != nil {
			return nil, f
		}
	}
	var result any
	switch res.kind {
	case resLambdaARN:
		result, f = sc.runLegacyLambda(ctx, res, params, timeout)
	default:
		result, f = sc.runIntegration(ctx, res, params, timeout, heartbeat)
	}
	if f != nil {
		return nil, f
	}
	if !sc.jsonata() && st.HasResultSelector {
		if result, f = sc.payload("ResultSelector", st.ResultSelector, result); f != nil {
			return nil, f
		}
	}
	return result, nil
}

// pathSeconds reads TimeoutSeconds/HeartbeatSeconds or their Path variant.
func (sc *stateCtx) pathSeconds(field string, lit any, path string, in any) (int, *failure) {
	if path != "" {
		v, f := sc.evalPath(field+"Path", path, in)
		if f != nil {
			return 0, f
		}
		n, ok := asInt(v)
		if !ok || n <= 0 {
			return 0, sc.fail(ErrRuntime, fmt.Sprintf("The %sPath field refers to value %q which is not a valid positive integer: %s", field, encodeJSON(v), path))
		}
		return n, nil
	}
	n, _ := asInt(lit)
	return n, nil
}

func (sc *stateCtx) jsonataSeconds(field string, lit any, scope expr.JSONataScope) (int, *failure) {
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
	if !ok || n <= 0 {
		return 0, sc.failEval(field, fmt.Sprintf("The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected 'integer', but was '%s' for value: %s",
			jsonataBody(lit), field, jsonTypeName(v), encodeJSON(v)))
	}
	return n, nil
}

// callOutcome is the end of one task invocation.
type callOutcome struct {
	result any
	fail   *failure
}

// withTimeout runs call and races it against TimeoutSeconds and HeartbeatSeconds on the engine
// clock. heartbeat resets arrive on beats.
func (sc *stateCtx) withTimeout(ctx context.Context, timeout, heartbeat int, beats <-chan struct{}, call func(ctx context.Context) callOutcome) (callOutcome, string) {
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan callOutcome, 1)
	var tC, hC <-chan time.Time
	if timeout > 0 {
		// The deadline survives a restart: a resumed task only waits for what is left.
		if sc.resume != nil && !sc.resume.DueAt.IsZero() {
			sc.deadline = sc.resume.DueAt
		} else {
			sc.deadline = sc.e.clock.Now().Add(time.Duration(timeout) * time.Second)
		}
		t := sc.e.clock.NewTimer(sc.deadline.Sub(sc.e.clock.Now()))
		defer t.Stop()
		tC = t.C()
	}
	var ht interface{ Stop() bool }
	if heartbeat > 0 {
		t := sc.e.clock.NewTimer(time.Duration(heartbeat) * time.Second)
		ht, hC = t, t.C()
	}
	defer func() {
		if ht != nil {
			ht.Stop()
		}
	}()
	taskWorkers.Go(func() { done <- call(cctx) })
	for {
		select {
		case o := <-done:
			return o, ""
		case <-tC:
			return callOutcome{}, ErrTimeout
		case <-hC:
			return callOutcome{}, ErrHeartbeatTimeout
		case <-beats:
			if heartbeat > 0 {
				ht.Stop()
				t := sc.e.clock.NewTimer(time.Duration(heartbeat) * time.Second)
				ht, hC = t, t.C()
			}
		case <-ctx.Done():
			return callOutcome{fail: &failure{stopped: true}}, ""
		}
	}
}

// runLegacyLambda invokes "Resource": "arn:aws:lambda:...:function:name" with the effective input.
func (sc *stateCtx) runLegacyLambda(ctx context.Context, res resource, params any, timeout int) (any, *failure) {
	x := sc.fr
	d := docDetails("input", params)
	d["resource"] = res.arn
	if timeout > 0 {
		d["timeoutInSeconds"] = jsonInt(timeout)
	}
	x.emit("LambdaFunctionScheduled", d, -1)
	x.emit("LambdaFunctionStarted", nil, -1)
	payload := []byte(encodeJSON(params))
	o, timedOut := sc.withTimeout(ctx, timeout, 0, nil, func(ctx context.Context) callOutcome {
		r := sc.e.funcs.invoke(ctx, res.arn, payload)
		switch {
		case r.notFound:
			return callOutcome{fail: newFailure("Lambda.ResourceNotFoundException", sc.e.functionNotFound(res.arn))}
		case r.errType != "":
			return callOutcome{fail: newFailure(r.errType, string(r.errDoc))}
		}
		if len(r.payload) > maxPayloadBytes {
			return callOutcome{fail: newFailure(ErrDataLimitExceeded, fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", res.arn))}
		}
		v, err := decodeJSON(r.payload)
		if err != nil {
			return callOutcome{fail: newFailure("Lambda.Unknown", "The Lambda function returned a payload that is not valid JSON.")}
		}
		sc.fr.x.keys.learn(r.payload)
		return callOutcome{result: v}
	})
	switch {
	case timedOut != "":
		x.emit("LambdaFunctionTimedOut", map[string]any{"error": timedOut}, -1)
		return nil, &failure{Error: timedOut, emptyCause: true}
	case o.fail != nil && o.fail.stopped:
		return nil, o.fail
	case o.fail != nil:
		x.emit("LambdaFunctionFailed", map[string]any{"error": o.fail.Error, "cause": o.fail.Cause}, -1)
		return nil, o.fail
	}
	x.emit("LambdaFunctionSucceeded", docDetails("output", o.result), -1)
	return o.result, nil
}

func (e *Engine) functionNotFound(name string) string {
	fn := name
	if !strings.HasPrefix(fn, "arn:") {
		fn = fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", e.region, e.account, functionName(name))
	}
	if strings.Count(fn, ":") == 6 {
		fn += ":$LATEST"
	}
	return fmt.Sprintf("Function not found: %s (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: %s; Proxy: null)", fn, newUUID())
}

// runIntegration runs an arn:aws:states:::service:action resource and records Task* events.
func (sc *stateCtx) runIntegration(ctx context.Context, res resource, params any, timeout, heartbeat int) (any, *failure) {
	x := sc.fr
	base := func() map[string]any { return map[string]any{"resource": res.action, "resourceType": res.service} }
	var beats chan struct{}
	if res.waitToken {
		beats = make(chan struct{}, 1)
	}
	resuming := sc.resume != nil && sc.resume.Phase == phaseToken
	if !resuming {
		d := base()
		d["parameters"] = &lazyDoc{v: params}
		d["region"] = sc.e.region
		if timeout > 0 {
			d["timeoutInSeconds"] = jsonInt(timeout)
		}
		if heartbeat > 0 {
			d["heartbeatInSeconds"] = jsonInt(heartbeat)
		}
		x.emit("TaskScheduled", d, -1)
		x.emit("TaskStarted", base(), -1)
	}
	var tok *taskToken
	if res.waitToken {
		tok = sc.e.registerToken(sc.token, sc.fr.x, beats)
		defer sc.e.dropToken(sc.token)
	}
	o, timedOut := sc.withTimeout(ctx, timeout, heartbeat, beats, func(ctx context.Context) callOutcome {
		if !resuming {
			var r any
			var f *failure
			switch res.kind {
			case resLambdaInvoke:
				r, f = sc.invokeLambda(ctx, params)
			case resPutEvents:
				r, f = sc.putEvents(ctx, params)
			case resStartExecution:
				r, f = sc.startExecution(ctx, res, params)
			}
			if f != nil || !res.waitToken {
				return callOutcome{result: r, fail: f}
			}
			d := base()
			d["output"] = &lazyDoc{v: r}
			d["outputDetails"] = notTruncated
			x.emit("TaskSubmitted", d, -1)
			if err := sc.e.checkpointToken(sc.fr, sc, tok); err != nil {
				return callOutcome{fail: newFailure(ErrRuntime, "persist task token: "+err.Error())}
			}
		}
		select {
		case o := <-tok.result:
			return o
		case <-ctx.Done():
			return callOutcome{fail: &failure{stopped: true}}
		}
	})
	switch {
	case timedOut != "":
		d := base()
		d["error"] = timedOut
		x.emit("TaskTimedOut", d, -1)
		return nil, &failure{Error: timedOut, emptyCause: true}
	case o.fail != nil && o.fail.stopped:
		return nil, o.fail
	case o.fail != nil:
		d := base()
		d["error"] = o.fail.Error
		if o.fail.HasCause {
			d["cause"] = o.fail.Cause
		}
		x.emit("TaskFailed", d, -1)
		return nil, o.fail
	}
	d := base()
	d["output"] = &lazyDoc{v: o.result}
	d["outputDetails"] = notTruncated
	x.emit("TaskSucceeded", d, -1)
	return o.result, nil
}

// invokeLambda implements arn:aws:states:::lambda:invoke and returns the Invoke response envelope
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
func (sc *stateCtx) invokeLambda(ctx context.Context, params any) (any, *failure) {
	m, _ := params.(map[string]any)
	fn, _ := m["FunctionName"].(string)
	if fn == "" {
		return nil, newFailure("States.Runtime", "The Parameters of a lambda:invoke task must contain FunctionName")
	}
	var payload []byte
	switch p := m["Payload"].(type) {
	case nil:
		payload = []byte("{}")
	case string:
		payload = []byte(p) // a string is sent verbatim
	default:
		payload = []byte(encodeJSON(p))
	}
	if _, has := m["Payload"]; !has {
		payload = []byte("{}")
	}
	r := sc.e.funcs.invoke(ctx, fn, payload)
	switch {
	case r.notFound:
		return nil, newFailure("Lambda.ResourceNotFoundException", sc.e.functionNotFound(fn))
	case r.errType != "":
		doc, err := decodeJSON(r.errDoc)
		cause := string(r.errDoc)
		if err == nil {
			cause = encodeJSON(doc)
		}
		return nil, newFailure(r.errType, cause)
	}
	if len(r.payload) > maxPayloadBytes {
		return nil, newFailure(ErrDataLimitExceeded, "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit.")
	}
	pv, err := decodeJSON(r.payload)
	if err != nil {
		pv = string(r.payload)
	} else {
		sc.fr.x.keys.learn(r.payload)
	}
	reqID := newUUID()
	date := sc.e.clock.Now().UTC().Format(time.RFC1123)
	length := fmt.Sprint(len(r.payload))
	env := map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         pv,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": map[string]any{
				"X-Amz-Executed-Version":         []any{"$LATEST"},
				"x-amzn-Remapped-Content-Length": []any{"0"},
				"Connection":                     []any{"keep-alive"},
				"x-amzn-RequestId":               []any{reqID},
				"Content-Length":                 []any{length},
				"Date":                           []any{date},
				"X-Amzn-Trace-Id":                []any{"Root=1-" + newUUID()},
				"Content-Type":                   []any{"application/json"},
			},
			"HttpHeaders": map[string]any{
				"Connection": "keep-alive", "Content-Length": length, "Content-Type": "application/json", "Date": date,
				"X-Amz-Executed-Version": "$LATEST", "x-amzn-Remapped-Content-Length": "0", "x-amzn-RequestId": reqID,
				"X-Amzn-Trace-Id": "Root=1-" + newUUID(),
			},
			"HttpStatusCode": json.Number("200"),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": reqID},
		"StatusCode":          json.Number("200"),
	}
	return env, nil
}

// putEvents implements arn:aws:states:::events:putEvents through the injected Publisher
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html).
func (sc *stateCtx) putEvents(ctx context.Context, params any) (any, *failure) {
	if sc.e.publisher == nil {
		return nil, newFailure("EventBridge.EventBridgeException", "no event publisher is configured in the local runtime")
	}
	m, _ := params.(map[string]any)
	raw, _ := m["Entries"].([]any)
	if len(raw) == 0 || len(raw) > 10 {
		return nil, newFailure("EventBridge.ValidationException", "Entries must hold between 1 and 10 entries")
	}
	var entries []events.Entry
	for _, r := range raw {
		em, _ := r.(map[string]any)
		var en events.Entry
		en.Source, _ = em["Source"].(string)
		en.DetailType, _ = em["DetailType"].(string)
		en.EventBusName, _ = em["EventBusName"].(string)
		switch d := em["Detail"].(type) {
		case string:
			en.Detail = d
		case nil:
		default:
			en.Detail = encodeJSON(d)
		}
		if rs, ok := em["Resources"].([]any); ok {
			for _, x := range rs {
				if s, ok := x.(string); ok {
					en.Resources = append(en.Resources, s)
				}
			}
		}
		entries = append(entries, en)
	}
	ids, err := sc.e.publisher.Publish(ctx, entries)
	if err != nil {
		return nil, newFailure("EventBridge.EventBridgeException", err.Error())
	}
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		out = append(out, map[string]any{"EventId": id})
	}
	return map[string]any{"Entries": out, "FailedEntryCount": json.Number("0")}, nil
}

// startExecution implements arn:aws:states:::states:startExecution (+ .sync, .sync:2)
// (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html).
func (sc *stateCtx) startExecution(ctx context.Context, res resource, params any) (any, *failure) {
	m, _ := params.(map[string]any)
	arn, _ := m["StateMachineArn"].(string)
	name, _ := m["Name"].(string)
	input := "{}"
	switch in := m["Input"].(type) {
	case nil:
	case string:
		input = in
	default:
		input = encodeJSON(in)
	}
	out, err := sc.e.StartExecution(ctx, StartExecutionInput{StateMachineArn: arn, Name: name, Input: input})
	if err != nil {
		name := "StepFunctions.SfnException"
		switch {
		case errors.Is(err, ErrStateMachineDoesNotExist):
			name = "StepFunctions.StateMachineDoesNotExistException"
		case errors.Is(err, ErrExecutionAlreadyExists):
			name = "StepFunctions.ExecutionAlreadyExistsException"
		case errors.Is(err, ErrInvalidExecutionInput):
			name = "StepFunctions.InvalidExecutionInputException"
		}
		return nil, newFailure(name, err.Error())
	}
	start := out.StartDate.UTC().Format(isoMillis)
	started := map[string]any{"ExecutionArn": out.ExecutionArn, "StartDate": start}
	if !res.sync {
		return started, nil
	}
	// A .sync task reports the started execution, then waits for it to end.
	sc.fr.emit("TaskSubmitted", map[string]any{"resource": res.action, "resourceType": res.service,
		"output": &lazyDoc{v: started}, "outputDetails": notTruncated}, -1)
	// Not in memory: an idempotent start of an execution that finished long ago.
	if child, ok := sc.e.Execution(out.ExecutionArn); ok {
		select {
		case <-child.done:
		case <-ctx.Done():
			return nil, &failure{stopped: true}
		}
	}
	d, err := sc.e.DescribeExecution(ctx, out.ExecutionArn)
	if err != nil {
		return nil, newFailure("States.TaskFailed", err.Error())
	}
	desc := map[string]any{"ExecutionArn": d.ExecutionArn, "StateMachineArn": d.StateMachineArn, "Name": d.Name,
		"Status": d.Status, "StartDate": start, "StopDate": d.StopDate.UTC().Format(isoMillis)}
	if res.syncVersion == 2 {
		desc["Input"], _ = decodeJSON([]byte(d.Input))
	} else {
		desc["Input"] = d.Input
	}
	if d.Output != nil {
		if res.syncVersion == 2 {
			desc["Output"], _ = decodeJSON([]byte(*d.Output))
		} else {
			desc["Output"] = *d.Output
		}
	}
	if d.Status != StatusSucceeded {
		cause := encodeJSON(desc)
		return nil, newFailure("States.TaskFailed", cause)
	}
	return desc, nil
}
