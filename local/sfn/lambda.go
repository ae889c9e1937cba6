package sfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

// RawHandler is a Lambda function working on payload bytes, as the Lambda Invoke API does.
type RawHandler func(ctx context.Context, payload []byte) ([]byte, error)

// FunctionError is a Lambda function error with the exact error document the function
// returned (Lambda's X-Amz-Function-Error response). Raw handlers use it to reproduce a
// runtime's error format; errors of other types are described as the Go runtime does.
type FunctionError struct {
	Type     string
	Document []byte // the error payload, e.g. {"errorMessage":"...","errorType":"..."}
}

func (e *FunctionError) Error() string { return e.Type + ": " + string(e.Document) }

// Registry resolves Lambda function names and ARNs to in-process handlers.
type Registry struct {
	mu    sync.RWMutex
	funcs map[string]RawHandler
	// wrap, when set, decorates handlers as they are registered (tests use it to observe calls).
	wrap func(RawHandler) RawHandler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{funcs: map[string]RawHandler{}} }

// Register adds a Go Lambda handler under a function name. fn has any signature lambda.Start
// accepts; it is invoked through lambda.NewHandler(fn).Invoke, so payload decoding and error
// types are those of the real Go runtime. A RawHandler or func(context.Context, []byte)
// ([]byte, error) is used as is.
func (r *Registry) Register(name string, fn any) {
	var h RawHandler
	switch f := fn.(type) {
	case RawHandler:
		h = f
	case func(context.Context, []byte) ([]byte, error):
		h = f
	default:
		// Invoke returns bytes of a buffer the handler reuses for its next call (the Lambda
		// runtime calls it one at a time); the engine calls functions concurrently, so each call
		// takes a handler of its own from a pool and copies the result before giving it back.
		handlers := &sync.Pool{New: func() any { return lambda.NewHandler(fn) }}
		h = func(ctx context.Context, payload []byte) ([]byte, error) {
			lh := handlers.Get().(lambda.Handler)
			defer handlers.Put(lh)
			out, err := lh.Invoke(ctx, payload)
			return bytes.Clone(out), err
		}
	}
	if r.wrap != nil {
		h = r.wrap(h)
	}
	r.mu.Lock()
	r.funcs[name] = h
	r.mu.Unlock()
}

// functionName extracts the function name from a name, a partial or full ARN, dropping a
// version or alias qualifier.
func functionName(nameOrARN string) string {
	s := nameOrARN
	if strings.HasPrefix(s, "arn:") {
		parts := strings.Split(s, ":")
		// arn:partition:lambda:region:account:function:name[:qualifier]
		if len(parts) >= 7 {
			return parts[6]
		}
		return parts[len(parts)-1]
	}
	parts := strings.Split(s, ":")
	// account:function:name[:qualifier] or name[:qualifier]
	if len(parts) >= 3 && parts[1] == "function" {
		return parts[2]
	}
	return parts[0]
}

// Known reports whether a function name or ARN is registered.
func (r *Registry) Known(nameOrARN string) bool {
	if r == nil {
		return false
	}
	_, ok := r.lookup(nameOrARN)
	return ok
}

func (r *Registry) lookup(nameOrARN string) (RawHandler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.funcs[functionName(nameOrARN)]
	return h, ok
}

// invokeResult is what the Lambda service reports for one invocation.
type invokeResult struct {
	payload  []byte
	errType  string // set when the function failed
	errDoc   []byte
	notFound bool
}

// invoke runs a function; panics become errors as in the Go runtime.
func (r *Registry) invoke(ctx context.Context, nameOrARN string, payload []byte) (res invokeResult) {
	h, ok := r.lookup(nameOrARN)
	if !ok {
		return invokeResult{notFound: true}
	}
	defer func() {
		if p := recover(); p != nil {
			res = invokeResult{errType: "Runtime.Panic", errDoc: mustJSON(map[string]any{"errorMessage": fmt.Sprint(p), "errorType": reflectName(p)})}
		}
	}()
	out, err := h(ctx, payload)
	if err == nil {
		return invokeResult{payload: out}
	}
	var fe *FunctionError
	if errors.As(err, &fe) {
		return invokeResult{errType: fe.Type, errDoc: fe.Document}
	}
	var ive messages.InvokeResponse_Error
	if errors.As(err, &ive) {
		return invokeResult{errType: ive.Type, errDoc: mustJSON(map[string]any{"errorMessage": ive.Message, "errorType": ive.Type})}
	}
	// The Go runtime names the error by its type (aws-lambda-go lambda/errors.go).
	name := reflectName(err)
	return invokeResult{errType: name, errDoc: mustJSON(map[string]any{"errorMessage": err.Error(), "errorType": name})}
}

func reflectName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "error"
	}
	if t.Kind() == reflect.Ptr {
		return t.Elem().Name()
	}
	return t.Name()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{}`)
	}
	return b
}
