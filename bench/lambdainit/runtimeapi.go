package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// A minimal Lambda Runtime API rather than the Runtime Interface Emulator: the emulator starts the
// bootstrap itself, lazily on the first invoke and after its own start-up, so process start is
// not observable from outside it. Here the only work between exec and the first /next is the
// bootstrap's own. https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html
const (
	nextPath      = "/2018-06-01/runtime/invocation/next"
	initErrorPath = "/2018-06-01/runtime/init/error"
)

// coldTimeout bounds one cold start; Lambda's own init limit is 10 s.
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
const coldTimeout = 10 * time.Second

// sample is one cold start: wall time from process start to its first GET …/invocation/next, and
// the CPU time the process used (user + system, all threads), which the machine's other load
// disturbs less than the wall time.
type sample struct{ wall, cpu time.Duration }

// coldStart runs bin once with env plus AWS_LAMBDA_RUNTIME_API. It never answers the first
// /next: the process is killed once it asks, so every sample is a fresh process.
func coldStart(bin string, env []string) (sample, error) {
	out, _, err := launch(bin, env)
	return out, err
}

// launch is coldStart that also returns what the process wrote to stderr.
func launch(bin string, env []string) (sample, []byte, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return sample{}, nil, err
	}
	next := make(chan time.Time, 1)
	initErr := make(chan string, 1)
	stop := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == nextPath:
			select {
			case next <- time.Now():
			default:
			}
			// Hold the long poll like Lambda does between invocations, until the process goes.
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		case r.Method == http.MethodPost && r.URL.Path == initErrorPath:
			b, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
			select {
			case initErr <- string(b):
			default:
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.Error(w, "lambdainit serves only "+nextPath+" and "+initErrorPath, http.StatusNotFound)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		close(stop)
		_ = srv.Close()
	}()

	var stderr limitedBuffer
	cmd := exec.Command(bin)
	cmd.Env = append(append([]string{}, env...), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String())
	cmd.Stdout = io.Discard
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	kill := func() {
		_ = cmd.Process.Kill()
		<-exited
	}
	timeout := time.NewTimer(coldTimeout)
	defer timeout.Stop()
	select {
	case at := <-next:
		kill()
		// Killed while blocked on the long poll, so its CPU time is its init's.
		ps := cmd.ProcessState
		return sample{wall: at.Sub(start), cpu: ps.UserTime() + ps.SystemTime()}, stderr.Bytes(), nil
	case body := <-initErr:
		kill()
		return sample{}, stderr.Bytes(), fmt.Errorf("init error reported to the Runtime API: %s; stderr: %s", body, stderr.tail())
	case err := <-exited:
		if err == nil {
			err = errors.New("exit status 0")
		}
		return sample{}, stderr.Bytes(), fmt.Errorf("exited before asking for an invocation (%v); stderr: %s", err, stderr.tail())
	case <-timeout.C:
		kill()
		return sample{}, stderr.Bytes(), fmt.Errorf("no GET %s within %s; stderr: %s", nextPath, coldTimeout, stderr.tail())
	}
}

// limitedBuffer keeps the first 256 KiB a process writes (enough for GODEBUG=inittrace=1).
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := 256<<10 - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// tail is the last lines of stderr, on one line, for an error message.
func (b *limitedBuffer) tail() string {
	s := strings.TrimSpace(string(b.Bytes()))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	if s == "" {
		return "(empty)"
	}
	return strings.ReplaceAll(s, "\n", " | ")
}
