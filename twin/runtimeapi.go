package twin

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Function is one AWS::Lambda::Function run as its real bootstrap behind a Lambda Runtime API
// this package serves (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). Like
// Lambda it starts execution environments on demand, one invocation at a time each, up to a
// concurrency limit, and keeps them warm.
type Function struct {
	Name      string // FunctionName
	LogicalID string
	ARN       string
	Role      string // logical id of the execution role
	Bootstrap string
	Env       map[string]string // exactly what the template gives, plus the runtime's own variables
	Timeout   time.Duration

	twin    *Twin
	max     int
	byAddr  map[string]*exec.Cmd // each environment has a Runtime API address of its own
	srv     *http.Server
	queue   chan *invocation
	mu      sync.Mutex
	procs   []*exec.Cmd
	idle    int
	running map[string]running
	// Counters the load report reads.
	waiting  atomic.Int64 // invocations queued for an environment
	busy     atomic.Int64
	invokes  atomic.Int64
	failures atomic.Int64
	ok       atomic.Int64
	coldRuns atomic.Int64
	logs     *logRing
	holdMu   sync.Mutex
	hold     chan struct{}
}

// Hold makes the function's next invocations wait until release is called: a story uses it to
// put a user's action between two workflow steps, as a slow step would on AWS.
func (f *Function) Hold() (release func()) {
	f.holdMu.Lock()
	defer f.holdMu.Unlock()
	c := make(chan struct{})
	f.hold = c
	var once sync.Once
	return func() {
		once.Do(func() {
			f.holdMu.Lock()
			if f.hold == c {
				f.hold = nil
			}
			f.holdMu.Unlock()
			close(c)
		})
	}
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
	done     chan invokeResult
	once     sync.Once
}

type invokeResult struct {
	payload []byte
	errType string // set for a function error (X-Amz-Function-Error)
	errDoc  []byte
}

func (inv *invocation) finish(r invokeResult) { inv.once.Do(func() { inv.done <- r }) }

// InvokeError is a function error as Lambda's Invoke API reports it.
type InvokeError struct {
	Function string
	Type     string
	Document []byte
}

func (e *InvokeError) Error() string {
	return fmt.Sprintf("lambda %s: %s: %s", e.Function, e.Type, e.Document)
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (f *Function) start() error {
	f.byAddr = map[string]*exec.Cmd{}
	f.queue = make(chan *invocation, 1<<16)
	f.running = map[string]running{}
	f.logs = newLogRing(400)
	mux := http.NewServeMux()
	const base = "/2018-06-01/runtime"
	mux.HandleFunc("GET "+base+"/invocation/next", f.next)
	mux.HandleFunc("POST "+base+"/invocation/{id}/response", f.respond)
	mux.HandleFunc("POST "+base+"/invocation/{id}/error", f.fail)
	mux.HandleFunc("POST "+base+"/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.logs.add("init error: " + string(b))
		w.WriteHeader(http.StatusAccepted)
	})
	f.srv = &http.Server{Handler: mux}
	return nil
}

// Invoke runs the function synchronously (RequestResponse) with payload.
func (f *Function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.holdMu.Lock()
	hold := f.hold
	f.holdMu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.twin.sleep(ctx, f.twin.opts.Latency.Lambda)
	f.invokes.Add(1)
	inv := &invocation{id: newID(), payload: payload, deadline: time.Now().Add(f.Timeout), done: make(chan invokeResult, 1)}
	f.waiting.Add(1)
	f.mu.Lock()
	if f.idle == 0 && len(f.procs) < f.max {
		if err := f.spawn(); err != nil {
			f.mu.Unlock()
			f.waiting.Add(-1)
			return nil, err
		}
	}
	f.mu.Unlock()
	f.queue <- inv
	timer := time.NewTimer(f.Timeout + 2*time.Second)
	defer timer.Stop()
	select {
	case r := <-inv.done:
		if r.errType != "" {
			f.failures.Add(1)
			return nil, &InvokeError{Function: f.Name, Type: r.errType, Document: r.errDoc}
		}
		f.ok.Add(1)
		if strings.HasSuffix(f.Name, "-route-lead") {
			f.twin.leadRouted(payload)
		}
		return r.payload, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		f.failures.Add(1)
		return nil, &InvokeError{Function: f.Name, Type: "Sandbox.Timedout", Document: []byte(fmt.Sprintf(`{"errorMessage":"Task timed out after %.2f seconds"}`, f.Timeout.Seconds()))}
	}
}

