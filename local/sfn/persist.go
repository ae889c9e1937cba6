package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Persistence stores what an engine needs to resume executions after a crash: state machines,
// executions, their history, and a checkpoint per running execution (the next state with its
// input and variables, or the Wait timer / task token it is parked on).
type Persistence interface {
	SaveStateMachine(ctx context.Context, sm StateMachineRecord) error
	StateMachines(ctx context.Context) ([]StateMachineRecord, error)
	// CreateExecution fails with ErrExecutionAlreadyExists when the ARN exists.
	CreateExecution(ctx context.Context, x ExecutionRecord) error
	// Commit appends history events and replaces the checkpoint (nil deletes it) and, when
	// final is set, the terminal status, atomically.
	Commit(ctx context.Context, arn string, events []HistoryEvent, cp *checkpoint, final *ExecutionRecord) error
	// Executions lists the executions q selects, newest first.
	Executions(ctx context.Context, q ExecutionQuery) ([]ExecutionRecord, error)
	// ExecutionCounts counts executions by state machine ARN and status.
	ExecutionCounts(ctx context.Context) (map[[2]string]int, error)
	Execution(ctx context.Context, arn string) (ExecutionRecord, *checkpoint, error)
	History(ctx context.Context, arn string) ([]HistoryEvent, error)
	// TruncateHistory keeps the first n events of an execution.
	TruncateHistory(ctx context.Context, arn string, n int) error
}

// StateMachineRecord is a persisted state machine.
type StateMachineRecord struct {
	Name, ARN, Definition, File string
	CreatedAt                   time.Time
}

// ExecutionRecord is a persisted execution.
type ExecutionRecord struct {
	ARN, Name, StateMachineARN, Input string
	Status                            string
	Output                            *string
	Error, Cause                      *string
	StartDate, StopDate               time.Time
	// Transitions and LambdaInvocations are what the execution used (see usage), written with
	// its terminal status.
	Transitions, LambdaInvocations int
}

// ExecutionQuery selects executions; empty fields select all.
type ExecutionQuery struct {
	StateMachineARN string
	Status          string
	// InputContains keeps the executions whose input contains this text (e.g. a quoted lead id).
	InputContains string
	// Limit keeps the newest Limit executions (0: all).
	Limit int
	// Brief leaves out input, output, error and cause (what ListExecutions shows).
	Brief bool
}

func (q ExecutionQuery) match(r ExecutionRecord) bool {
	return (q.StateMachineARN == "" || r.StateMachineARN == q.StateMachineARN) && (q.Status == "" || r.Status == q.Status) &&
		(q.InputContains == "" || strings.Contains(r.Input, q.InputContains))
}

// limit keeps the first q.Limit of sorted records.
func (q ExecutionQuery) limit(rs []ExecutionRecord) []ExecutionRecord {
	if q.Limit > 0 && len(rs) > q.Limit {
		return rs[:q.Limit]
	}
	return rs
}

// sortRecords orders executions newest first (ties by ARN, descending), as ListExecutions does.
func sortRecords(rs []ExecutionRecord) {
	sort.Slice(rs, func(i, j int) bool {
		if !rs[i].StartDate.Equal(rs[j].StartDate) {
			return rs[i].StartDate.After(rs[j].StartDate)
		}
		return rs[i].ARN > rs[j].ARN
	})
}

// Checkpoint phases: entering a state, parked in a Wait, parked on a task token.
const (
	phaseWait  = "wait"
	phaseToken = "token"
)

// checkpoint is where a top-level execution resumes.
type checkpoint struct {
	State     string         `json:"state"`
	Input     any            `json:"-"`
	InputJSON string         `json:"input"`
	InputText string         `json:"-"` // raw execution input, for the first state's event
	Vars      map[string]any `json:"vars"`
	Events    int            `json:"events"` // history length the checkpoint belongs to
	Phase     string         `json:"phase,omitempty"`
	EnteredID int64          `json:"enteredId,omitempty"`
	EnteredAt time.Time      `json:"enteredAt,omitzero"`
	DueAt     time.Time      `json:"dueAt,omitzero"`
	Token     string         `json:"token,omitempty"`
	Retry     int            `json:"retry,omitempty"`
}

