package expr

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestIntrinsics(t *testing.T) {
	sc := Scope{
		Input:   mustDecode(t, `{"name": "Ada", "obj": {"k": "v", "n": [1, {"x": null}]}, "list": [1, 2, 2, "a", "a", {"b": 1}, {"b": 1}], "s": "a,b;c", "f": 1.5, "big": 2147483647}`),
		Context: mustDecode(t, `{"StateMachine": {"Name": "order-flow-prod"}}`),
		Vars: func(name string) (any, bool) {
			if name == "greeting" {
				return "Hello {}!", true
			}
			return nil, false
		},
	}
	tests := []struct {
		call, want string
	}{
		{`States.Format('Hi {}, you are {}', $.name, 36)`, `"Hi Ada, you are 36"`},
		{`States.Format('escaped \{\} and \'quotes\' and {}', $.name)`, `"escaped {} and 'quotes' and Ada"`},
		{`States.Format('{}', $.obj)`, `"{k=v, n=[1, {x=null}]}"`},
		{`States.Format('{} {} {}', null, true, 1.5)`, `"null true 1.5"`},
		{`States.Format($greeting, $.name)`, `"Hello Ada!"`},
		{`States.StringToJson('{"a": [1, 2.0]}')`, `{"a": [1, 2.0]}`},
		// Recorded AWS results (LocalStack snapshot test_string_to_json): blank gives null, -0 gives 0.
		{`States.StringToJson('')`, `null`},
		{`States.StringToJson('  ')`, `null`},
		{`States.StringToJson('-0')`, `0`},
		{`States.JsonToString($.obj)`, `"{\"k\":\"v\",\"n\":[1,{\"x\":null}]}"`},
		{`States.Array($.name, 1, null, States.Array())`, `["Ada", 1, null, []]`},
		{`States.ArrayPartition($.list, 3)`, `[[1, 2, 2], ["a", "a", {"b": 1}], [{"b": 1}]]`},
		{`States.ArrayContains($.list, $.obj)`, `false`},
		{`States.ArrayContains($.list, 'a')`, `true`},
		{`States.ArrayRange(1, 9, 2)`, `[1, 3, 5, 7, 9]`},
		{`States.ArrayRange(5, 1, -2)`, `[5, 3, 1]`},
		{`States.ArrayGetItem($.list, 3)`, `"a"`},
		{`States.ArrayLength($.list)`, `7`},
		{`States.ArrayUnique($.list)`, `[1, 2, "a", {"b": 1}]`},
		{`States.Base64Encode('Data to encode')`, `"RGF0YSB0byBlbmNvZGU="`},
		{`States.Base64Decode('RGF0YSB0byBlbmNvZGU=')`, `"Data to encode"`},
		{`States.Hash('input data', 'SHA-256')`, `"b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"`},
		{`States.Hash('input data', 'MD5')`, `"812f45842bc6d66ee14572ce20db8e86"`},
		{`States.JsonMerge($.obj, States.StringToJson('{"k": 2, "z": 3}'), false)`, `{"k": 2, "n": [1, {"x": null}], "z": 3}`},
		{`States.MathAdd(1.5, 1.49)`, `3`},
		{`States.MathAdd(-1.5, 0)`, `-1`},
		{`States.MathAdd($.big, -1)`, `2147483646`},
		{`States.StringSplit($.s, ',;')`, `["a", "b", "c"]`},
		{`States.StringSplit('a,,b', ',')`, `["a", "b"]`},
		{`States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 1)`, `"flow"`},
		{`  States.ArrayLength( States.Array( 1 , 2 ) )  `, `2`},
	}
	for _, tc := range tests {
		t.Run(tc.call, func(t *testing.T) {
			if !IsIntrinsic(tc.call) {
				t.Fatalf("IsIntrinsic(%q) = false", tc.call)
			}
			got, err := Intrinsic(tc.call, sc)
			if err != nil {
				t.Fatal(err)
			}
			want := mustDecode(t, tc.want)
			// Exact comparison: 2 and 2.0 differ, as they do in AWS output.
			if MarshalString(got) != MarshalString(want) {
				t.Errorf("got %s, want %s", MarshalString(got), MarshalString(want))
			}
		})
	}
}

