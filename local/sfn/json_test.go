package sfn

import (
	"encoding/json"
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
// strings and on every corpus document, when the corpus is present.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	samples := []any{"\b\f\n\r\t\x00\x1f\"\\/<>&", "\u2028\u2029é😀", string([]byte{0xff, 'a', 0xc3}),
		map[string]any{"b": []any{json.Number("1.0"), nil, true}, "a": map[string]any{}}, []any{}}
	dir := conformanceDir(t)
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			for _, f := range []string{"input.json", "expected.json", "definition.json"} {
				b, err := os.ReadFile(filepath.Join(dir, e.Name(), f))
				if err != nil {
					continue
				}
				if v, err := decodeJSON(b); err == nil {
					samples = append(samples, v)
				}
			}
		}
	}
	for i, v := range samples {
		if got, want := encodeJSON(v), stdEncode(v); got != want {
			t.Fatalf("sample %d:\n got %s\nwant %s", i, clip(got), clip(want))
		}
	}
}
