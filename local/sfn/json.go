package sfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"
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
// Documents are rendered by a direct writer (object keys sorted, as encoding/json does); other
// values fall back to encoding/json.
func encodeJSON(v any) string {
	buf := make([]byte, 0, 64)
	buf, ok := appendDoc(buf, v)
	if ok {
		return string(buf)
	}
	return stdEncode(v)
}

func stdEncode(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "null"
	}
	b := buf.Bytes()
	return string(b[:len(b)-1])
}

// appendDoc appends the JSON text of a document; false when v holds a non-document type.
func appendDoc(buf []byte, v any) ([]byte, bool) { return appendDocWith(buf, v, nil) }

// appendDocWith is appendDoc with object keys in the order ko remembers (sorted otherwise).
func appendDocWith(buf []byte, v any, ko *keyOrders) ([]byte, bool) {
	switch t := v.(type) {
	case nil:
		return append(buf, "null"...), true
	case bool:
		if t {
			return append(buf, "true"...), true
		}
		return append(buf, "false"...), true
	case json.Number:
		if t == "" {
			return append(buf, '0'), true
		}
		return append(buf, t...), true
	case string:
		return appendJSONString(buf, t), true
	case *lazyDoc:
		return appendJSONString(buf, t.String()), true
	case []any:
		buf = append(buf, '[')
		for i, x := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = appendDocWith(buf, x, ko); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	case map[string]any:
		var keys []string
		if ko != nil {
			keys = ko.order(t)
		}
		if keys == nil {
			keys = make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
		}
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, k)
			buf = append(buf, ':')
			var ok bool
			if buf, ok = appendDocWith(buf, t[k], ko); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	}
	return buf, false
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s exactly as encoding/json does with HTML escaping off.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
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
	return addSize(0, v, limit)
}

func addSize(n int, v any, limit int) int {
	switch t := v.(type) {
	case nil:
		return n + 4
	case bool:
		if t {
			return n + 4
		}
		return n + 5
	case json.Number:
		return n + len(t)
	case string:
		return n + quotedLen(t)
	case map[string]any:
		n += 1 + 2*len(t) // braces, colons and commas
		if len(t) == 0 {
			n++
		}
		for k, x := range t {
			n = addSize(n+quotedLen(k), x, limit)
			if n > limit {
				return n
			}
		}
		return n
	case []any:
		n += 1 + len(t)
		if len(t) == 0 {
			n++
		}
		for _, x := range t {
			n = addSize(n, x, limit)
			if n > limit {
				return n
			}
		}
		return n
	}
	return n + len(encodeJSON(v))
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
