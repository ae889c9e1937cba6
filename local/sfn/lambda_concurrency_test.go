package sfn

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Go functions run concurrently in the engine, while aws-lambda-go's Invoke returns bytes of a
// buffer it reuses for the next call: every caller must still get its own result.
func TestConcurrentInvokesOfOneFunctionKeepTheirResults(t *testing.T) {
	reg := NewRegistry()
	type in struct{ N int }
	type out struct {
		N   int
		Pad string
	}
	reg.Register("echo", func(_ context.Context, v in) (out, error) {
		return out{N: v.N, Pad: strings.Repeat(fmt.Sprint(v.N%10), 200+v.N%50)}, nil
	})
	var wg sync.WaitGroup
	bad := make(chan string, 16)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				n := g*100000 + i
				res := reg.invoke(context.Background(), "echo", fmt.Appendf(nil, `{"N":%d}`, n))
				var o out
				if err := json.Unmarshal(res.payload, &o); err != nil || o.N != n || len(o.Pad) != 200+n%50 {
					select {
					case bad <- fmt.Sprintf("call %d got %.80q (%v)", n, res.payload, err):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Error(b)
	}
}
