package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// TestMigrationBackfillsDigestIndexes opens a file written by the first schema version (rows
// without the digest columns) and checks that the digest queries find the old rows: the Go step
// of migration 0002 fills the new columns from the stored JSON.
func TestMigrationBackfillsDigestIndexes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	routed := time.Date(2026, 11, 2, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	closed := time.Date(2026, 11, 3, 12, 0, 0, 0, time.UTC)
	lead := domain.Lead{ID: "l1", Source: "api", Email: "a@b.example", OwnerID: "ae-1", RoutedAt: &routed, CreatedAt: routed, Version: 1}
	deal := domain.Deal{ID: "d1", OwnerID: "ae-1", TeamID: "t1", Status: domain.DealWon, CreatedAt: routed, ClosedAt: &closed, Version: 1}
	handoff := domain.Handoff{ID: "h1", LeadID: "l1", AEID: "ae-1", Status: domain.HandoffAccepted, RequestedAt: routed, SLADueAt: routed, Version: 1}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{string(schema), nil},
		{`CREATE TABLE store_schema_version (version INTEGER NOT NULL)`, nil},
		{`INSERT INTO store_schema_version (version) VALUES (1)`, nil},
		{`INSERT INTO leads (id, version, data, source, external_id, email, domain, created_at) VALUES (?, 1, ?, 'api', '', ?, '', ?)`,
			[]any{lead.ID, js(lead), lead.Email, store.TimeKey(lead.CreatedAt)}},
		{`INSERT INTO deals (id, version, data, owner_id, stage, team_id, created_at, closed_team, closed_at) VALUES (?, 1, ?, 'ae-1', '', 't1', ?, 't1', ?)`,
			[]any{deal.ID, js(deal), store.TimeKey(deal.CreatedAt), store.TimeKey(closed)}},
		{`INSERT INTO handoffs (id, version, data, lead_id, requested_at, sla_due_at) VALUES (?, 1, ?, 'l1', ?, ?)`,
			[]any{handoff.ID, js(handoff), store.TimeKey(routed), store.TimeKey(routed)}},
	} {
		if _, err := db.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("build v1 file: %v", err)
		}
	}
	db.Close()

	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatalf("open v1 file: %v", err)
	}
	defer s.Close()
	w := store.Window{From: routed.Add(-time.Hour), To: closed.Add(time.Hour)}
	leads, _, err := s.ListLeadsRoutedByOwner(ctx, "ae-1", w, store.Page{})
	if err != nil || len(leads) != 1 || leads[0].ID != "l1" {
		t.Errorf("routed leads of ae-1 after migration = %v, %v; want [l1]", leads, err)
	}
	won, _, err := s.ListDealsWonByTeam(ctx, "t1", w, store.Page{})
	if err != nil || len(won) != 1 || won[0].ID != "d1" {
		t.Errorf("won deals of t1 after migration = %v, %v; want [d1]", won, err)
	}
	hs, _, err := s.ListHandoffsByAE(ctx, "ae-1", w, store.Page{})
	if err != nil || len(hs) != 1 || hs[0].ID != "h1" {
		t.Errorf("handoffs of ae-1 after migration = %v, %v; want [h1]", hs, err)
	}
}
