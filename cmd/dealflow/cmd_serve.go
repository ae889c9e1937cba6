package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/dealflow/dealflow/local/server"
)

func init() {
	register("serve", "run the whole product locally: API, workflows, events, schedules", runServe)
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgFile := fs.String("config", "examples/org.yaml", "the org file")
	db := fs.String("db", "./data/dealflow.db", "the SQLite file holding all state")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	root := fs.String("root", ".", "project folder with statemachines/ and events/")
	consoleToken := fs.String("console-token", "", "token required to open the console (default $"+server.ConsoleTokenEnv+"); needed when --addr is not a loopback address")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *consoleToken == "" {
		*consoleToken = os.Getenv(server.ConsoleTokenEnv)
	}
	if err := checkConsoleAccess(*addr, *consoleToken); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	serveGC(os.Getenv)
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rt, err := server.New(ctx, server.Config{Root: *root, OrgFile: *cfgFile, DBPath: *db, Log: log, ConsoleToken: *consoleToken})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	bg, cancelBG := context.WithCancel(context.Background())
	if err := rt.Start(bg); err != nil {
		fmt.Fprintln(stderr, err)
		cancelBG()
		rt.Close()
		return 1
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "listen on %s: %v\n", *addr, err)
		cancelBG()
		rt.Close()
		return 1
	}
	srv := &http.Server{Handler: rt.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "dealflow is running (state in %s)\n", *db)
	for _, r := range rt.Caps.Routes() {
		fmt.Fprintf(stdout, "  %-5s %s%s\n", r.Method, base, r.Path)
	}
	fmt.Fprintf(stdout, "  GET   %s/healthz\n  GET   %s/readyz\n  GET   %s/metrics\n  GET   %s/openapi.json\nConsole: %s/console/\nPress Ctrl+C to stop.\n", base, base, base, base, base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(stderr, err)
		}
	}
	// Stop taking requests, let in-flight ones finish, then stop the loops: anything not done is
	// already durable and resumes at the next start.
	shut, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(shut)
	cancelBG()
	if err := rt.Close(); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintln(stdout, "dealflow stopped")
	return 0
}

// serveGCPercent is the Go GC target serve runs with unless GOGC is set: every lead allocates
// ~150 KB of short-lived garbage (JSON documents through the workflow), and at the default 100
// the collector took ~10 % of serve's CPU at 1,000 leads/s; 200 halves that for about twice a
// small live heap (the engine keeps only the most recent finished executions in memory).
const serveGCPercent = 200

func serveGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
