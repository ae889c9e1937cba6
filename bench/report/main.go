// Command report turns the raw output of `make bench` (go test -bench text, load and cost JSON)
// into bench/results.json and the markdown table bench/results.md. The raw files stay next to
// them: gotest-bench.txt is benchstat input as is.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/bench/loadgen"
)

// Bench is one benchmark's median over its runs.
type Bench struct {
	Package string             `json:"package"`
	Name    string             `json:"name"`
	Runs    int                `json:"runs"`
	Metrics map[string]float64 `json:"metrics"` // unit → median value (ns/op, B/op, allocs/op, custom)
}

// Results is bench/results.json.
type Results struct {
	Date       string           `json:"date"`
	Machine    Machine          `json:"machine"`
	Benchmarks []Bench          `json:"benchmarks"`
	Load200    *loadgen.Result  `json:"load200,omitempty"`
	Load1000   *loadgen.Result  `json:"load1000,omitempty"` // every lead routed to a rep and mailed
	Search     *loadgen.Search  `json:"maxSustainable,omitempty"`
	Cost       json.RawMessage  `json:"cost,omitempty"`
	Targets    map[string]Check `json:"targets"`
}

// Machine says what the numbers were measured on.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	Go      string `json:"go"`
	LoadAvg string `json:"loadAvg"`
}

// Check is one performance target and whether this run met it.
type Check struct {
	Target string  `json:"target"`
	Value  float64 `json:"value"`
	Met    bool    `json:"met"`
}

