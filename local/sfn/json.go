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

// jsonSize returns the length of v's compact JSON text, or a number above limit as soon as it
// is known to exceed limit. It avoids rendering documents just to check the payload quota.
func jsonSize(v any, limit int) int {
	n := 0
	var walk func(any) bool
	walk = func(v any) bool {
		switch t := v.(type) {
		case nil:
			n += 4
		case bool:
			if t {
				n += 4
			} else {
				n += 5
			}
		case json.Number:
			n += len(t)
		case string:
			n += quotedLen(t)
		case map[string]any:
			n += 2 + len(t) // braces, colons; commas below
			if len(t) > 1 {
				n += len(t) - 1
			}
			for k, x := range t {
				n += quotedLen(k)
				if n > limit || !walk(x) {
					return false
				}
			}
		case []any:
			n += 2
			if len(t) > 1 {
				n += len(t) - 1
			}
			for _, x := range t {
				if n > limit || !walk(x) {
					return false
				}
			}
		default:
			n += len(encodeJSON(t))
		}
		return n <= limit
	}
	walk(v)
	return n
}

// quotedLen is the length of s as a JSON string encoded without HTML escaping.
func quotedLen(s string) int {
	n := 2
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
			n += 2
		case c < 0x20:
			n += 6
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			n += 6 // U+2028/U+2029 are escaped
			i += 2
		default:
			n++
		}
	}
	return n
}