// spawn starts one more execution environment (f.mu held).
func (f *Function) spawn() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = f.srv.Serve(ln) }()
	cmd := exec.Command(f.Bootstrap)
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	for k, v := range f.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	cmd.Env = env
	cmd.Dir = f.twin.tmp
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("twin: start %s: %w", f.Name, err)
	}
	f.coldRuns.Add(1)
	f.procs = append(f.procs, cmd)
	f.byAddr[ln.Addr().String()] = cmd
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			f.logs.add(sc.Text())
		}
	}()
	go func() {
		err := cmd.Wait()
		f.mu.Lock()
		for i, p := range f.procs {
			if p == cmd {
				f.procs = append(f.procs[:i], f.procs[i+1:]...)
				break
			}
		}
		f.mu.Unlock()
		if f.twin.closing.Load() {
			return
		}
		f.logs.add(fmt.Sprintf("execution environment exited: %v", err))
		// Lambda fails the invocation a crashed environment was running.
		f.mu.Lock()
		for id, inv := range f.running {
			if inv.proc == cmd {
				delete(f.running, id)
				f.busy.Add(-1)
				inv.inv.finish(invokeResult{errType: "Runtime.ExitError", errDoc: []byte(fmt.Sprintf(`{"errorType":"Runtime.ExitError","errorMessage":"RequestId: %s Error: Runtime exited: %v"}`, id, err))})
			}
		}
		f.mu.Unlock()
	}()
	return nil
}

type running struct {
	inv  *invocation
	proc *exec.Cmd
}

// next is GET /runtime/invocation/next: the environment waits for work.
func (f *Function) next(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.idle++
	f.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-f.queue:
	case <-r.Context().Done():
		f.mu.Lock()
		f.idle--
		f.mu.Unlock()
		return
	}
	f.waiting.Add(-1)
	f.busy.Add(1)
	f.mu.Lock()
	f.idle--
	f.inflightAdd(inv, r)
	f.mu.Unlock()
	h := w.Header()
	f.logs.add("runtime next " + inv.id)
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", f.ARN)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(time.Now().Unix(), 16)+"-"+strings.ReplaceAll(inv.id, "-", "")[:24]+";Sampled=0")
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(inv.payload)
}

// inflightAdd remembers which environment runs inv (f.mu held): the one whose Runtime API
// address was asked, so that its crash fails exactly its invocation.
func (f *Function) inflightAdd(inv *invocation, r *http.Request) {
	var owner *exec.Cmd
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		owner = f.byAddr[a.String()]
	}
	f.running[inv.id] = running{inv: inv, proc: owner}
}

func (f *Function) take(id string) (*invocation, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.running[id]
	if ok {
		delete(f.running, id)
		f.busy.Add(-1)
	}
	return r.inv, ok
}

func (f *Function) respond(w http.ResponseWriter, r *http.Request) {
	inv, ok := f.take(r.PathValue("id"))
	if !ok {
		http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	b, _ := io.ReadAll(r.Body)
	inv.finish(invokeResult{payload: b})
	w.WriteHeader(http.StatusAccepted)
}

func (f *Function) fail(w http.ResponseWriter, r *http.Request) {
	inv, ok := f.take(r.PathValue("id"))
	if !ok {
		http.Error(w, `{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	b, _ := io.ReadAll(r.Body)
	typ := r.Header.Get("Lambda-Runtime-Function-Error-Type")
	var doc struct {
		Type string `json:"errorType"`
	}
	if json.Unmarshal(b, &doc) == nil && doc.Type != "" {
		typ = doc.Type
	}
	if typ == "" {
		typ = "Unhandled"
	}
	f.logs.add("function error: " + string(b))
	inv.finish(invokeResult{errType: typ, errDoc: b})
	w.WriteHeader(http.StatusAccepted)
}

func (f *Function) stop() {
	if f.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_ = f.srv.Shutdown(ctx)
		cancel()
		_ = f.srv.Close()
	}
	f.mu.Lock()
	procs := append([]*exec.Cmd(nil), f.procs...)
	f.mu.Unlock()
	for _, p := range procs {
		if p.Process != nil {
			_ = p.Process.Signal(os.Kill)
		}
	}
}

// Logs returns the function's most recent log lines (stdout and stderr of its environments).
func (f *Function) Logs() []string { return f.logs.lines() }

type logRing struct {
	mu  sync.Mutex
	buf []string
	n   int
}

func newLogRing(n int) *logRing { return &logRing{n: n} }

func (l *logRing) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) >= l.n {
		l.buf = l.buf[1:]
	}
	l.buf = append(l.buf, s)
}

func (l *logRing) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.buf...)
}

var errNoFunction = errors.New("ResourceNotFoundException")

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}