func (cp *checkpoint) marshal() ([]byte, error) {
	c := *cp
	c.InputJSON = encodeJSON(cp.Input)
	vars := make(map[string]json.RawMessage, len(cp.Vars))
	for k, v := range cp.Vars {
		vars[k] = json.RawMessage(encodeJSON(v))
	}
	type alias checkpoint
	return json.Marshal(struct {
		alias
		Vars map[string]json.RawMessage `json:"vars"`
	}{alias(c), vars})
}

func unmarshalCheckpoint(b []byte) (*checkpoint, error) {
	var raw struct {
		checkpoint
		Vars map[string]json.RawMessage `json:"vars"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decode checkpoint: %w", err)
	}
	cp := raw.checkpoint
	in, err := decodeJSON([]byte(cp.InputJSON))
	if err != nil {
		return nil, fmt.Errorf("decode checkpoint input: %w", err)
	}
	cp.Input = in
	cp.Vars = map[string]any{}
	for k, v := range raw.Vars {
		d, err := decodeJSON(v)
		if err != nil {
			return nil, fmt.Errorf("decode checkpoint variable %s: %w", k, err)
		}
		cp.Vars[k] = d
	}
	return &cp, nil
}

// MemoryPersistence keeps everything in memory (the default; nothing survives the process).
type MemoryPersistence struct {
	mu       sync.Mutex
	machines map[string]StateMachineRecord
	execs    map[string]*memExec
}

type memExec struct {
	rec     ExecutionRecord
	history []HistoryEvent
	cp      []byte
}

// NewMemoryPersistence returns an empty in-memory store.
func NewMemoryPersistence() *MemoryPersistence {
	return &MemoryPersistence{machines: map[string]StateMachineRecord{}, execs: map[string]*memExec{}}
}

func (m *MemoryPersistence) SaveStateMachine(_ context.Context, sm StateMachineRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.machines[sm.ARN] = sm
	return nil
}

func (m *MemoryPersistence) StateMachines(context.Context) ([]StateMachineRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]StateMachineRecord, 0, len(m.machines))
	for _, sm := range m.machines {
		out = append(out, sm)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out, nil
}

func (m *MemoryPersistence) CreateExecution(_ context.Context, x ExecutionRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.execs[x.ARN]; ok {
		return ErrExecutionAlreadyExists
	}
	m.execs[x.ARN] = &memExec{rec: x}
	return nil
}

func (m *MemoryPersistence) Commit(_ context.Context, arn string, events []HistoryEvent, cp *checkpoint, final *ExecutionRecord) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	x, ok := m.execs[arn]
	if !ok {
		return ErrExecutionDoesNotExist
	}
	x.history = append(x.history, events...)
	if cp != nil {
		b, err := cp.marshal()
		if err != nil {
			return err
		}
		x.cp = b
	}
	if final != nil {
		x.rec = *final
		x.cp = nil
	}
	return nil
}

func (m *MemoryPersistence) Executions(_ context.Context, q ExecutionQuery) ([]ExecutionRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]ExecutionRecord, 0, len(m.execs))
	for _, x := range m.execs {
		if q.match(x.rec) {
			out = append(out, x.rec)
		}
	}
	sortRecords(out)
	return q.limit(out), nil
}

func (m *MemoryPersistence) ExecutionCounts(context.Context) (map[[2]string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[[2]string]int{}
	for _, x := range m.execs {
		out[[2]string{x.rec.StateMachineARN, x.rec.Status}]++
	}
	return out, nil
}

func (m *MemoryPersistence) Execution(_ context.Context, arn string) (ExecutionRecord, *checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	x, ok := m.execs[arn]
	if !ok {
		return ExecutionRecord{}, nil, ErrExecutionDoesNotExist
	}
	if x.cp == nil {
		return x.rec, nil, nil
	}
	cp, err := unmarshalCheckpoint(x.cp)
	return x.rec, cp, err
}

func (m *MemoryPersistence) TruncateHistory(_ context.Context, arn string, n int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if x, ok := m.execs[arn]; ok && len(x.history) > n {
		x.history = x.history[:n]
	}
	return nil
}

func (m *MemoryPersistence) History(_ context.Context, arn string) ([]HistoryEvent, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	x, ok := m.execs[arn]
	if !ok {
		return nil, ErrExecutionDoesNotExist
	}
	return append([]HistoryEvent(nil), x.history...), nil
}
