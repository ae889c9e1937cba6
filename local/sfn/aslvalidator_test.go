package sfn

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/internal/testenv"
)

// TestAgreesWithASLValidator checks that the loader and `asl-validator` (tools/, installed by
// `make tools`) accept the project's statemachines/*.asl.json and reject the same broken ones.
func TestAgreesWithASLValidator(t *testing.T) {
	_, self, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(self), "..", "..")
	bin := testenv.Tool(t, "asl-validator")
	dir := t.TempDir()
	placeholder := regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)
	files := map[string]bool{} // path -> valid
	project, _ := filepath.Glob(filepath.Join(root, "statemachines", "*.asl.json"))
	for _, p := range project {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// Placeholders become what the CDK stack substitutes: function ARNs and names.
		b = placeholder.ReplaceAllFunc(b, func(m []byte) []byte {
			name := string(m[2 : len(m)-1])
			if strings.HasSuffix(name, "FunctionArn") {
				return []byte("arn:aws:lambda:eu-central-1:123456789012:function:" + strings.TrimSuffix(name, "FunctionArn"))
			}
			return []byte(strings.ToLower(name))
		})
		out := filepath.Join(dir, filepath.Base(p))
		if err := os.WriteFile(out, b, 0o644); err != nil {
			t.Fatal(err)
		}
		files[out] = true
	}
	broken := map[string]string{
		"missing-target.json":  `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`,
		"no-terminal.json":     `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}`,
		"unknown-type.json":    `{"StartAt":"A","States":{"A":{"Type":"Sleep","End":true}}}`,
		"choice-no-rules.json": `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[]}}}`,
		"bad-startat.json":     `{"StartAt":"X","States":{"A":{"Type":"Succeed"}}}`,
	}
	for name, text := range broken {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files[p] = false
	}
	args := []string{"--no-arn-check"}
	for p := range files {
		args = append(args, "--json-path", p)
	}
	out, _ := exec.Command(bin, args...).CombinedOutput()
	for p, valid := range files {
		b, _ := os.ReadFile(p)
		_, ourErr := Parse(b, LoadOptions{File: p})
		theirsValid := strings.Contains(string(out), `"`+p+`" is valid`)
		theirsInvalid := strings.Contains(string(out), `"`+p+`" is invalid`)
		if !theirsValid && !theirsInvalid {
			t.Fatalf("asl-validator gave no verdict for %s:\n%s", p, out)
		}
		if theirsValid != valid || (ourErr == nil) != valid {
			t.Errorf("%s: asl-validator valid=%v, loader error=%v, want valid=%v", filepath.Base(p), theirsValid, ourErr, valid)
		}
	}
}
