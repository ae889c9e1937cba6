package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesToExposeTheConsoleWithoutToken: the console answers anyone who can reach the
// port, so serve will not listen beyond loopback unless a console token is set.
func TestServeRefusesToExposeTheConsoleWithoutToken(t *testing.T) {
	t.Setenv("DEALFLOW_CONSOLE_TOKEN", "")
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.10:8080"} {
		t.Run(addr, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch([]string{"serve", "--addr", addr, "--db", filepath.Join(t.TempDir(), "db"), "--config", "../../examples/org.yaml", "--root", "../.."}, &out, &errb)
			if code == 0 || !strings.Contains(errb.String(), "console-token") {
				t.Fatalf("exit %d, stderr %q", code, errb.String())
			}
		})
	}
}
