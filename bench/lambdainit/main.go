// Command lambdainit measures what a Lambda user feels of a bootstrap: its cold start. It starts
// each functions/<name> bootstrap as a fresh process under a minimal Lambda Runtime API served
// here, with the environment the CDK stack gives that function (infra/access.go), and times
// process start until the bootstrap's first GET /2018-06-01/runtime/invocation/next, the moment
// its init is done (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html). It prints
// one line per function (size, median init, min–max, median CPU time of the process) and exits 1 when a median is over -max-ms,
// after printing the package initialisers that cost most (GODEBUG=inittrace=1).
//
//	go run ./bench/lambdainit -dir bin/lambda-init -max-ms 50 intake deals ...
//
// `make lambda-init` builds the bootstraps for this machine and runs it (infra/README.md).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

func main() {
	var c config
	flag.StringVar(&c.dir, "dir", "bin/lambda-init", "folder with <function>/bootstrap")
	flag.IntVar(&c.runs, "runs", 5, "fresh processes per function")
	flag.Float64Var(&c.maxMS, "max-ms", 50, "fail when a function's median init is over this many milliseconds")
	flag.StringVar(&c.access, "access", "infra/access.go", "the stack's access table: which variables each function gets")
	flag.StringVar(&c.org, "org", "examples/org.yaml", "org file given as ORG_FILE")
	flag.StringVar(&c.floor, "floor", "", "bootstrap of an empty function (bench/lambdainit/floor), measured first for reference, never failed")
	flag.BoolVar(&c.trace, "inittrace", false, "print the costliest package initialisers of every function, not only of those over -max-ms")
	flag.Parse()
	c.names = flag.Args()
	c.out = os.Stdout
	ok, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lambdainit:", err)
		os.Exit(2)
	}
	if !ok {
		os.Exit(1)
	}
}

type config struct {
	dir    string
	names  []string // functions to measure; all <dir>/*/bootstrap when empty
	runs   int
	maxMS  float64
	access string
	org    string
	floor  string
	trace  bool
	out    io.Writer
}

// run measures every function and reports whether all medians are within maxMS and every cold
// start reached the Runtime API.
func run(c config) (bool, error) {
	if c.runs < 1 {
		return false, fmt.Errorf("-runs %d: need at least one", c.runs)
	}
	org, err := filepath.Abs(c.org)
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(org); err != nil {
		return false, fmt.Errorf("org file: %w", err)
	}
	table, err := readAccess(c.access)
	if err != nil {
		return false, err
	}
	names := c.names
	if len(names) == 0 {
		found, _ := filepath.Glob(filepath.Join(c.dir, "*", "bootstrap"))
		for _, f := range found {
			names = append(names, filepath.Base(filepath.Dir(f)))
		}
	}
	if len(names) == 0 {
		return false, fmt.Errorf("no bootstraps in %s (make lambda-init builds them)", c.dir)
	}
	fake, err := startFakeAWS()
	if err != nil {
		return false, err
	}
	defer fake.close()

	fmt.Fprintf(c.out, "cold start: process start → first GET /runtime/invocation/next, %d fresh processes each, limit %g ms\n", c.runs, c.maxMS)
	fmt.Fprintf(c.out, "%-18s %9s %10s %13s %8s  %s\n", "function", "size KiB", "median ms", "min–max", "CPU ms", "AWS calls at init")
	type target struct {
		name, bin string
		env       []string
		gated     bool
	}
	var targets []target
	if c.floor != "" {
		targets = append(targets, target{"(empty)", c.floor, append(lambdaEnv("empty", access{}, org), fake.env()...), false})
	}
	for _, name := range names {
		a, found := table[name]
		if !found {
			return false, fmt.Errorf("function %s has no entry in %s: the stack would not deploy it", name, c.access)
		}
		targets = append(targets, target{name, filepath.Join(c.dir, name, "bootstrap"), append(lambdaEnv(name, a, org), fake.env()...), true})
	}
	type measured struct {
		size      int64
		wall, cpu []time.Duration
		calls     []string
		failed    error
	}
	m := make([]measured, len(targets))
	for i, tg := range targets {
		st, err := os.Stat(tg.bin)
		if err != nil {
			return false, fmt.Errorf("%s: %w (make lambda-init builds it)", tg.name, err)
		}
		m[i].size = st.Size()
	}
	// Round by round, every function once per round: a burst of load from the machine's other
	// work then lands on one sample of many functions, which the medians absorb, rather than on
	// every sample of one function.
	for range c.runs {
		for i, tg := range targets {
			if m[i].failed != nil {
				continue
			}
			fake.reset()
			s, err := coldStart(tg.bin, tg.env)
			if err != nil {
				m[i].failed = err
				continue
			}
			m[i].wall = append(m[i].wall, s.wall)
			m[i].cpu = append(m[i].cpu, s.cpu)
			m[i].calls = fake.calls()
		}
	}
	ok := true
	for i, tg := range targets {
		r := m[i]
		if r.failed != nil {
			ok = false
			fmt.Fprintf(c.out, "%-18s %9d  FAILED: %v\n", tg.name, r.size/1024, r.failed)
			continue
		}
		med, lo, hi := stats(r.wall)
		cpu, _, _ := stats(r.cpu)
		line := fmt.Sprintf("%-18s %9d %10.1f %13s %8.1f  %s", tg.name, r.size/1024, ms(med),
			fmt.Sprintf("%.1f–%.1f", ms(lo), ms(hi)), ms(cpu), summarize(r.calls))
		over := tg.gated && ms(med) > c.maxMS
		if over {
			ok = false
			line += fmt.Sprintf("  OVER %g ms", c.maxMS)
		}
		fmt.Fprintln(c.out, line)
		if over || c.trace {
			tr, err := traceInit(tg.bin, tg.env)
			if err != nil {
				fmt.Fprintf(c.out, "    inittrace: %v\n", err)
				continue
			}
			fmt.Fprintf(c.out, "    one traced cold start, %.1f ms: package initialisers done at %.1f ms (%.1f ms of their own), then main until the first /next %.1f ms; costliest initialisers:\n",
				tr.total, tr.pkgDone, tr.pkgSum, tr.total-tr.pkgDone)
			for _, p := range tr.top {
				fmt.Fprintf(c.out, "      %6.2f ms  %s\n", p.ms, p.pkg)
			}
		}
	}
	return ok, nil
}

// stats returns the median (the mean of the middle two for an even count), min and max.
func stats(d []time.Duration) (med, lo, hi time.Duration) {
	s := slices.Clone(d)
	slices.Sort(s)
	n := len(s)
	med = s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return med, s[0], s[n-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// summarize counts the AWS calls one cold start made, e.g. "secretsmanager.GetSecretValue×2".
func summarize(calls []string) string {
	if len(calls) == 0 {
		return "none"
	}
	n := map[string]int{}
	var order []string
	for _, c := range calls {
		if n[c] == 0 {
			order = append(order, c)
		}
		n[c]++
	}
	var parts []string
	for _, c := range order {
		parts = append(parts, fmt.Sprintf("%s×%d", c, n[c]))
	}
	return strings.Join(parts, ", ")
}
