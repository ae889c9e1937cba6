package expr

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/blues/jsonata-go/jtypes"
)

func TestFilterOperators(t *testing.T) {
	doc := mustDecode(t, `{"items": [
		{"id": 1, "tags": ["a", "b"], "name": "alpha", "qty": 5},
		{"id": 2, "tags": [], "name": "beta", "qty": 10},
		{"id": 3, "tags": ["c"], "name": "gamma", "qty": 10.0}
	]}`)
	tests := []struct{ filter, ids string }{
		{"@.qty >= 10", `[2, 3]`},
		{"@.qty <= 5", `[1]`},
		{"@.qty != 10", `[1]`},
		{"@.qty == 10", `[2, 3]`}, // 10 and 10.0 are the same number
		{"@.name > 'b'", `[2, 3]`},
		{"@.id nin [1, 3]", `[2]`},
		{"@.tags subsetof ['a', 'b', 'c']", `[1, 2, 3]`},
		{"@.tags anyof ['c', 'z']", `[3]`},
		{"@.tags noneof ['a']", `[2, 3]`},
		{"@.tags size 1", `[3]`},
		{"@.name size 4", `[2]`},
		{"@.tags empty true", `[2]`},
		{"@.tags empty false", `[1, 3]`},
		{"@.tags contains 'b'", `[1]`},
		{"@.name contains 'mm'", `[3]`},
		{"@.qty > $.items[0].qty && !(@.id == 3)", `[2]`},
		{"@.missing == 1", `[]`},
		{"@.name =~ /^(alpha|beta)$/", `[1, 2]`},
	}
	for _, tc := range tests {
		t.Run(tc.filter, func(t *testing.T) {
			got, err := Get(doc, "$.items[?("+tc.filter+")].id")
			if err != nil {
				t.Fatal(err)
			}
			if want := mustDecode(t, tc.ids); !jsonEqual(want, got) {
				t.Errorf("got %s, want %s", MarshalString(got), tc.ids)
			}
		})
	}
}

func TestPathFunctions(t *testing.T) {
	doc := mustDecode(t, `{"n": [1, 2, 3, 6], "o": {"b": 1, "a": 2}, "s": "héllo", "e": []}`)
	tests := []struct{ path, want string }{
		{"$.n.length()", `4`},
		{"$.o.length()", `2`},
		{"$.s.length()", `5`},
		// Jayway's aggregations return doubles.
		{"$.n.sum()", `12.0`},
		{"$.n.min()", `1.0`},
		{"$.n.max()", `6.0`},
		{"$.n.avg()", `3.0`},
		{"$.o.keys()", `["a", "b"]`},
		{"$.n.first()", `1`},
		{"$.n.last()", `6`},
		{"$.n[*].length()", `4`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := Get(doc, tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if MarshalString(got) != MarshalString(mustDecode(t, tc.want)) {
				t.Errorf("got %s, want %s", MarshalString(got), tc.want)
			}
		})
	}
	var nf *NotFoundError
	if _, err := Get(doc, "$.e.sum()"); !errors.As(err, &nf) {
		t.Errorf("sum of an empty array: error = %v, want *NotFoundError", err)
	}
}

func TestDocumentHelpers(t *testing.T) {
	v, err := Normalize(struct {
		A float64           `json:"a"`
		B []string          `json:"b"`
		C map[string]string `json:"c"`
	}{1.5, []string{"x"}, map[string]string{"k": "<v>"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := MarshalString(v); got != `{"a":1.5,"b":["x"],"c":{"k":"<v>"}}` {
		t.Errorf("Normalize+Marshal = %s (HTML must not be escaped, numbers kept)", got)
	}
	if _, ok := v.(map[string]any)["a"].(json.Number); !ok {
		t.Errorf("Normalize left a %T number, want json.Number", v.(map[string]any)["a"])
	}
	for in, want := range map[string]string{`{}`: "object", `[]`: "array", `"s"`: "string", `1`: "number", `true`: "boolean", `null`: "null"} {
		if got := TypeName(mustDecode(t, in)); got != want {
			t.Errorf("TypeName(%s) = %s, want %s", in, got, want)
		}
	}
	if _, err := Decode([]byte(`{"a": 1} trailing`)); err == nil {
		t.Errorf("Decode accepted trailing data")
	}
	if b, _ := Marshal(mustDecode(t, `{"n": 1.0, "big": 12345678901234567890}`)); string(b) != `{"big":12345678901234567890,"n":1.0}` {
		t.Errorf("Marshal changed numbers: %s", b)
	}
}

func TestFieldError(t *testing.T) {
	input := mustDecode(t, `{"a": 1}`)
	_, err := Resolve("$.ErrorX", Scope{Input: input})
	fe := FieldError("ErrorPath", err, input)
	var e *Error
	// Recorded AWS cause (scenarios__test_invalid_jsonpath__INVALID_JSONPATH_IN_ERRORPATH).
	if !errors.As(fe, &e) || e.Name != ErrRuntime || e.Cause != `The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"a":1}'` {
		t.Errorf("FieldError = %v", fe)
	}
	v, err := EvalPathOrIntrinsic("CausePath", "States.Format('a={}', $.a)", Scope{Input: input})
	if err != nil || v != "a=1" {
		t.Errorf("EvalPathOrIntrinsic = %v, %v", v, err)
	}
}

func TestFormatNowPicture(t *testing.T) {
	now := time.Date(2025, 11, 30, 8, 5, 0, 0, time.UTC)
	got, err := formatNow(now, jtypes.NewOptionalString("[Y0001]-[M01]-[D01]"), jtypes.NewOptionalString("+0100"))
	if err != nil {
		t.Fatal(err)
	}
	if got != "2025-11-30" {
		t.Errorf("formatNow = %q, want 2025-11-30", got)
	}
	sc := JSONataScope{Now: func() time.Time { return now }}
	v, err := JSONata("Output", "{% $now('[H01]:[m01]', '+0200') %}", sc)
	if err != nil || v != "10:05" {
		t.Errorf("$now with picture and zone = %v, %v; want 10:05", v, err)
	}
}
