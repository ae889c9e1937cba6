package dynamo_test

import (
	"context"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

type readmeRow struct {
	ops, indexes []string
	keys         string
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// parseReadme reads the index table and the access-pattern table.
func parseReadme(t *testing.T) (indexes []string, rows map[string]readmeRow) {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows = map[string]readmeRow{}
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "## ") {
			section = strings.TrimPrefix(line, "## ")
			continue
		}
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if strings.HasPrefix(cells[0], "---") || cells[0] == "Index" || cells[0] == "Method" {
			continue
		}
		switch {
		case section == "Indexes" && len(cells) == 3:
			indexes = append(indexes, cells[0])
		case section == "Access patterns" && len(cells) == 4:
			if _, dup := rows[cells[0]]; dup {
				t.Errorf("README lists %s twice", cells[0])
			}
			rows[cells[0]] = readmeRow{ops: splitList(cells[1]), indexes: splitList(cells[2]), keys: cells[3]}
		default:
			t.Errorf("README.md: unexpected table row in section %q: %s", section, line)
		}
	}
	return indexes, rows
}

func TestReadmeIndexesMatchCreateTable(t *testing.T) {
	readme, _ := parseReadme(t)
	var defined []string
	for _, g := range dynamo.TableDefinition("t").GlobalSecondaryIndexes {
		defined = append(defined, *g.IndexName)
		var keys []string
		for _, k := range g.KeySchema {
			keys = append(keys, *k.AttributeName)
		}
		if want := []string{*g.IndexName + "PK", *g.IndexName + "SK"}; !slices.Equal(keys, want) {
			t.Errorf("index %s keys %v, README documents %v", *g.IndexName, keys, want)
		}
	}
	if !slices.Equal(readme, defined) || !slices.Equal(defined, dynamo.Indexes) {
		t.Errorf("README indexes %v, CreateTable defines %v, Indexes = %v", readme, defined, dynamo.Indexes)
	}
}

func TestReadmeListsEveryStoreMethod(t *testing.T) {
	_, rows := parseReadme(t)
	iface := reflect.TypeFor[store.Store]()
	impl := reflect.TypeFor[*dynamo.Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		if _, ok := rows[name]; !ok && name != "Close" {
			t.Errorf("store.Store.%s has no row in README.md", name)
		}
	}
	for name := range rows {
		if _, ok := impl.MethodByName(name); !ok {
			t.Errorf("README row %s names no method of *dynamo.Store", name)
		}
	}
}

