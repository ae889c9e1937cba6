package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func TestOpenBadFiles(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.db")
	if err := os.WriteFile(corrupt, []byte(strings.Repeat("this is not a database file\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A real database whose header page was overwritten.
	mangled := filepath.Join(dir, "mangled.db")
	s, err := sqlite.Open(mangled)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	os.Remove(mangled + "-wal")
	os.Remove(mangled + "-shm")
	f, err := os.OpenFile(mangled, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("garbage garbage garbage garbage!"), 0)
	f.Close()

	locked := filepath.Join(dir, "locked.db")
	holder, err := sql.Open("sqlite", "file:"+locked)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetMaxOpenConns(1)
	conn, err := holder.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Another process holding an exclusive lock, as a crashed-but-alive server or a sqlite3 shell would.
	for _, q := range []string{"PRAGMA locking_mode=EXCLUSIVE", "CREATE TABLE hold (x)", "BEGIN EXCLUSIVE", "INSERT INTO hold VALUES (1)"} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	tests := []struct {
		name string
		path string
		want []string
	}{
		{"not a database", corrupt, []string{corrupt, "not a valid SQLite database"}},
		{"mangled header", mangled, []string{mangled, "not a valid SQLite database"}},
		{"locked by another process", locked, []string{locked, "locked by another process"}},
		{"directory", dir, []string{dir, "is a directory"}},
		{"missing parent directory", filepath.Join(dir, "no", "such", "dir.db"), []string{filepath.Join(dir, "no", "such", "dir.db")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := sqlite.Open(tc.path, sqlite.WithBusyTimeout(200*time.Millisecond))
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded, want an error", tc.path)
			}
			t.Logf("error: %v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.db")
	ctx := context.Background()
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateLead(ctx, domain.Lead{ID: "l1", Email: "a@b.example"}); err != nil {
		t.Fatal(err)
	}
	// The engine and bus share the file through DB().
	if _, err := s.DB().ExecContext(ctx, `CREATE TABLE engine_things (id TEXT)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	l, err := s.GetLead(ctx, "l1")
	if err != nil || l.Email != "a@b.example" {
		t.Fatalf("lead after reopen = %+v, %v", l, err)
	}
	var versions int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM store_schema_version`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("migrations/*.sql")
	if versions != len(files) {
		t.Errorf("schema versions recorded = %d, want %d (one per migration; migrations must not re-run)", versions, len(files))
	}
	var mode string
	if err := s.DB().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
}

// TestNewFileIsOwnersOnly: a new store file and its WAL are created 0600 whatever the umask
// allows, since the file holds the link-signing key and personal data.
func TestNewFileIsOwnersOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, f := range []string{path, path + "-wal"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %s, want -rw-------", filepath.Base(f), fi.Mode().Perm())
		}
	}
}
