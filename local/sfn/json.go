package sfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
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
	bp := encodeBufs.Get().(*[]byte)
	buf, ok := appendDoc((*bp)[:0], v)
	var s string
	if ok {
		s = string(buf)
	} else {
		s = stdEncode(v)
	}
	if cap(buf) <= 256<<10 { // keep the pool from pinning a rare huge document
		*bp = buf
		encodeBufs.Put(bp)
	}
	return s
}

// encodeBufs are scratch buffers for encodeJSON: growing a fresh buffer to a history event's
// size was the engine's largest source of garbage.
var encodeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

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
	return appendDocAs(buf, v, ko, false)
}

// appendDocQuoted appends the body of the JSON string holding v's text (what appendJSONString
// of appendDocWith's output would give, between the quotes); false for values it does not
// render, which the caller then renders the slow way.
func appendDocQuoted(buf []byte, v any, ko *keyOrders) ([]byte, bool) {
	return appendDocAs(buf, v, ko, true)
}

// appendDocAs renders v as JSON text, or with quoted as the body of the JSON string holding
// that text (every string escaped twice), in one pass either way.
func appendDocAs(buf []byte, v any, ko *keyOrders, quoted bool) ([]byte, bool) {
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
		if quoted {
			return appendStringBody(buf, string(t), false), true
		}
		return append(buf, t...), true
	case string:
		return appendStringAs(buf, t, quoted), true
	case *lazyDoc:
		if quoted {
			return buf, false
		}
		// The document's text quoted as a JSON string, rendered in one pass (no intermediate text).
		mark := len(buf)
		if out, ok := appendDocAs(append(buf, '"'), t.v, t.ko, true); ok {
			return append(out, '"'), true
		}
		return appendJSONString(buf[:mark], t.String()), true
	case []any:
		buf = append(buf, '[')
		for i, x := range t {
			if i > 0 {
				buf = append(buf, ',')
			}
			var ok bool
			if buf, ok = appendDocAs(buf, x, ko, quoted); !ok {
				return buf, false
			}
		}
		return append(buf, ']'), true
	case map[string]any:
		var arr [16]string
		keys := appendSortedKeys(arr[:0], t)
		if ko != nil {
			if o := ko.orderOf(keys); o != nil {
				keys = o
			}
		}
		buf = append(buf, '{')
		for i, k := range keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(appendStringAs(buf, k, quoted), ':')
			var ok bool
			if buf, ok = appendDocAs(buf, t[k], ko, quoted); !ok {
				return buf, false
			}
		}
		return append(buf, '}'), true
	}
	return buf, false
}

// appendStringAs appends s as a JSON string, or with quoted as that string inside another one.
func appendStringAs(buf []byte, s string, quoted bool) []byte {
	if !quoted {
		return appendJSONString(buf, s)
	}
	buf = append(buf, '\\', '"')
	buf = appendStringBody(buf, s, true)
	return append(buf, '\\', '"')
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the bytes JSON strings hold unescaped (HTML escaping off).
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendJSONString quotes s exactly as encoding/json does with HTML escaping off.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	buf = appendStringBody(buf, s, false)
	return append(buf, '"')
}

// appendStringBody appends s escaped as the inside of a JSON string. With twice, the escaped
// text is escaped once more: the body of the JSON string whose value is the quoted text of s,
// as a string nested in a document shown as text.
func appendStringBody(buf []byte, s string, twice bool) []byte {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plainASCII[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			buf = append(buf, s[start:i]...)
			var e []byte
			switch c {
			case '"', '\\':
				e = []byte{'\\', c}
			case '\b':
				e = []byte{'\\', 'b'}
			case '\f':
				e = []byte{'\\', 'f'}
			case '\n':
				e = []byte{'\\', 'n'}
			case '\r':
				e = []byte{'\\', 'r'}
			case '\t':
				e = []byte{'\\', 't'}
			default:
				e = []byte{'\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf]}
			}
			buf = appendEscape(buf, e, twice)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = appendEscape(buf, []byte(`\ufffd`), twice)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = appendEscape(buf, []byte{'\\', 'u', '2', '0', '2', hexDigits[r&0xf]}, twice)
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(buf, s[start:]...)
}

// appendEscape appends an escape sequence (ASCII), itself escaped again when twice.
func appendEscape(buf, e []byte, twice bool) []byte {
	if !twice {
		return append(buf, e...)
	}
	for _, c := range e {
		if c == '\\' || c == '"' {
			buf = append(buf, '\\')
		}
		buf = append(buf, c)
	}
	return buf
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
