package sfn

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestJSONSizeMatchesEncoding(t *testing.T) {
	docs := []string{`{}`, `[]`, `null`, `"a\"b\\c\n\u0001 \u2028 é"`, `{"a":[1,2.50,{"b":null,"c":true}],"d":"x"}`, `[[],{},[{}]]`, `-1.5e3`}
	for _, d := range docs {
		t.Run(d, func(t *testing.T) {
			v, err := decodeJSON([]byte(d))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := jsonSize(v, 1<<20), len(encodeJSON(v)); got != want {
				t.Errorf("jsonSize = %d, encoded length %d (%s)", got, want, encodeJSON(v))
			}
		})
	}
}

// TestEncodeMatchesEncodingJSON checks the direct writer against encoding/json on tricky
// strings, then on every document of the ASL conformance corpus.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	samples := []any{"\b\f\n\r\t\x00\x1f\"\\/<>&", "\u2028\u2029é😀", string([]byte{0xff, 'a', 0xc3}),
		map[string]any{"b": []any{json.Number("1.0"), nil, true}, "a": map[string]any{}}, []any{}}
	check := func(what string, v any) {
		t.Helper()
		if got, want := encodeJSON(v), stdEncode(v); got != want {
			t.Fatalf("%s:\n got %s\nwant %s", what, clip(got), clip(want))
		}
	}
	for i, v := range samples {
		check(fmt.Sprintf("sample %d", i), v)
	}
	dir := conformanceDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	docs := 0
	for _, e := range entries {
		for _, f := range []string{"input.json", "expected.json", "definition.json"} {
			p := filepath.Join(dir, e.Name(), f)
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			if v, err := decodeJSON(b); err == nil {
				check(p, v)
				docs++
			}
		}
	}
	if docs == 0 {
		t.Fatalf("no JSON documents in %s", dir)
	}
}