func main() {
	raw := flag.String("raw", "bench/raw", "folder with the raw outputs")
	out := flag.String("out", "bench", "folder for results.json and results.md")
	flag.Parse()
	if err := run(*raw, *out); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(raw, out string) error {
	// The date of the measurement, not of this report: the end-to-end run's file time.
	when := time.Now()
	if fi, err := os.Stat(filepath.Join(raw, "load-200.json")); err == nil {
		when = fi.ModTime()
	}
	res := Results{Date: when.UTC().Format(time.RFC3339), Targets: map[string]Check{}}
	res.Machine = Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), CPU: cpuModel()}
	if b, err := os.ReadFile(filepath.Join(raw, "loadavg.txt")); err == nil {
		res.Machine.LoadAvg = strings.TrimSpace(string(b))
	}
	f, err := os.Open(filepath.Join(raw, "gotest-bench.txt"))
	if err != nil {
		return err
	}
	res.Benchmarks, err = parseBench(bufio.NewScanner(f))
	f.Close()
	if err != nil {
		return err
	}
	var l200 loadgen.Result
	if readJSON(filepath.Join(raw, "load-200.json"), &l200) == nil {
		res.Load200 = &l200
		res.Targets["p99 webhook→routed at 200 leads/s"] = Check{"≤ 50 ms", l200.WebhookToRouted.P99, l200.WebhookToRouted.P99 <= 50 && l200.Errors == 0}
	}
	var l1000 loadgen.Result
	if readJSON(filepath.Join(raw, "load-1000.json"), &l1000) == nil {
		res.Load1000 = &l1000
		// Sustained: every lead routed, at the rate offered (1 % for the drain at the end).
		res.Targets["throughput at 1,000 leads/s offered, every lead mailed"] = Check{"≥ 990 leads/s, no errors", l1000.Throughput,
			l1000.Throughput >= 990 && l1000.Errors == 0 && l1000.Routed == l1000.Accepted}
	}
	var s loadgen.Search
	if readJSON(filepath.Join(raw, "load-search.json"), &s) == nil {
		res.Search = &s
		res.Targets["maximum sustainable rate"] = Check{"≥ 1,000 leads/s", s.MaxRate, s.MaxRate >= 1000}
	}
	if b, err := os.ReadFile(filepath.Join(raw, "cost.json")); err == nil && json.Valid(b) {
		res.Cost = b
		var c struct {
			LeadWorkflowPer1000 float64 `json:"leadWorkflowPer1000"`
		}
		if json.Unmarshal(b, &c) == nil && c.LeadWorkflowPer1000 > 0 {
			res.Targets["AWS cost of the lead workflow per 1,000 leads"] = Check{"≤ $0.05", c.LeadWorkflowPer1000, c.LeadWorkflowPer1000 <= 0.05}
		}
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	md := markdown(res)
	if b, err := os.ReadFile(filepath.Join(raw, "cost.txt")); err == nil {
		md += "\n## AWS cost per 1,000 leads (`dealflow cost --from-run bench/raw/load-200.json`)\n\n```\n" + string(b) + "```\n"
	}
	if b, err := os.ReadFile(filepath.Join(out, "FINDINGS.md")); err == nil {
		md += "\n" + string(b)
	}
	return os.WriteFile(filepath.Join(out, "results.md"), []byte(md), 0o644)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// parseBench reads `go test -bench` output: "pkg: X" lines and
// "BenchmarkName-P  N  v unit  v unit ..." lines; repeated runs are reduced to their median.
func parseBench(sc *bufio.Scanner) ([]Bench, error) {
	type key struct{ pkg, name string }
	vals := map[key]map[string][]float64{}
	var order []key
	pkg := ""
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimSpace(p)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 4 {
			continue
		}
		name := fs[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		k := key{pkg, name}
		if vals[k] == nil {
			vals[k] = map[string][]float64{}
			order = append(order, k)
		}
		for i := 2; i+1 < len(fs); i += 2 {
			v, err := strconv.ParseFloat(fs[i], 64)
			if err != nil {
				break
			}
			vals[k][fs[i+1]] = append(vals[k][fs[i+1]], v)
		}
	}
	var out []Bench
	for _, k := range order {
		b := Bench{Package: k.pkg, Name: k.name, Metrics: map[string]float64{}}
		for unit, vs := range vals[k] {
			slices.Sort(vs)
			b.Metrics[unit] = vs[len(vs)/2]
			b.Runs = max(b.Runs, len(vs))
		}
		out = append(out, b)
	}
	return out, sc.Err()
}

func markdown(r Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# dealflow benchmarks\n\nMeasured %s on %s (%d cores, %s); load average at the end: `%s`.\n", r.Date, r.Machine.CPU, r.Machine.Cores, r.Machine.Go, r.Machine.LoadAvg)
	b.WriteString("Raw `go test -bench` output (benchstat input) is in `bench/raw/gotest-bench.txt`; medians below.\n\n")
	if len(r.Targets) > 0 {
		b.WriteString("## Targets\n\n| target | wanted | measured | met |\n|---|---|---:|---|\n")
		names := make([]string, 0, len(r.Targets))
		for n := range r.Targets {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			c := r.Targets[n]
			met := "no"
			if c.Met {
				met = "yes"
			}
			fmt.Fprintf(&b, "| %s | %s | %.4g | %s |\n", n, c.Target, c.Value, met)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Micro-benchmarks (median)\n\n| package | benchmark | ns/op | B/op | allocs/op | other |\n|---|---|---:|---:|---:|---|\n")
	for _, x := range r.Benchmarks {
		var other []string
		for u, v := range x.Metrics {
			if u != "ns/op" && u != "B/op" && u != "allocs/op" {
				other = append(other, fmt.Sprintf("%.4g %s", v, u))
			}
		}
		slices.Sort(other)
		fmt.Fprintf(&b, "| %s | %s | %.0f | %.0f | %.0f | %s |\n", strings.TrimPrefix(x.Package, "github.com/dealflow/dealflow/"), strings.TrimPrefix(x.Name, "Benchmark"),
			x.Metrics["ns/op"], x.Metrics["B/op"], x.Metrics["allocs/op"], strings.Join(other, ", "))
	}
	if r.Load200 != nil {
		b.WriteString("\n## End-to-end load at 200 leads/s (`dealflow load`)\n\n```\n" + r.Load200.Text() + "```\n")
	}
	if r.Load1000 != nil {
		b.WriteString("\n## End-to-end load at 1,000 leads/s, every lead routed to a rep and mailed (sample org without caps)\n\n```\n" + r.Load1000.Text() + "```\n")
	}
	if r.Search != nil {
		b.WriteString("\n## Maximum sustainable rate (`dealflow load --search-max`)\n\n```\n" + r.Search.Text() + "```\n")
	}
	return b.String()
}
