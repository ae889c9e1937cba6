package pattern_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

// TestAgreesWithReferenceOnRandomNestedEvents compares MatchValue with ReferenceMatch on random
// events full of arrays of objects (where array consistency and exists:false interact) and
// random patterns over the same names and values.
func TestAgreesWithReferenceOnRandomNestedEvents(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "c"}
	var value func(depth int) any
	value = func(depth int) any {
		switch n := r.IntN(10); {
		case depth > 2 || n < 4:
			return []any{"x", "y", 1, nil}[r.IntN(4)]
		case n < 7:
			obj := map[string]any{}
			for _, k := range names {
				if r.IntN(2) == 0 {
					obj[k] = value(depth + 1)
				}
			}
			return obj
		default:
			arr := make([]any, r.IntN(4))
			for i := range arr {
				arr[i] = value(depth + 1)
			}
			return arr
		}
	}
	leaf := func() string {
		alts := []string{`"x"`, `"y"`, `1`, `null`, `{"exists":true}`, `{"exists":false}`, `{"anything-but":"x"}`, `{"prefix":""}`}
		n := 1 + r.IntN(2)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = alts[r.IntN(len(alts))]
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	var object func(depth int) string
	object = func(depth int) string {
		var fields []string
		for _, k := range names {
			switch n := r.IntN(6); {
			case n < 2:
			case n < 4 || depth > 1:
				fields = append(fields, fmt.Sprintf("%q:%s", k, leaf()))
			default:
				fields = append(fields, fmt.Sprintf("%q:%s", k, object(depth+1)))
			}
		}
		if len(fields) == 0 {
			fields = append(fields, fmt.Sprintf("%q:%s", names[r.IntN(3)], leaf()))
		}
		return "{" + strings.Join(fields, ",") + "}"
	}
	matches := 0
	for i := 0; i < 4000; i++ {
		ev := map[string]any{}
		for _, k := range names {
			ev[k] = value(0)
		}
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := pattern.DecodeEvent(raw)
		if err != nil {
			t.Fatal(err)
		}
		src := object(0)
		p, err := pattern.Compile([]byte(src))
		if err != nil {
			t.Fatalf("generated pattern %s: %v", src, err)
		}
		got, want := p.MatchValue(dec), pattern.ReferenceMatch(p, dec)
		if got != want {
			t.Fatalf("MatchValue %v, reference %v\npattern %s\nevent %s", got, want, src, raw)
		}
		if got {
			matches++
		}
	}
	if matches < 200 || matches > 3800 {
		t.Fatalf("%d of 4000 random cases matched; the generator no longer exercises both outcomes", matches)
	}
}
