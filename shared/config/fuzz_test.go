package config

import (
	"os"
	"testing"
)

// FuzzParse: no input may panic the loader, and every problem must point inside the file.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile(samplePath); err == nil {
		f.Add(b)
	}
	f.Add([]byte("org: {name: x, currency: EUR}\nreps:\n  - id: a\n\ttimezone: [\n"))
	f.Add([]byte("a: &x {b: *x}\n<<: *x\n"))
	f.Add([]byte("reps: [{id: a, <<: [{name: b}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		_, problems := Parse("f.yaml", data)
		lines := 1 // YAML breaks lines at \n, \r\n and a lone \r
		for i, c := range data {
			if c == '\n' || (c == '\r' && (i+1 == len(data) || data[i+1] != '\n')) {
				lines++
			}
		}
		for _, p := range problems {
			if p.Line < 1 || p.Line > lines || p.Col < 1 {
				t.Fatalf("problem outside the file (%d lines): %s", lines, p)
			}
		}
	})
}
