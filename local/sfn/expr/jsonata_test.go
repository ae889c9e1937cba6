package expr

import (
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func jsonataScope(t *testing.T, input string, vars map[string]any) JSONataScope {
	return JSONataScope{
		States: map[string]any{"input": mustDecode(t, input), "context": mustDecode(t, `{"Execution": {"Name": "run-1"}}`)},
		Vars: func(name string) (any, bool) {
			v, ok := vars[name]
			return v, ok
		},
		Now: func() time.Time { return time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC) },
	}
}

func TestJSONata(t *testing.T) {
	sc := jsonataScope(t, `{"values": [1, 2, 3], "name": "Ada", "json": "{\"a\": [1, 2.5]}", "n": 2.5}`,
		map[string]any{"limit": mustDecode(t, `10`), "order": mustDecode(t, `{"id": "o-1"}`)})
	tests := []struct {
		name, template, want string
	}{
		{"whole input", `"{% $states.input.name %}"`, `"Ada"`},
		{"arithmetic on input", `"{% $sum($states.input.values) + $limit %}"`, `16`},
		{"float result", `"{% $states.input.n * 2 + 0.5 %}"`, `5.5`},
		{"whole number prints as integer", `"{% $states.input.n * 2 %}"`, `5`},
		{"variable field", `"{% $order.id %}"`, `"o-1"`},
		{"context", `"{% $states.context.Execution.Name %}"`, `"run-1"`},
		{"template object", `{"a": "{% $states.input.values[1] %}", "b": ["{% 'x' & 'y' %}", 3], "c": "plain {% not an expr"}`,
			`{"a": 2, "b": ["xy", 3], "c": "plain {% not an expr"}`},
		{"object constructor", `"{% {'k': $states.input.name} %}"`, `{"k": "Ada"}`},
		{"$partition", `"{% $partition([1,2,3,4,5], 2) %}"`, `[[1, 2], [3, 4], [5]]`},
		{"$range", `"{% $range(0, 10, 5) %}"`, `[0, 5, 10]`},
		// AWS returns a one-element $range as the element itself (intrinsic_functions__array_jsonata.test_array_range).
		{"$range single", `"{% $range(1, 9, 9) %}"`, `1`},
		{"$hash default algorithm", `"{% $hash('input data') %}"`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{"$hash md5", `"{% $hash('input data', 'MD5') %}"`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{"$parse", `"{% $parse($states.input.json) %}"`, `{"a": [1, 2.5]}`},
		{"$parse negative zero", `"{% $parse('-0') %}"`, `0`},
		{"$now uses the engine clock", `"{% $now() %}"`, `"2025-01-01T12:00:00.000Z"`},
		{"$millis uses the engine clock", `"{% $millis() %}"`, `1735732800000`},
		{"boolean condition", `"{% $states.input.n >= 2 and $states.input.name = 'Ada' %}"`, `true`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := mustDecode(t, tc.template)
			if err := ValidJSONata("Output", tmpl); err != nil {
				t.Fatalf("ValidJSONata: %v", err)
			}
			got, err := JSONata("Output", tmpl, sc)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustDecode(t, tc.want); MarshalString(got) != MarshalString(want) {
				t.Errorf("got %s, want %s", MarshalString(got), MarshalString(want))
			}
		})
	}
}

func TestJSONataRandomAndUUID(t *testing.T) {
	sc := jsonataScope(t, `{}`, nil)
	v, err := JSONata("Output", `{% $random() %}`, sc)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := numberFloat(v.(json.Number))
	if f < 0 || f >= 1 {
		t.Errorf("$random() = %v, want a number in [0, 1)", v)
	}
	u, err := JSONata("Output", `{% $uuid() %}`, sc)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u.(string)) {
		t.Errorf("$uuid() = %v, want a version 4 UUID", u)
	}
}

func TestJSONataErrors(t *testing.T) {
	sc := jsonataScope(t, `{"FunctionInput": {"fst": 1}}`, nil)
	tests := []struct {
		name, field, template, cause, location string
	}{
		// Causes recorded from AWS in the conformance corpus.
		{"undefined variable", "Output", `{"result": "{% $doesNotExist %}"}`,
			"The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined).", "Output/result"},
		{"undefined whole field", "Arguments", `"{% $doesNotExist %}"`,
			"The JSONata expression '$doesNotExist' specified for the field 'Arguments' returned nothing (undefined).", "Arguments"},
		{"non-function", "Output", `{"FunctionResult": "{% $randomSeeded($states.input.FunctionInput.fst) %}"}`,
			"The JSONata expression '$randomSeeded($states.input.FunctionInput.fst)' specified for the field 'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to invoke a non-function", "Output/FunctionResult"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := JSONata(tc.field, mustDecode(t, tc.template), sc)
			var e *Error
			if !errors.As(err, &e) || e.Name != ErrQueryEvaluation {
				t.Fatalf("error = %v, want %s", err, ErrQueryEvaluation)
			}
			if e.Cause != tc.cause {
				t.Errorf("cause = %q\nwant    %q", e.Cause, tc.cause)
			}
			if e.Location != tc.location {
				t.Errorf("location = %q, want %q", e.Location, tc.location)
			}
		})
	}
	if err := ValidJSONata("Output", map[string]any{"a": "{% $not( %}"}); err == nil {
		t.Errorf("ValidJSONata accepted a syntax error")
	}
}