// TestReadmeMatchesRequests runs every Store method through the recorder and checks the
// operations, indexes and key prefixes against its README row. It is also the proof that no
// method scans.
func TestReadmeMatchesRequests(t *testing.T) {
	_, rows := parseReadme(t)
	rec := dynamo.Record(minidyn.NewClient())
	clk := clock.NewFake(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	s, err := dynamo.New(rec, "readme", dynamo.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.Take()
	ctx := context.Background()
	now := clk.Now()
	ev := store.OutboxEvent{DetailType: "Test Event", Detail: []byte(`{}`)}
	w := store.Window{From: now.Add(-time.Hour), To: now.Add(time.Hour)}
	p := store.Page{}
	lead := domain.Lead{ID: "l1", Source: "api", ExternalID: "e1", Email: "a@acme.example", Domain: "acme.example", CreatedAt: now}
	deal := domain.Deal{ID: "d1", OwnerID: "ae", TeamID: "t", Stage: "s", Status: domain.DealOpen, CreatedAt: now}
	rem := domain.Reminder{ID: "r1", DealID: "d1", RepID: "ae", Policy: "stale", PeriodKey: "p", Status: domain.ReminderPending, DueAt: now}
	onb := domain.Onboarding{ID: "o1", DealID: "d1", CSMID: "csm", StartedAt: now}
	dig := domain.DigestRecord{ManagerID: "m", PeriodKey: "p", SentAt: now}

	// Each method is called in every mode that uses a different request: with and without events,
	// winning and losing a conditional write.
	script := []struct {
		method string
		calls  []func() error
	}{
		{"CreateLead", []func() error{
			func() error { _, err := s.CreateLead(ctx, lead); return err },
			func() error { l := lead; l.ID = "l2"; _, err := s.CreateLead(ctx, l, ev); return err },
		}},
		{"CreateLeadClaiming", []func() error{
			func() error {
				l := lead
				l.ID = "l3"
				_, _, err := s.CreateLeadClaiming(ctx, l, []string{"k1"}, ev)
				return err
			},
			func() error {
				l := lead
				l.ID = "l4"
				_, _, err := s.CreateLeadClaiming(ctx, l, []string{"k1"})
				return err
			}, // k1 held
		}},
		{"GetLead", []func() error{func() error { _, err := s.GetLead(ctx, "l1"); return err }}},
		{"GetLeadBySourceID", []func() error{func() error { _, err := s.GetLeadBySourceID(ctx, "api", "e1"); return err }}},
		{"GetLeadByEmail", []func() error{func() error { _, err := s.GetLeadByEmail(ctx, lead.Email); return err }}},
		{"ListLeadsByDomain", []func() error{func() error { _, _, err := s.ListLeadsByDomain(ctx, lead.Domain, p); return err }}},
		{"ListLeadsRoutedByOwner", []func() error{func() error { _, _, err := s.ListLeadsRoutedByOwner(ctx, "ae", w, p); return err }}},
		{"ListLeadsCreated", []func() error{func() error { _, _, err := s.ListLeadsCreated(ctx, w, p); return err }}},
		{"UpdateLead", []func() error{
			func() error {
				_, err := s.UpdateLead(ctx, "l1", func(l domain.Lead) (domain.Lead, error) { return l, nil })
				return err
			},
			func() error {
				_, err := s.UpdateLead(ctx, "l1", func(l domain.Lead) (domain.Lead, error) { return l, nil }, ev)
				return err
			},
		}},
		{"CreateAccount", []func() error{func() error {
			_, err := s.CreateAccount(ctx, domain.Account{ID: "a1", Domain: "acme.example"})
			return err
		}}},
		{"GetAccount", []func() error{func() error { _, err := s.GetAccount(ctx, "a1"); return err }}},
		{"GetAccountByDomain", []func() error{func() error { _, err := s.GetAccountByDomain(ctx, "acme.example"); return err }}},
		{"UpdateAccount", []func() error{
			func() error {
				_, err := s.UpdateAccount(ctx, "a1", func(a domain.Account) (domain.Account, error) { return a, nil })
				return err
			},
			func() error {
				_, err := s.UpdateAccount(ctx, "a1", func(a domain.Account) (domain.Account, error) { return a, nil }, ev)
				return err
			},
		}},
		{"CreateDeal", []func() error{
			func() error { _, err := s.CreateDeal(ctx, deal); return err },
			func() error { d := deal; d.ID = "d2"; _, err := s.CreateDeal(ctx, d, ev); return err },
		}},
		{"GetDeal", []func() error{func() error { _, err := s.GetDeal(ctx, "d1"); return err }}},
		{"UpdateDeal", []func() error{
			func() error {
				_, err := s.UpdateDeal(ctx, "d1", func(d domain.Deal) (domain.Deal, error) { return d, nil })
				return err
			},
			func() error {
				_, err := s.UpdateDeal(ctx, "d1", func(d domain.Deal) (domain.Deal, error) { return d, nil }, ev)
				return err
			},
		}},
		{"ListDealsByOwner", []func() error{
			func() error { _, _, err := s.ListDealsByOwner(ctx, "ae", "", p); return err },
			func() error { _, _, err := s.ListDealsByOwner(ctx, "ae", "s", p); return err },
		}},
		{"ListOpenDealsByOwner", []func() error{func() error { _, _, err := s.ListOpenDealsByOwner(ctx, "a", p); return err }}},
		{"ListOpenDealsByTeam", []func() error{func() error { _, _, err := s.ListOpenDealsByTeam(ctx, "t", p); return err }}},
		{"ListDealsClosedByTeam", []func() error{func() error { _, _, err := s.ListDealsClosedByTeam(ctx, "t", w, p); return err }}},
		{"ListDealsWonByTeam", []func() error{func() error { _, _, err := s.ListDealsWonByTeam(ctx, "t", w, p); return err }}},
		{"ListDealsCreatedByTeam", []func() error{func() error { _, _, err := s.ListDealsCreatedByTeam(ctx, "t", w, p); return err }}},
		{"CreateActivity", []func() error{
			func() error {
				_, err := s.CreateActivity(ctx, domain.Activity{ID: "x1", RepID: "ae", DealID: "d1", At: now})
				return err
			},
			func() error {
				_, err := s.CreateActivity(ctx, domain.Activity{ID: "x2", RepID: "ae", DealID: "d1", At: now}, ev)
				return err
			},
		}},
		{"ListActivitiesByDeal", []func() error{func() error { _, _, err := s.ListActivitiesByDeal(ctx, "d1", p); return err }}},
		{"ListActivitiesByRep", []func() error{func() error { _, _, err := s.ListActivitiesByRep(ctx, "ae", w, p); return err }}},
		{"CreateHandoff", []func() error{
			func() error {
				_, err := s.CreateHandoff(ctx, domain.Handoff{ID: "h1", LeadID: "l1", AEID: "ae", Status: domain.HandoffRequested})
				return err
			},
			func() error {
				_, err := s.CreateHandoff(ctx, domain.Handoff{ID: "h2", LeadID: "l1", AEID: "ae", Status: domain.HandoffRequested}, ev)
				return err
			},
		}},
		{"GetHandoff", []func() error{func() error { _, err := s.GetHandoff(ctx, "h1"); return err }}},
		{"UpdateHandoff", []func() error{
			func() error {
				_, err := s.UpdateHandoff(ctx, "h1", func(h domain.Handoff) (domain.Handoff, error) { return h, nil })
				return err
			},
			func() error {
				_, err := s.UpdateHandoff(ctx, "h1", func(h domain.Handoff) (domain.Handoff, error) { return h, nil }, ev)
				return err
			},
		}},
		{"ListOpenHandoffsByAE", []func() error{func() error { _, _, err := s.ListOpenHandoffsByAE(ctx, "ae", p); return err }}},
		{"ListHandoffsByAE", []func() error{func() error { _, _, err := s.ListHandoffsByAE(ctx, "ae", w, p); return err }}},
		{"ListHandoffsByLead", []func() error{func() error { _, _, err := s.ListHandoffsByLead(ctx, "l1", p); return err }}},
		{"CreateReminder", []func() error{func() error { _, err := s.CreateReminder(ctx, rem); return err }}},
		{"GetReminder", []func() error{func() error { _, err := s.GetReminder(ctx, "r1"); return err }}},
		{"GetReminderByKey", []func() error{func() error { _, err := s.GetReminderByKey(ctx, "d1", "stale", "p"); return err }}},
		{"UpdateReminder", []func() error{
			func() error {
				_, err := s.UpdateReminder(ctx, "r1", func(r domain.Reminder) (domain.Reminder, error) { return r, nil })
				return err
			},
			func() error {
				_, err := s.UpdateReminder(ctx, "r1", func(r domain.Reminder) (domain.Reminder, error) { return r, nil }, ev)
				return err
			},
		}},
		{"ListOpenRemindersDue", []func() error{func() error { _, _, err := s.ListOpenRemindersDue(ctx, "ae", now, p); return err }}},
		{"CreateOnboarding", []func() error{func() error { _, err := s.CreateOnboarding(ctx, onb); return err }}},
		{"GetOnboarding", []func() error{func() error { _, err := s.GetOnboarding(ctx, "o1"); return err }}},
		{"GetOnboardingByDeal", []func() error{func() error { _, err := s.GetOnboardingByDeal(ctx, "d1"); return err }}},
		{"UpdateOnboarding", []func() error{
			func() error {
				_, err := s.UpdateOnboarding(ctx, "o1", func(o domain.Onboarding) (domain.Onboarding, error) { return o, nil })
				return err
			},
			func() error {
				_, err := s.UpdateOnboarding(ctx, "o1", func(o domain.Onboarding) (domain.Onboarding, error) { return o, nil }, ev)
				return err
			},
		}},
		{"ListOnboardingsByCSM", []func() error{func() error { _, _, err := s.ListOnboardingsByCSM(ctx, "csm", p); return err }}},
		{"PutDigest", []func() error{
			func() error { _, _, err := s.PutDigest(ctx, dig); return err },
			func() error { _, _, err := s.PutDigest(ctx, dig); return err }, // loses: reads the winner
			func() error { d := dig; d.PeriodKey = "q"; _, _, err := s.PutDigest(ctx, d, ev); return err },
		}},
		{"GetDigest", []func() error{func() error { _, err := s.GetDigest(ctx, "m", "p"); return err }}},
		{"CreateAPIToken", []func() error{func() error {
			_, err := s.CreateAPIToken(ctx, domain.APIToken{ID: "t1", Name: "zapier", Hash: "h1", CreatedAt: now})
			return err
		}}},
		{"GetAPITokenByHash", []func() error{func() error { _, err := s.GetAPITokenByHash(ctx, "h1"); return err }}},
		{"UpdateAPIToken", []func() error{func() error {
			_, err := s.UpdateAPIToken(ctx, "t1", func(t domain.APIToken) (domain.APIToken, error) { return t, nil })
			return err
		}}},
		{"ListAPITokens", []func() error{func() error { _, _, err := s.ListAPITokens(ctx, p); return err }}},
		{"ListAudit", []func() error{func() error { _, _, err := s.ListAudit(ctx, "deal/d1", p); return err }}},
		{"PutForecastCall", []func() error{func() error {
			_, err := s.PutForecastCall(ctx, domain.ForecastCall{TeamID: "t", PeriodKey: "p", SubmittedAt: now})
			return err
		}}},
		{"ListForecastCalls", []func() error{func() error { _, err := s.ListForecastCalls(ctx, "t", "p"); return err }}},
		{"PutIdempotencyKey", []func() error{
			func() error { _, _, err := s.PutIdempotencyKey(ctx, "k", "v", time.Hour); return err },
			func() error { _, _, err := s.PutIdempotencyKey(ctx, "k", "v2", time.Hour); return err },
		}},
		{"ReleaseIdempotencyKey", []func() error{
			func() error { return s.ReleaseIdempotencyKey(ctx, "k", "other") },
			func() error { return s.ReleaseIdempotencyKey(ctx, "k", "v") },
		}},
		{"IncrementCounter", []func() error{func() error { _, err := s.IncrementCounter(ctx, "c", 1); return err }}},
		{"IncrementCounters", []func() error{func() error { _, err := s.IncrementCounters(ctx, []string{"c", "d"}, 1); return err }}},
		{"GetCounters", []func() error{func() error { _, err := s.GetCounters(ctx, "c", "d"); return err }}},
		{"ListPendingOutbox", []func() error{func() error { _, err := s.ListPendingOutbox(ctx, 10); return err }}},
		{"MarkOutboxPublished", []func() error{func() error {
			evs, err := s.ListPendingOutbox(ctx, 1)
			if err != nil || len(evs) == 0 {
				t.Fatalf("no pending event to publish: %v", err)
			}
			rec.Take()
			return s.MarkOutboxPublished(ctx, evs[0].ID)
		}}},
	}
	covered := map[string]bool{}
	for _, step := range script {
		covered[step.method] = true
		row, ok := rows[step.method]
		if !ok {
			t.Errorf("%s: no README row", step.method)
			continue
		}
		ops, idx := map[string]bool{}, map[string]bool{}
		for i, c := range step.calls {
			if err := c(); err != nil {
				t.Fatalf("%s call %d: %v", step.method, i, err)
			}
			for _, r := range rec.Take() {
				ops[r.Op], idx[r.Index] = true, true
				for _, pfx := range r.KeyPrefixes {
					if !strings.Contains(row.keys, "`"+pfx) {
						t.Errorf("%s touched key prefix %q, README row does not mention it", step.method, pfx)
					}
				}
			}
		}
		if got := sortedKeys(ops); !slices.Equal(got, row.ops) {
			t.Errorf("%s used operations %v, README lists %v", step.method, got, row.ops)
		}
		if got := sortedKeys(idx); !slices.Equal(got, row.indexes) {
			t.Errorf("%s used indexes %v, README lists %v", step.method, got, row.indexes)
		}
	}
	for name := range rows {
		if !covered[name] {
			t.Errorf("README row %s is not exercised by this test", name)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
