package main

import (
	"bufio"
	"strings"
	"testing"
)

func TestParseBenchTakesMediansPerPackage(t *testing.T) {
	in := `goos: linux
pkg: github.com/dealflow/dealflow/local/sfn
BenchmarkTenStatesDurable-2   	     100	   1200000 ns/op	       850.0 exec/s	   53885 B/op	     738 allocs/op
BenchmarkTenStatesDurable-2   	     100	    900000 ns/op	      1100 exec/s	   53000 B/op	     730 allocs/op
BenchmarkTenStatesDurable-2   	     100	   1000000 ns/op	      1000 exec/s	   54000 B/op	     740 allocs/op
PASS
pkg: github.com/dealflow/dealflow/shared/store/sqlite
BenchmarkCreateLead-2   	    5000	    231491 ns/op
`
	got, err := parseBench(bufio.NewScanner(strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d benchmarks: %+v", len(got), got)
	}
	d := got[0]
	if d.Package != "github.com/dealflow/dealflow/local/sfn" || d.Name != "BenchmarkTenStatesDurable" || d.Runs != 3 {
		t.Fatalf("first = %+v", d)
	}
	if d.Metrics["ns/op"] != 1000000 || d.Metrics["exec/s"] != 1000 || d.Metrics["allocs/op"] != 738 {
		t.Fatalf("medians = %v", d.Metrics)
	}
	if got[1].Package != "github.com/dealflow/dealflow/shared/store/sqlite" || got[1].Metrics["ns/op"] != 231491 {
		t.Fatalf("second = %+v", got[1])
	}
}