func TestIntrinsicRandomAndUUID(t *testing.T) {
	for i := 0; i < 50; i++ {
		v, err := Intrinsic("States.MathRandom(-5, 5)", Scope{})
		if err != nil {
			t.Fatal(err)
		}
		n, _ := numberFloat(v.(json.Number))
		if n < -5 || n >= 5 || n != float64(int(n)) {
			t.Fatalf("MathRandom(-5, 5) = %v, want an integer in [-5, 5)", v)
		}
	}
	a, _ := Intrinsic("States.MathRandom(0, 1000000, 7)", Scope{})
	b, _ := Intrinsic("States.MathRandom(0, 1000000, 7)", Scope{})
	if a != b {
		t.Errorf("seeded MathRandom differs between calls: %v vs %v", a, b)
	}
	u, err := Intrinsic("States.UUID()", Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u.(string)) {
		t.Errorf("UUID() = %v, want a version 4 UUID", u)
	}
}

func TestIntrinsicErrors(t *testing.T) {
	sc := Scope{Input: mustDecode(t, `{"s": "x", "l": [1], "o": {}}`)}
	tests := []struct {
		call, causeContains string
	}{
		{`States.Format('{} {}', 1)`, "placeholders"},
		{`States.Format('{}', 1, 2)`, "placeholders"},
		{`States.Format(1)`, "must be a string"},
		{`States.StringToJson('{bad')`, "not valid JSON"},
		{`States.StringToJson($.l)`, "expected a string"},
		{`States.ArrayPartition($.l, 0)`, "positive integer"},
		{`States.ArrayPartition($.s, 1)`, "must be an array"},
		{`States.ArrayRange(1, 2, 0)`, "must not be zero"},
		{`States.ArrayRange(0, 1000, 1)`, "more than 1000"},
		{`States.ArrayRange(1.5, 2, 1)`, "must be an integer"},
		{`States.ArrayGetItem($.l, 1)`, "out of bounds"},
		{`States.ArrayLength($.o)`, "must be an array"},
		{`States.Base64Decode('***')`, "not valid Base64"},
		{`States.Hash('x', 'SHA-3')`, "unsupported hash algorithm"},
		{`States.JsonMerge($.o, $.o, true)`, "deep merge is not supported"},
		{`States.JsonMerge($.o, $.l, false)`, "must be a JSON object"},
		{`States.MathAdd(2147483648, 1)`, "outside the range"},
		{`States.MathAdd($.s, 1)`, "must be a number"},
		{`States.MathRandom(5, 5)`, "must be greater"},
		{`States.UUID(1)`, "expected 0 arguments"},
		{`States.ArrayLength()`, "expected 1 arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.call, func(t *testing.T) {
			_, err := Intrinsic(tc.call, sc)
			var e *Error
			if !errors.As(err, &e) || e.Name != ErrIntrinsicFailure {
				t.Fatalf("error = %v, want %s", err, ErrIntrinsicFailure)
			}
			if !strings.Contains(e.Cause, tc.causeContains) {
				t.Errorf("cause %q does not mention %q", e.Cause, tc.causeContains)
			}
		})
	}
}

func TestIntrinsicSyntax(t *testing.T) {
	bad := []string{
		`States.Nope(1)`,
		`States.Format('unterminated)`,
		`States.Array(1 2)`,
		`States.Array(1,`,
		`States.Array(1) trailing`,
		`States.Array(foo)`,
		`States.Array($.a b)`,
		strings.Repeat("States.Array(", 11) + "1" + strings.Repeat(")", 11),
	}
	for _, s := range bad {
		t.Run(s, func(t *testing.T) {
			if _, err := Intrinsic(s, Scope{Input: map[string]any{}}); err == nil {
				t.Errorf("Intrinsic(%q) succeeded", s)
			}
			if err := ValidTemplate("Parameters", map[string]any{"x.$": s}); err == nil {
				t.Errorf("ValidTemplate accepted %q", s)
			}
		})
	}
	nested := strings.Repeat("States.Array(", 10) + "1" + strings.Repeat(")", 10)
	if _, err := Intrinsic(nested, Scope{}); err != nil {
		t.Errorf("10 nested calls, which AWS allows, failed: %v", err)
	}
}

func TestIntrinsicPathNotFound(t *testing.T) {
	_, err := Intrinsic("States.Format('{}', $.missing)", Scope{Input: map[string]any{}})
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Path != "$.missing" {
		t.Fatalf("error = %v, want *NotFoundError for $.missing", err)
	}
}
