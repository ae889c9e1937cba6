package sfn

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/events"
)

// Execution statuses (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html).
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Sentinel errors of the API, named as the SFN API names its exceptions.
var (
	ErrExecutionAlreadyExists   = errors.New("ExecutionAlreadyExists")
	ErrExecutionDoesNotExist    = errors.New("ExecutionDoesNotExist")
	ErrStateMachineDoesNotExist = errors.New("StateMachineDoesNotExist")
	ErrTaskDoesNotExist         = errors.New("TaskDoesNotExist")
	ErrInvalidToken             = errors.New("InvalidToken")
	ErrTaskTimedOut             = errors.New("TaskTimedOut")
	ErrInvalidExecutionInput    = errors.New("InvalidExecutionInput")
	// ErrHistoryNotRetained: a durable engine keeps the history of an Express execution in memory
	// only, for the most recent ones; AWS keeps none at all ("This API action is not supported by
	// EXPRESS state machines", https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html).
	ErrHistoryNotRetained = errors.New("ExpressHistoryNotRetained")
)

// Option configures an Engine.
type Option func(*Engine) error

// WithClock sets the clock (default: the wall clock).
func WithClock(c clock.Clock) Option { return func(e *Engine) error { e.clock = c; return nil } }

// WithFunctions sets the Lambda registry tasks resolve against.
func WithFunctions(r *Registry) Option { return func(e *Engine) error { e.funcs = r; return nil } }

// WithPublisher sets where arn:aws:states:::events:putEvents sends entries.
func WithPublisher(p events.Publisher) Option {
	return func(e *Engine) error { e.publisher = p; return nil }
}

// WithPersistence makes executions durable.
func WithPersistence(p Persistence) Option { return func(e *Engine) error { e.store = p; return nil } }

// WithAccount sets the region and account id used in ARNs.
func WithAccount(region, account string) Option {
	return func(e *Engine) error {
		if region == "" || account == "" {
			return fmt.Errorf("sfn: region and account must not be empty")
		}
		e.region, e.account = region, account
		return nil
	}
}

// DefaultRetention is how many finished executions a durable engine keeps in memory.
const DefaultRetention = 1000

// WithRetention sets how many of the most recently finished executions a durable engine keeps in
// memory (default DefaultRetention); older ones are read from the store, except the history of
// an Express execution, which is not stored. An engine without durable persistence keeps all.
func WithRetention(n int) Option {
	return func(e *Engine) error {
		if n < 0 {
			return fmt.Errorf("sfn: retention %d must not be negative", n)
		}
		e.retain = n
		return nil
	}
}

// WithRoleARN sets the execution role ARN reported in ExecutionStarted and $$.Execution.RoleArn.
func WithRoleARN(arn string) Option { return func(e *Engine) error { e.roleARN = arn; return nil } }

// Engine runs state machines. It is safe for concurrent use.
type Engine struct {
	clock     clock.Clock
	funcs     *Registry
	publisher events.Publisher
	store     Persistence
	region    string
	account   string
	roleARN   string
	retain    int
	onFinish  func(FinishedExecution)

	mu       sync.Mutex
	machines map[string]*StateMachine // by ARN
	// execs holds the running executions and, in a durable engine, the retain most recently
	// finished ones (finished, oldest first); every other one is read from the store.
	execs    map[string]*Execution // by ARN
	finished []*Execution
	stats    map[string]*machineStats // by state machine ARN
	tokens   map[string]*taskToken
	wg       sync.WaitGroup
	closed   bool
}

// New builds an engine.
func New(opts ...Option) (*Engine, error) {
	e := &Engine{clock: clock.Real{}, funcs: NewRegistry(), region: "us-east-1", account: "000000000000", retain: DefaultRetention,
		machines: map[string]*StateMachine{}, execs: map[string]*Execution{}, stats: map[string]*machineStats{}, tokens: map[string]*taskToken{}}
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	if e.roleARN == "" {
		e.roleARN = fmt.Sprintf("arn:aws:iam::%s:role/dealflow-local", e.account)
	}
	if e.store == nil {
		e.store = NewMemoryPersistence()
	}
	return e, nil
}

// StateMachine is a registered definition.
type StateMachine struct {
	Name       string
	ARN        string
	Type       string // STANDARD or EXPRESS
	Definition *Definition
	CreatedAt  time.Time
}

