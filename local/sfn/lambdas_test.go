package sfn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// lambdasInFlight counts fixture invocations doing work, so the conformance driver never moves
// the virtual clock while a Lambda is still computing its answer.
var lambdasInFlight atomic.Int64

// busy wraps a fixture so it counts as in flight while it runs.
func busy(h RawHandler) RawHandler {
	return func(ctx context.Context, p []byte) ([]byte, error) {
		lambdasInFlight.Add(1)
		defer lambdasInFlight.Add(-1)
		return h(ctx, p)
	}
}

// registerFixtureLambdas implements the fixture Lambda kinds the corpus's definitions invoke (the
// corpus lists them in its asl/LAMBDAS.md).
func registerFixtureLambdas(reg *Registry, clk clock.Clock) {
	reg.wrap = busy
	// Python's handler returns the event and the runtime re-encodes it with json.dumps.
	reg.Register("echo", func(_ context.Context, p []byte) ([]byte, error) {
		v, err := decodeJSON(p)
		if err != nil {
			return p, nil
		}
		return []byte(pyDumps(v)), nil
	})
	reg.Register("hello-world", func(_ context.Context, _ []byte) ([]byte, error) {
		return []byte(`{"Return": "HelloWorld"}`), nil
	})
	reg.Register("return-bytes-str", func(_ context.Context, _ []byte) ([]byte, error) {
		return []byte(`"HelloWorld!"`), nil
	})
	reg.Register("raise-exception", func(_ context.Context, _ []byte) ([]byte, error) {
		return nil, pythonError("Exception", "Some exception was raised.",
			"  File \"/var/task/handler.py\", line 2, in handler\n    raise Exception(\"Some exception was raised.\")\n")
	})
	reg.Register("raise-custom-exception", func(_ context.Context, _ []byte) ([]byte, error) {
		return nil, pythonError("CustomException", "",
			"  File \"/var/task/handler.py\", line 9, in handler\n    raise CustomException()\n")
	})
	reg.Register("large-output-bytes", func(_ context.Context, _ []byte) ([]byte, error) {
		return bytes.Repeat([]byte("a"), 257*1024), nil
	})
	reg.Register("sleep-60s-echo", func(ctx context.Context, p []byte) ([]byte, error) {
		// Sleeping on the virtual clock is not work: let the driver advance it.
		lambdasInFlight.Add(-1)
		defer lambdasInFlight.Add(1)
		t := clk.NewTimer(60 * time.Second)
		defer t.Stop()
		select {
		case <-t.C():
			v, _ := decodeJSON(p)
			return []byte(pyDumps(v)), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
}

// pythonError builds the error document the Python 3.12 runtime returns, with its
// json.dumps spacing.
func pythonError(typ, msg, frame string) error {
	q := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	doc := `{"errorMessage": ` + q(msg) + `, "errorType": ` + q(typ) + `, "requestId": ` + q(newUUID()) +
		`, "stackTrace": [` + q(frame) + `]}`
	return &FunctionError{Type: typ, Document: []byte(strings.ReplaceAll(doc, `\u003c`, "<"))}
}

// pyDumps renders a document as Python's json.dumps does by default: ", " and ": " separators
// and non-ASCII characters escaped.
func pyDumps(v any) string {
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			b.WriteString("{")
			for i, k := range sortedKeys(t) {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(pyString(k))
				b.WriteString(": ")
				walk(t[k])
			}
			b.WriteString("}")
		case []any:
			b.WriteString("[")
			for i, x := range t {
				if i > 0 {
					b.WriteString(", ")
				}
				walk(x)
			}
			b.WriteString("]")
		case string:
			b.WriteString(pyString(t))
		default:
			b.WriteString(encodeJSON(t))
		}
	}
	walk(v)
	return b.String()
}

func pyString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