func TestJSONataAs(t *testing.T) {
	sc := jsonataScope(t, `{}`, map[string]any{"ItemsVar": "string"})
	_, err := JSONataAs("Items", "{% $ItemsVar %}", sc, "array")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error", err)
	}
	// Recorded from AWS (map item source cases in the corpus).
	want := `The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'string' for value: "string"`
	if e.Cause != want {
		t.Errorf("cause = %q\nwant    %q", e.Cause, want)
	}
	v, err := JSONataAs("Items", "{% [1, 2] %}", sc, "array")
	if err != nil || MarshalString(v) != "[1,2]" {
		t.Errorf("JSONataAs array = %v, %v", v, err)
	}
}

// TestJSONataConcurrent checks that cached expressions can be evaluated from many goroutines
// with different variables (the engine runs Map iterations in parallel).
func TestJSONataConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sc := JSONataScope{States: map[string]any{"input": map[string]any{}}, Vars: func(name string) (any, bool) {
				return json.Number(itoa(i)), name == "i"
			}}
			v, err := JSONata("Output", "{% $i * 2 %}", sc)
			if err != nil {
				errs <- err
				return
			}
			if MarshalString(v) != itoa(i*2) {
				errs <- errors.New("goroutine " + itoa(i) + " got " + MarshalString(v))
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestJSONataKeepsNullAndEmptyArrays covers request A-1: AWS distinguishes null and [] from
// undefined (scenarios__test_map_state_items_input_types__null and friends).
func TestJSONataKeepsNullAndEmptyArrays(t *testing.T) {
	sc := jsonataScope(t, `{"items": [], "none": null, "nested": {"e": [], "n": 1.0}, "list": [{"a": null}]}`,
		map[string]any{"ItemsVar": nil, "Empty": []any{}})
	tests := []struct{ expr, want string }{
		{"{% $states.input.items %}", `[]`},
		{"{% $states.input.none %}", `null`},
		{"{% $states.input.nested.e %}", `[]`},
		{"{% $states.input.nested.n %}", `1.0`},
		{"{% $ItemsVar %}", `null`},
		{"{% $Empty %}", `[]`},
		{"{% $states.input.list[0].a %}", `null`},
		{"{% [$states.input.none, 1] %}", `[null, 1]`},
		{"{% $states.input.none = null %}", `true`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := JSONata("Output", tc.expr, sc)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustDecode(t, tc.want); MarshalString(got) != MarshalString(want) {
				t.Errorf("got %s, want %s", MarshalString(got), MarshalString(want))
			}
		})
	}
	_, err := JSONataAs("Items", "{% $ItemsVar %}", sc, "array")
	var e *Error
	want := "The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'null' for value: null"
	if !errors.As(err, &e) || e.Cause != want {
		t.Errorf("JSONataAs(null) error = %v, want cause %q", err, want)
	}
}

// TestJSONataRejectsRecursion: the library has no recursion limit and a runaway recursive
// function would crash the process with a stack overflow, so such expressions are refused.
func TestJSONataRejectsRecursion(t *testing.T) {
	sc := jsonataScope(t, `{}`, nil)
	for _, src := range []string{
		"{% ($f := function($x){ $f($x) }; $f(1)) %}",
		"{% ($fact := function($n){ $n <= 1 ? 1 : $n * $fact($n - 1) }; $fact(5)) %}",
		"{% ($y := function($g){ $g($g) }; $y($y)) %}",
		"{% ($even := function($n){ $n = 0 ? true : $odd($n - 1) }; $odd := function($n){ $n = 0 ? false : $even($n - 1) }; $even(4)) %}",
	} {
		t.Run(src, func(t *testing.T) {
			if err := ValidJSONata("Output", src); err == nil {
				t.Errorf("ValidJSONata accepted a recursive function")
			}
			_, err := JSONata("Output", src, sc)
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Cause, "U1001") {
				t.Errorf("error = %v, want a U1001 QueryEvaluationError", err)
			}
		})
	}
	// Non-recursive functions still work.
	v, err := JSONata("Output", "{% ($double := function($x){ $x * 2 }; $map([1, 2], $double)) %}", sc)
	if err != nil || MarshalString(v) != "[2,4]" {
		t.Errorf("non-recursive function: %v, %v", MarshalString(v), err)
	}
}

func TestIsSimplePath(t *testing.T) {
	for src, want := range map[string]bool{
		"$states.input.items": true, "$x": true, "$order.id_2": true,
		"$": false, "$states.": false, "$states..a": false, "$a.1b": false, "$1": false,
		"$states.input[0]": false, "$a + 1": false, "states.input": false, "$a.b c": false,
	} {
		if got := isSimplePath(src); got != want {
			t.Errorf("isSimplePath(%q) = %v, want %v", src, got, want)
		}
	}
}