// State machine types. https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// SetType marks a registered state machine Standard or Express before it runs anything.
func (e *Engine) SetType(arn, typ string) error {
	if typ != TypeStandard && typ != TypeExpress {
		return fmt.Errorf("state machine type %q: want %s or %s", typ, TypeStandard, TypeExpress)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	sm := e.machines[arn]
	if sm == nil {
		return fmt.Errorf("set type of %s: %w", arn, ErrStateMachineDoesNotExist)
	}
	sm.Type = typ
	return nil
}

// CreateStateMachine validates and registers a definition. Registering the same name again
// replaces the definition for new executions (running ones keep theirs).
func (e *Engine) CreateStateMachine(ctx context.Context, name string, definition []byte, file string) (*StateMachine, error) {
	def, err := Parse(definition, LoadOptions{File: file, FunctionKnown: e.funcs.Known})
	if err != nil {
		return nil, err
	}
	sm := &StateMachine{Name: name, ARN: fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", e.region, e.account, name),
		Type: "STANDARD", Definition: def, CreatedAt: e.clock.Now()}
	if err := e.store.SaveStateMachine(ctx, StateMachineRecord{Name: name, ARN: sm.ARN, Definition: def.raw, File: file, CreatedAt: sm.CreatedAt}); err != nil {
		return nil, fmt.Errorf("save state machine %s: %w", name, err)
	}
	e.mu.Lock()
	e.machines[sm.ARN] = sm
	e.mu.Unlock()
	return sm, nil
}

// Execution is one run of a state machine.
type Execution struct {
	ARN       string
	Name      string
	Machine   *StateMachine
	InputText string
	StartDate time.Time
	roleARN   string
	engine    *Engine
	stats     *machineStats

	mu        sync.Mutex
	status    string
	output    *string
	outputDoc any // the output document, rendered into output on first read
	hasOutput bool
	errName   string
	cause     string
	hasError  bool
	hasCause  bool
	stopDate  time.Time
	history   []HistoryEvent
	persisted int // history events already written to the store
	done      chan struct{}
	cancel    context.CancelCauseFunc
	vars      *varScope
	keys      *keyOrders // key orders of the definition, input and task results
	inputDoc  any
	inputOnce sync.Once
	// abortDetails is the error and cause StopExecution gave.
	abortDetails *failure
}

// newToken returns 128+ bits of crypto randomness, hex encoded.
func newToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("sfn: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("sfn: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// StartExecutionInput mirrors the SFN StartExecution request.
type StartExecutionInput struct {
	StateMachineArn string
	Name            string // optional; a UUID when empty
	Input           string // JSON text; "{}" when empty
}

// StartExecutionOutput mirrors the SFN StartExecution response.
type StartExecutionOutput struct {
	ExecutionArn string
	StartDate    time.Time
}

// StartExecution starts an execution. Names are unique per state machine: the same name with the
// same input returns the existing execution, a different input fails with ExecutionAlreadyExists
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
func (e *Engine) StartExecution(ctx context.Context, in StartExecutionInput) (*StartExecutionOutput, error) {
	x, cp, err := e.newExecution(in)
	if err != nil {
		return nil, err
	}
	arn, text := x.ARN, x.InputText
	e.mu.Lock()
	if old := e.execs[arn]; old != nil {
		e.mu.Unlock()
		if old.InputText == text {
			return &StartExecutionOutput{ExecutionArn: arn, StartDate: old.StartDate}, nil
		}
		return nil, fmt.Errorf("start execution %s: %w", arn, ErrExecutionAlreadyExists)
	}
	e.execs[arn] = x
	e.mu.Unlock()
	if err := e.store.CreateExecution(ctx, x.record()); err != nil {
		e.mu.Lock()
		delete(e.execs, arn)
		e.mu.Unlock()
		if errors.Is(err, ErrExecutionAlreadyExists) {
			// Finished and no longer in memory: the same input still returns it, as above.
			if r, _, err := e.store.Execution(ctx, arn); err == nil && r.Input == text {
				return &StartExecutionOutput{ExecutionArn: arn, StartDate: r.StartDate}, nil
			}
			return nil, fmt.Errorf("start execution %s: %w", arn, ErrExecutionAlreadyExists)
		}
		return nil, fmt.Errorf("start execution %s: %w", arn, err)
	}
	x.stats.started.Add(1)
	x.stats.running.Add(1)
	x.emitCompact("ExecutionStarted", HistoryEvent{compact: compactStarted, cName: x.roleARN, cText: text, hasText: true}, 0)
	e.launch(x, cp)
	return &StartExecutionOutput{ExecutionArn: arn, StartDate: x.StartDate}, nil
}

// launch runs x from cp in its own goroutine.
func (e *Engine) launch(x *Execution, cp *checkpoint) {
	ctx, cancel := context.WithCancelCause(context.Background())
	x.cancel = cancel
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		defer cancel(nil)
		e.runExecution(ctx, x, cp)
	}()
}

// Wait blocks until the execution ends or ctx is done.
func (x *Execution) Wait(ctx context.Context) error {
	select {
	case <-x.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when the execution has ended.
func (x *Execution) Done() <-chan struct{} { return x.done }

// Execution returns an execution held in memory by ARN: a running one, or a finished one (a
// durable engine keeps only the most recent, see WithRetention; DescribeExecution reads the rest).
func (e *Engine) Execution(arn string) (*Execution, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.execs[arn]
	return x, ok
}

// Status returns the execution status, output, error and cause.
func (x *Execution) Status() (status string, output *string, errName, cause *string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.hasError {
		s := x.errName
		errName = &s
	}
	if x.hasCause {
		c := x.cause
		cause = &c
	}
	return x.status, x.outputTextLocked(), errName, cause
}

// outputTextLocked renders the output document once; most outputs are never read.
func (x *Execution) outputTextLocked() *string {
	if x.output == nil && x.hasOutput {
		s := x.keys.encodeOrdered(x.outputDoc)
		x.output = &s
	}
	return x.output
}

// History returns a copy of the history so far.
func (x *Execution) History() []HistoryEvent {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := make([]HistoryEvent, len(x.history))
	for i, h := range x.history {
		h.expand(x.keys)
		h.Details = materialize(h.Details)
		out[i] = h
	}
	return out
}

// emit appends a history event and returns its id. prev < 0 means "the previous event".
func (x *Execution) emit(typ string, details map[string]any, prev int64) int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	// Keep one slot for the terminal event; past the quota the execution fails.
	if len(x.history) >= maxHistoryEvents-1 {
		if x.cancel != nil {
			x.cancel(errHistoryLimit)
		}
		return int64(len(x.history))
	}
	return x.appendLocked(typ, details, prev)
}

// emitCompact appends an event in compact form (h carries compact and its fields), with the same
// quota rule as emit.
func (x *Execution) emitCompact(typ string, h HistoryEvent, prev int64) int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.history) >= maxHistoryEvents-1 {
		if x.cancel != nil {
			x.cancel(errHistoryLimit)
		}
		return int64(len(x.history))
	}
	return x.appendEventLocked(typ, h, prev)
}

