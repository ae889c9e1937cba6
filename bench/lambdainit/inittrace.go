package main

import (
	"bufio"
	"bytes"
	"slices"
	"strconv"
	"strings"
)

type pkgInit struct {
	pkg string
	at  float64 // ms since the Go runtime started
	ms  float64
}

// initTrace is where one cold start's time went.
type initTrace struct {
	total   float64   // process start → first /next, ms
	pkgDone float64   // the last package initialiser ended, ms after the runtime started
	pkgSum  float64   // all package initialisers, ms
	top     []pkgInit // the costliest ones
}

// traceInit cold-starts bin once with GODEBUG=inittrace=1: package initialisers, then main's
// work (lambdaenv: org file, clients, secrets) until the first /next.
// https://pkg.go.dev/runtime#hdr-Environment_Variables (inittrace)
func traceInit(bin string, env []string) (initTrace, error) {
	d, stderr, err := launch(bin, append(append([]string{}, env...), "GODEBUG=inittrace=1"))
	if err != nil {
		return initTrace{}, err
	}
	all := parseInitTrace(stderr)
	tr := initTrace{total: ms(d.wall)}
	for _, p := range all {
		tr.pkgSum += p.ms
		tr.pkgDone = max(tr.pkgDone, p.at+p.ms)
	}
	slices.SortStableFunc(all, func(a, b pkgInit) int {
		switch {
		case a.ms > b.ms:
			return -1
		case a.ms < b.ms:
			return 1
		}
		return 0
	})
	tr.top = all[:min(len(all), 8)]
	return tr, nil
}

// parseInitTrace reads lines like
// "init github.com/x/y @1.2 ms, 0.35 ms clock, 1024 bytes, 12 allocs".
func parseInitTrace(b []byte) []pkgInit {
	var out []pkgInit
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 7 || f[0] != "init" || f[5] != "ms" || !strings.HasPrefix(f[6], "clock") {
			continue
		}
		at, err1 := strconv.ParseFloat(strings.TrimPrefix(f[2], "@"), 64)
		v, err2 := strconv.ParseFloat(f[4], 64)
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, pkgInit{pkg: unescapePath(f[1]), at: at, ms: v})
	}
	return out
}

// unescapePath undoes the linker's escaping of dots in the last path element ("yaml%2ev3").
func unescapePath(p string) string { return strings.ReplaceAll(p, "%2e", ".") }
