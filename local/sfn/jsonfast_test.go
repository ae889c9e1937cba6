package sfn

import (
	"reflect"
	"testing"
)

// The direct parser must give exactly what encoding/json gives, or hand over to it.
func TestDecodeJSONStringAgreesWithDecoder(t *testing.T) {
	for _, in := range []string{
		`{"lead": {"email": "a@b.de", "country": "DE", "employees": 250}, "score": 72}`,
		` [1, -0, 0.5, 1e3, -2.5E-3, 10.0, true, false, null, "x", [], {}] `,
		`{"a": 1, "a": 2}`, `"ünïcødé"`, `"esc\"aped\n"`, `"\u00e9"`, "\"bad \xff utf8\"", "\"tab\tin\"",
		`{"a": 01}`, `{"a": 1.}`, `{"a": -}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{} x`, ``, `nul`, `1e`, `[[[[[]]]]]`,
		`{"deep": ` + repeat("[", 150) + repeat("]", 150) + `}`,
	} {
		want, wantErr := decodeJSON([]byte(in))
		got, gotErr := decodeJSONString(in)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Errorf("%q: error %v, want %v", in, gotErr, wantErr)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", in, got, want)
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