// emitForce appends the terminal event even at the history quota.
func (x *Execution) emitForce(typ string, details map[string]any) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.appendLocked(typ, details, -1)
}

func (x *Execution) appendLocked(typ string, details map[string]any, prev int64) int64 {
	attachKeyOrders(details, x.keys)
	return x.appendEventLocked(typ, HistoryEvent{Details: details}, prev)
}

func (x *Execution) appendEventLocked(typ string, h HistoryEvent, prev int64) int64 {
	id := int64(len(x.history) + 1)
	if prev < 0 {
		prev = id - 1
	}
	h.ID, h.PreviousEventID, h.Timestamp, h.Type = id, prev, x.engine.clock.Now(), typ
	x.history = append(x.history, h)
	if x.stats != nil && strings.HasSuffix(typ, "StateEntered") {
		x.stats.transitions.Add(1)
	}
	return id
}

// HistoryLen is the number of history events so far, without copying or rendering them.
func (x *Execution) HistoryLen() int { return x.historyLen() }

func (x *Execution) historyLen() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.history)
}

// Close stops accepting work and waits for running goroutines to park; executions stay RUNNING in
// the store and resume in the next engine built on it.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	xs := make([]*Execution, 0, len(e.execs))
	for _, x := range e.execs {
		xs = append(xs, x)
	}
	e.mu.Unlock()
	for _, x := range xs {
		if x.cancel != nil {
			x.cancel(errEngineClosed)
		}
	}
	e.wg.Wait()
}

var errEngineClosed = errors.New("engine closed")

func sortedExecs(xs []*Execution) {
	sort.Slice(xs, func(i, j int) bool {
		if !xs[i].StartDate.Equal(xs[j].StartDate) {
			return xs[i].StartDate.After(xs[j].StartDate)
		}
		return xs[i].ARN > xs[j].ARN
	})
}

// input is the parsed execution input ($$.Execution.Input).
func (x *Execution) input() any {
	x.inputOnce.Do(func() { x.inputDoc, _ = decodeJSON([]byte(x.InputText)) })
	return x.inputDoc
}

// attachKeyOrders lets the lazy documents of an event render with the execution's key orders.
func attachKeyOrders(details map[string]any, ko *keyOrders) {
	for k, v := range details {
		switch t := v.(type) {
		case *lazyDoc:
			if t.ko == nil {
				t.ko = ko
			}
		case map[string]any:
			if k == "assignedVariables" {
				attachKeyOrders(t, ko)
			}
		}
	}
}
