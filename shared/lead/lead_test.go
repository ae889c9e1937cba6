package lead

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/workhours"
)

func ip(i int) *int { return &i }

func testOrg() *domain.Org {
	rep := func(id, name, email, locale string) domain.Rep {
		return domain.Rep{ID: id, Name: name, Email: email, Active: true, Timezone: "Europe/Berlin", Role: domain.RoleSDR, Locale: locale}
	}
	return &domain.Org{
		Settings: domain.OrgSettings{Timezone: "Europe/Berlin", Locale: "en-US", EmailFrom: "dealflow <noreply@example.com>"},
		Segments: []domain.Segment{{ID: "enterprise", MinEmployees: 1000}},
		Reps: []domain.Rep{rep("jana", "Jana", "jana@example.com", "de-DE"), rep("tom", "Tom", "tom@example.com", "en-US"),
			rep("ops", "Ops", "ops@example.com", "en-US")},
		Routing: domain.Routing{
			Rules: []domain.RoutingRule{
				{ID: "sticky", Match: domain.RoutingMatch{ExistingAccount: true}, Action: domain.RoutingAction{AccountOwner: true}},
				{ID: "dach", Match: domain.RoutingMatch{Countries: []string{"DE", "AT", "CH"}}, Action: domain.RoutingAction{Pool: "dach-sdr"}},
			},
			Pools:    []domain.Pool{{ID: "dach-sdr", SkipOutOfOffice: true, Members: []domain.PoolMember{{Rep: "jana", Weight: 1}}}},
			Fallback: domain.RoutingFallback{Rep: "ops", Queue: "triage"},
		},
		Scoring: domain.ScoringModel{
			Fit:               []domain.FitRule{{ID: "enterprise", Points: 40, When: domain.Condition{Field: "employees", Gte: ip(1000)}}},
			Thresholds:        domain.ScoreThresholds{MQL: 30, SQL: 60},
			CompetitorDomains: []string{"rival.example"},
		},
	}
}

type fixture struct {
	svc    *Service
	deps   *platform.Deps
	outbox *notify.Outbox
	clock  *clock.Fake
}

// newFixture builds the lead service over SQLite, the mail outbox and a fake clock; edit may
// change the Deps (secrets, Slack, forms) before the service is built from them.
func newFixture(t *testing.T, edit ...func(*platform.Deps)) fixture {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "dealflow.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := notify.OpenOutbox(st.DB(), clk)
	if err != nil {
		t.Fatal(err)
	}
	d := &platform.Deps{Store: st, Org: testOrg(), Clock: clk, Mailer: ob, PhoneE164: phone.E164}
	for _, e := range edit {
		e(d)
	}
	return fixture{svc: New(d), deps: d, outbox: ob, clock: clk}
}

