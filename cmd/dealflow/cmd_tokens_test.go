package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// TestTokensCreateListRevoke: the token is printed once, the file keeps only its hash, list shows
// names and scopes, revoke stops it authenticating.
func TestTokensCreateListRevoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "db")
	var out, errb bytes.Buffer
	if code := dispatch([]string{"tokens", "create", "--name", "zapier", "--scopes", "leads:write", "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("create: %d %s", code, errb.String())
	}
	secret := strings.TrimSpace(out.String())
	if !strings.HasPrefix(secret, "dft_") || !strings.Contains(errb.String(), "shown only now") {
		t.Fatalf("create printed %q / %q", secret, errb.String())
	}
	for _, f := range []string{db, db + "-wal"} {
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(secret)) {
			t.Fatalf("%s holds the token in clear", f)
		}
	}
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	p, denied, err := identity.TokenPrincipal(context.Background(), st, secret)
	st.Close()
	if err != nil || denied != nil || p.Name != "zapier" || len(p.Scopes) != 1 || p.Scopes[0] != identity.ScopeLeadsWrite {
		t.Fatalf("token principal %+v %v %v", p, denied, err)
	}

	out.Reset()
	errb.Reset()
	if code := dispatch([]string{"tokens", "create", "--name", "x", "--scopes", "deals:delete", "--db", db}, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), "deals:write") {
		t.Fatalf("unknown scope: %d %s", code, errb.String())
	}

	out.Reset()
	if code := dispatch([]string{"tokens", "list", "--db", db}, &out, &errb); code != 0 || !strings.Contains(out.String(), "zapier\tleads:write") ||
		strings.Contains(out.String(), secret) {
		t.Fatalf("list: %d %q", code, out.String())
	}
	id := strings.Fields(out.String())[0]
	out.Reset()
	if code := dispatch([]string{"tokens", "revoke", "--id", id, "--db", db}, &out, &errb); code != 0 {
		t.Fatalf("revoke: %d %s", code, errb.String())
	}
	st, _ = sqlite.Open(db)
	defer st.Close()
	if _, denied, _ := identity.TokenPrincipal(context.Background(), st, secret); denied == nil || !strings.Contains(denied.Reason, "revoked") {
		t.Fatalf("a revoked token still authenticates: %+v", denied)
	}
}
