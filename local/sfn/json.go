package sfn

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Documents are held as any: map[string]any, []any, string, bool, nil and json.Number, so that
// numbers keep their text (1 vs 1.0), as Step Functions does.

// decodeJSON parses one JSON document, keeping numbers as json.Number.
func decodeJSON(text []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON document")
	}
	// Decode stops after the first value; anything but whitespace after it is an error.
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("unexpected data after the JSON document")
	}
	return v, nil
}

// encodeJSON renders v compactly, without HTML escaping, as Step Functions prints documents.
func encodeJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	b := buf.Bytes()
	return string(b[:len(b)-1])
}

// deepCopy copies a document so that states never share mutable maps or slices.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(t))
		for i, x := range t {
			s[i] = deepCopy(x)
		}
		return s
	default:
		return v
	}
}

// jsonTypeName names a value's JSON type the way AWS error messages do.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64, int, int64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func jsonNumber(s string) json.Number { return json.Number(s) }
