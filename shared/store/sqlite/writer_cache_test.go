package sqlite

import (
	"path/filepath"
	"testing"
)

// The writer runs with SQLite's default page cache, the readers with the large one: a large
// cache on the writer made every commit scan its hash table (see Open).
func TestWriterKeepsTheDefaultPageCache(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var w, r int
	if err := s.w.QueryRow(`PRAGMA cache_size`).Scan(&w); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRow(`PRAGMA cache_size`).Scan(&r); err != nil {
		t.Fatal(err)
	}
	if w != 512 || r != -32768 {
		t.Fatalf("cache_size: writer %d, readers %d; want 512 (pages) and -32768", w, r)
	}
}
