package expr

import (
	"errors"
	"testing"
)

const fuzzDoc = `{"a": {"b": [1, 2.5, {"c": "x"}], "d": null}, "l": [{"k": 1}, {"k": 2, "m": "s"}], "s": "str"}`

// FuzzPath checks that any path either parses and evaluates without panicking, or is rejected
// with a *PathError; Set on a reference path never mutates its input.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[2].c", "$['a']['b'][-1]", "$.l[*].k", "$..k", "$.l[?(@.k > 1 && @.m =~ /s.*/i)]",
		"$.a.b[1:]", "$.a.b.length()", "$$.Execution.Id", "$var.x[0]", "$.l[?(@.k in [1,2])]", "$[\"a\"]", "$.l[0,1]"} {
		f.Add(s)
	}
	doc, err := Decode([]byte(fuzzDoc))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		_, err := Get(doc, p)
		var pe *PathError
		var nf *NotFoundError
		if err != nil && !errors.As(err, &pe) && !errors.As(err, &nf) {
			t.Fatalf("Get(%q) returned an unexpected error type %T: %v", p, err, err)
		}
		_ = ValidPath(p)
		_ = Canonical(p)
		before := MarshalString(doc)
		if ValidReferencePath(p) == nil {
			_, _ = Set(doc, p, "v")
			if MarshalString(doc) != before {
				t.Fatalf("Set(%q) mutated its input", p)
			}
		}
	})
}

// FuzzIntrinsic checks that the intrinsic parser and functions never panic and always report
// failures as *Error or a path error.
func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{
		"States.Format('a {} b', $.s)", "States.ArrayPartition($.a.b, 2)", "States.JsonMerge($.a, $.l[0], false)",
		"States.MathAdd(1, -2.5)", "States.StringSplit($.s, 't')", "States.ArrayRange(1, 9, 2)", "States.Hash($.s, 'SHA-1')",
		"States.Array(States.Array(), null, true, 'x\\'y')", "States.Base64Decode('eA==')", "States.ArrayGetItem($.l, 1)",
	} {
		f.Add(s)
	}
	doc, err := Decode([]byte(fuzzDoc))
	if err != nil {
		f.Fatal(err)
	}
	sc := Scope{Input: doc, Context: doc, Vars: func(string) (any, bool) { return doc, true }}
	f.Fuzz(func(t *testing.T, call string) {
		_, err := Intrinsic(call, sc)
		var e *Error
		var pe *PathError
		var nf *NotFoundError
		if err != nil && !errors.As(err, &e) && !errors.As(err, &pe) && !errors.As(err, &nf) {
			t.Fatalf("Intrinsic(%q) returned an unexpected error type %T: %v", call, err, err)
		}
		_ = ValidTemplate("Parameters", map[string]any{"x.$": call})
	})
}

// FuzzJSONata checks that no expression text can crash the engine through the JSONata layer.
func FuzzJSONata(f *testing.F) {
	for _, s := range []string{"$states.input.a.b", "$sum($states.input.l.k) + 1", "$partition([1,2,3], 2)", "$range(1, 5, 2)",
		"$hash('x', 'MD5')", "$parse('{\"a\": 1}')", "{'k': $states.input.s}", "$states.input.l[k > 1].m", "$x := 1; $x * 2"} {
		f.Add(s)
	}
	doc, err := Decode([]byte(fuzzDoc))
	if err != nil {
		f.Fatal(err)
	}
	sc := JSONataScope{States: map[string]any{"input": doc}, Vars: func(string) (any, bool) { return doc, true }}
	f.Fuzz(func(t *testing.T, src string) {
		_, err := JSONata("Output", "{%"+src+"%}", sc)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("JSONata(%q) returned an unexpected error type %T: %v", src, err, err)
		}
		_ = ValidJSONata("Output", "{%"+src+"%}")
	})
}
