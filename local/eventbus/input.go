package eventbus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/dealflow/dealflow/shared/events"
)

// targetInput computes what a target receives for one matched event: the whole event, a constant
// Input, the value at InputPath, or the InputTransformer's template filled in.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
func targetInput(rule string, t events.Target, envelope []byte, ev any) ([]byte, error) {
	switch {
	case len(t.Input) > 0:
		return t.Input, nil
	case t.InputPath != "":
		v, ok, err := lookup(ev, t.InputPath)
		if err != nil {
			return nil, err
		}
		if !ok {
			return []byte("null"), nil
		}
		return json.Marshal(v)
	case t.InputTransformer != nil:
		return transform(rule, t.InputTransformer, envelope, ev)
	default:
		return envelope, nil
	}
}

// transform fills an InputTemplate. A placeholder inside a JSON string gets the raw text of a
// string value (escaped for JSON); anywhere else it gets the value as JSON. A path that does not
// resolve yields null (outside quotes) or an empty string (inside quotes), as EventBridge does.
func transform(rule string, it *events.InputTransformer, envelope []byte, ev any) ([]byte, error) {
	vals := make(map[string]any, len(it.InputPathsMap)+3)
	for k, p := range it.InputPathsMap {
		v, ok, err := lookup(ev, p)
		if err != nil {
			return nil, fmt.Errorf("InputPathsMap.%s: %w", k, err)
		}
		if ok {
			vals[k] = v
		} else {
			vals[k] = nil
		}
	}
	// Reserved variables. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html#eb-transform-input-predefined
	vals["aws.events.rule-name"] = rule
	vals["aws.events.event"] = json.RawMessage(envelope)
	vals["aws.events.event.json"] = json.RawMessage(envelope)

	tpl := it.InputTemplate
	var out bytes.Buffer
	inString := false
	for i := 0; i < len(tpl); i++ {
		c := tpl[i]
		if c == '\\' && inString && i+1 < len(tpl) {
			out.WriteByte(c)
			out.WriteByte(tpl[i+1])
			i++
			continue
		}
		if c == '"' {
			inString = !inString
			out.WriteByte(c)
			continue
		}
		if c == '<' {
			if end := strings.IndexByte(tpl[i:], '>'); end > 0 {
				name := tpl[i+1 : i+end]
				if v, known := vals[name]; known {
					if err := writeValue(&out, v, inString); err != nil {
						return nil, fmt.Errorf("InputTemplate <%s>: %w", name, err)
					}
					i += end
					continue
				}
			}
		}
		out.WriteByte(c)
	}
	return out.Bytes(), nil
}

func writeValue(out *bytes.Buffer, v any, inString bool) error {
	if inString {
		var s string
		switch x := v.(type) {
		case nil:
			s = ""
		case string:
			s = x
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return err
			}
			s = string(b)
		}
		q, _ := json.Marshal(s)
		out.Write(q[1 : len(q)-1])
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	out.Write(b)
	return nil
}

// lookup resolves a simple JSONPath ($, $.a.b, $.a[0], $['a']) against a decoded event.
func lookup(doc any, path string) (any, bool, error) {
	if !strings.HasPrefix(path, "$") {
		return nil, false, fmt.Errorf("path %q must start with $", path)
	}
	cur := doc
	rest := path[1:]
	for rest != "" {
		var key string
		idx := -1
		switch {
		case rest[0] == '.':
			rest = rest[1:]
			end := strings.IndexAny(rest, ".[")
			if end < 0 {
				end = len(rest)
			}
			key, rest = rest[:end], rest[end:]
			if key == "" {
				return nil, false, fmt.Errorf("path %q has an empty segment", path)
			}
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, false, fmt.Errorf("path %q has an unclosed ['", path)
			}
			key, rest = rest[2:end], rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("path %q has an unclosed [", path)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, false, fmt.Errorf("path %q: bad index %q", path, rest[1:end])
			}
			idx, rest = n, rest[end+1:]
		default:
			return nil, false, fmt.Errorf("path %q: unexpected %q", path, rest[:1])
		}
		if idx >= 0 {
			arr, ok := cur.([]any)
			if !ok || idx >= len(arr) {
				return nil, false, nil
			}
			cur = arr[idx]
			continue
		}
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil, false, nil
		}
		if cur, ok = obj[key]; !ok {
			return nil, false, nil
		}
	}
	return cur, true, nil
}