func (f fixture) lead(t *testing.T, l domain.Lead) domain.Lead {
	t.Helper()
	l.Status = domain.LeadNew
	l.CreatedAt = f.clock.Now()
	out, err := f.svc.Store.CreateLead(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLeadIsQualifiedRoutedAndOwnerNotifiedOnceWithTheWhy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l := f.lead(t, domain.Lead{ID: "l-1", Source: "api", Email: "max@mueller.de", Name: "Max <b>Müller</b>", Company: "Müller GmbH",
		Domain: "mueller.de", Country: "DE", Employees: 2500})
	q, err := f.svc.QualifyLead(ctx, LeadRef{LeadID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	if q != (Qualification{Status: "qualified", Grade: "mql", Score: 40}) {
		t.Fatalf("qualification = %+v", q)
	}
	for i := 0; i < 2; i++ { // a retried task changes nothing
		d, err := f.svc.RouteLead(ctx, LeadRef{LeadID: l.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d.OwnerID != "jana" || d.Rule != "dach" || d.Explanation != "rule dach → pool dach-sdr; Jana has 1 today at weight 1" {
			t.Fatalf("decision = %+v", d)
		}
		if _, err := f.svc.NotifyOwner(ctx, LeadRef{LeadID: l.ID}); err != nil {
			t.Fatal(err)
		}
	}
	counters, _ := f.svc.Store.GetCounters(ctx, "route:dach-sdr:jana:d:2026-11-26")
	if counters["route:dach-sdr:jana:d:2026-11-26"] != 1 {
		t.Fatalf("routing ledger charged %v times; want once", counters)
	}
	msgs, _ := f.outbox.List(ctx, "", 10)
	if len(msgs) != 1 {
		t.Fatalf("outbox has %d messages, want exactly 1", len(msgs))
	}
	m := msgs[0].Message
	if m.To[0] != "jana@example.com" || m.Subject != "Neuer Lead für dich: Max <b>Müller</b> (Müller GmbH) (MQL, Score 40)" {
		t.Fatalf("message to %v subject %q", m.To, m.Subject)
	}
	if strings.Contains(m.HTML, "<b>Müller</b>") || !strings.Contains(m.HTML, "Max &lt;b&gt;Müller&lt;/b&gt;") {
		t.Fatal("the lead's name must be HTML-escaped in the email")
	}
	for _, want := range []string{"+40 employees ≥ 1000 (rule enterprise)", "rule dach → pool dach-sdr; Jana has 1 today at weight 1", "Warum du"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, m.Text)
		}
	}
}

func TestCompetitorIsDisqualifiedWithReason(t *testing.T) {
	f := newFixture(t)
	l := f.lead(t, domain.Lead{ID: "l-2", Email: "spy@rival.example", Domain: "rival.example", Country: "DE"})
	q, err := f.svc.QualifyLead(context.Background(), LeadRef{LeadID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != "disqualified" || !strings.Contains(q.Reason, "competitor") {
		t.Fatalf("qualification = %+v", q)
	}
}

func TestAccountOwnerIsStickyThroughParentDomain(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Store.CreateAccount(ctx, domain.Account{ID: "a-1", Domain: "acme.com", Name: "Acme", OwnerID: "tom"}); err != nil {
		t.Fatal(err)
	}
	l := f.lead(t, domain.Lead{ID: "l-3", Email: "x@emea.acme.com", Domain: "emea.acme.com", Company: "Acme", Country: "DE"})
	f.svc.QualifyLead(ctx, LeadRef{LeadID: l.ID})
	d, err := f.svc.RouteLead(ctx, LeadRef{LeadID: l.ID})
	if err != nil || d.OwnerID != "tom" || d.Rule != "sticky" {
		t.Fatalf("decision = %+v, %v", d, err)
	}
}

func TestUnroutableLeadGoesToQueueAndFallbackRepHears(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l := f.lead(t, domain.Lead{ID: "l-4", Email: "a@b.fr", Domain: "b.fr", Country: "FR"})
	f.svc.QualifyLead(ctx, LeadRef{LeadID: l.ID})
	d, _ := f.svc.RouteLead(ctx, LeadRef{LeadID: l.ID})
	if d.OwnerID != "ops" || d.Rule != "fallback" {
		t.Fatalf("decision = %+v", d)
	}
	f2 := newFixture(t)
	l2 := f2.lead(t, domain.Lead{ID: "l-5", Email: "a@b.fr", Domain: "b.fr"})
	if _, err := f2.svc.LeadFallback(ctx, FallbackInput{LeadID: l2.ID, Error: "ErrStoreUnavailable", Cause: "disk full"}); err != nil {
		t.Fatal(err)
	}
	got, _ := f2.svc.Store.GetLead(ctx, l2.ID)
	if got.Queue != "triage" || got.Status != domain.LeadRouted {
		t.Fatalf("lead after fallback = %+v", got)
	}
	msgs, _ := f2.outbox.List(ctx, "ops@example.com", 10)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Message.Text, "ErrStoreUnavailable") {
		t.Fatalf("fallback alert = %+v", msgs)
	}
}

func TestMissingLeadIsANamedErrorForTheWorkflow(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.QualifyLead(context.Background(), LeadRef{LeadID: "nope"})
	var nf platform.ErrLeadNotFound
	if !errors.As(err, &nf) || nf.ID != "nope" {
		t.Fatalf("err = %v", err)
	}
}

func TestConcurrentRoutingOfOneLeadChargesTheLedgerOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	l := f.lead(t, domain.Lead{ID: "l-6", Email: "a@c.de", Domain: "c.de", Country: "DE"})
	f.svc.QualifyLead(ctx, LeadRef{LeadID: l.ID})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.svc.RouteLead(ctx, LeadRef{LeadID: l.ID}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	c, _ := f.svc.Store.GetCounters(ctx, "route:dach-sdr:jana:d:2026-11-26")
	if c["route:dach-sdr:jana:d:2026-11-26"] != 1 {
		t.Fatalf("ledger = %v, want 1", c)
	}
}

func TestWorkingHoursAvailability(t *testing.T) {
	org := testOrg()
	org.Reps[0].WorkingHours = domain.WorkingHours{Mon: domain.DayHours{{Start: 9 * 60, End: 17 * 60}}}
	avail := workhours.Availability(org)
	mon10 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // 10:00 in Berlin
	mon18 := time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC)
	if !avail(&org.Reps[0], mon10) || avail(&org.Reps[0], mon18) {
		t.Fatal("Jana works Mondays 9-17 Berlin time")
	}
}

type slackRec struct{ msgs []notify.SlackMessage }

func (s *slackRec) Post(_ context.Context, m notify.SlackMessage) error {
	s.msgs = append(s.msgs, m)
	return nil
}

func TestOwnerWithSlackIDIsAlsoToldOnSlack(t *testing.T) {
	rec := &slackRec{}
	f := newFixture(t, func(d *platform.Deps) {
		d.Slack = rec
		d.Org.Reps[0].SlackID = "U42"
	})
	ctx := context.Background()
	l := f.lead(t, domain.Lead{ID: "l-9", Email: "a@d.de", Domain: "d.de", Country: "DE"})
	f.svc.QualifyLead(ctx, LeadRef{LeadID: l.ID})
	f.svc.RouteLead(ctx, LeadRef{LeadID: l.ID})
	if _, err := f.svc.NotifyOwner(ctx, LeadRef{LeadID: l.ID}); err != nil {
		t.Fatal(err)
	}
	if len(rec.msgs) != 1 || rec.msgs[0].Mention != "U42" || !strings.Contains(rec.msgs[0].Text, "Warum du: rule dach") {
		t.Fatalf("slack = %+v", rec.msgs)
	}
}

// A lead from a domain of a competitor in the org file's competitor list is disqualified like
// one from scoring.competitor_domains.
func TestListedCompetitorDomainIsDisqualified(t *testing.T) {
	f := newFixture(t, func(d *platform.Deps) {
		d.Org.Competitors = []domain.Competitor{{ID: "fab", Name: "Fabrikam", Domains: []string{"fabrikam.example"}}}
	})
	l := f.lead(t, domain.Lead{ID: "l-9", Email: "eve@fabrikam.example", Domain: "fabrikam.example", Country: "DE"})
	q, err := f.svc.QualifyLead(context.Background(), LeadRef{LeadID: l.ID})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != "disqualified" || !strings.Contains(q.Reason, "competitor") {
		t.Fatalf("qualification = %+v", q)
	}
}
