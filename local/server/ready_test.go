package server

import (
	"net/http"
	"path/filepath"
	"testing"
)

// /readyz answers 503 while the database refuses writes (intake would answer 503 too) and 200
// again once it takes them.
func TestReadyzFollowsWhetherTheStoreTakesWrites(t *testing.T) {
	rt, srv, stop := start(t, filepath.Join(t.TempDir(), "dealflow.db"))
	defer stop()
	get := func() int {
		res, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if c := get(); c != 200 {
		t.Fatalf("writable store: /readyz %d", c)
	}
	setReadOnly(t, rt, true)
	if c := get(); c != 503 {
		t.Fatalf("read-only store: /readyz %d, want 503", c)
	}
	setReadOnly(t, rt, false)
	if c := get(); c != 200 {
		t.Fatalf("writable again: /readyz %d", c)
	}
}
