package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/sqlite"
	"github.com/dealflow/dealflow/shared/workhours"
)

// fakeWorkflow records what the handoff code asks of the engine.
type fakeWorkflow struct {
	mu      sync.Mutex
	started []string
	success map[string]string // token → output
}

func (w *fakeWorkflow) StartExecution(_ context.Context, machine, name, input string) (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.started = append(w.started, machine+"/"+name+" "+input)
	return "arn:" + name, nil
}

func (w *fakeWorkflow) SendTaskSuccess(_ context.Context, token, output string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.success == nil {
		w.success = map[string]string{}
	}
	w.success[token] = output
	return nil
}
func (w *fakeWorkflow) SendTaskFailure(context.Context, string, string, string) error { return nil }
func (w *fakeWorkflow) SendTaskHeartbeat(context.Context, string) error               { return nil }

type fakeSlack struct{ posts []notify.SlackMessage }

func (s *fakeSlack) Post(_ context.Context, m notify.SlackMessage) error {
	s.posts = append(s.posts, m)
	return nil
}

type handoffFixture struct {
	d      *Service
	clock  *clock.Fake
	wf     *fakeWorkflow
	slack  *fakeSlack
	outbox *notify.Outbox
}

var tzBerlin, _ = time.LoadLocation("Europe/Berlin")

func newHandoffFixture(t *testing.T, at time.Time, edit func(*domain.Org)) *handoffFixture {
	t.Helper()
	org, err := config.Load("../../examples/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(org)
	}
	clk := clock.NewFake(at)
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "dealflow.db"), sqlite.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := notify.OpenOutbox(st.DB(), clk)
	if err != nil {
		t.Fatal(err)
	}
	f := &handoffFixture{clock: clk, wf: &fakeWorkflow{}, slack: &fakeSlack{}, outbox: ob}
	f.d = New(&platform.Deps{Store: st, Org: org, Clock: clk, Mailer: ob, Workflow: f.wf, Slack: f.slack, Available: workhours.Availability(org),
		LinkKey: []byte("0123456789abcdef0123456789abcdef")})
	return f
}

func (f *handoffFixture) lead(t *testing.T, l domain.Lead) domain.Lead {
	t.Helper()
	l.Status, l.CreatedAt = domain.LeadRouted, f.clock.Now()
	if l.Country == "" {
		l.Country = "DE"
	}
	got, err := f.d.Store.CreateLead(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var bant = domain.QualificationNotes{Fields: map[string]string{"budget": "40k", "authority": "CFO", "need": "reporting", "timeline": "Q1"}}

func (f *handoffFixture) request(t *testing.T, leadID string) domain.Handoff {
	t.Helper()
	h, created, err := f.d.RequestHandoff(context.Background(), leadID, HandoffRequest{SDRID: "jonas-becker", Notes: bant})
	if err != nil || !created {
		t.Fatalf("request: %v created=%v", err, created)
	}
	return h
}

func TestHandoffFieldsFollowTheOrgFramework(t *testing.T) {
	tests := []struct {
		name      string
		framework string
		custom    []string
		fields    map[string]string
		want      []string
	}{
		{"bant complete", "", nil, bant.Fields, nil},
		{"bant missing two", "", nil, map[string]string{"budget": "40k", "need": "x"}, []string{"notes.fields.authority", "notes.fields.timeline"}},
		{"meddic", domain.QualificationMEDDIC, nil, bant.Fields, []string{"notes.fields.metrics", "notes.fields.economic_buyer",
			"notes.fields.decision_criteria", "notes.fields.decision_process", "notes.fields.identify_pain", "notes.fields.champion"}},
		{"custom", domain.QualificationCustom, []string{"use_case"}, map[string]string{"use_case": " "}, []string{"notes.fields.use_case"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newHandoffFixture(t, time.Date(2026, 11, 2, 10, 0, 0, 0, tzBerlin), func(o *domain.Org) {
				o.Handoff.Qualification, o.Handoff.RequiredFields = tc.framework, tc.custom
			})
			l := f.lead(t, domain.Lead{ID: "lead_1", Email: "a@firma.de", Company: "Firma"})
			_, _, err := f.d.RequestHandoff(context.Background(), l.ID, HandoffRequest{SDRID: "jonas-becker", Notes: domain.QualificationNotes{Fields: tc.fields}})
			var herr *httpapi.Error
			var got []string
			if errors.As(err, &herr) {
				if herr.Status != http.StatusBadRequest {
					t.Fatalf("status %d", herr.Status)
				}
				for _, fe := range herr.Fields {
					got = append(got, fe.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Fatalf("missing %v, want %v", got, tc.want)
			}
			if len(tc.want) == 0 && len(f.wf.started) != 1 {
				t.Fatalf("started %v", f.wf.started)
			}
		})
	}
}

// The SLA runs in the AE's business hours and is handed to the workflow as seconds from now.
func TestHandoffAssignmentPicksTheAEAndConvertsTheSLA(t *testing.T) {
	tests := []struct {
		name    string
		at      time.Time
		owner   string // account owner of the lead's domain
		wantAE  string
		wantDue time.Time
	}{
		{"pool by weight, same day", time.Date(2026, 11, 2, 10, 0, 0, 0, tzBerlin), "", "max-hoffmann", time.Date(2026, 11, 2, 14, 0, 0, 0, tzBerlin)},
		{"friday 16:00 lands on monday 12:00", time.Date(2026, 11, 6, 16, 0, 0, 0, tzBerlin), "", "max-hoffmann", time.Date(2026, 11, 9, 12, 0, 0, 0, tzBerlin)},
		{"over the DST change", time.Date(2026, 10, 23, 16, 0, 0, 0, tzBerlin), "", "max-hoffmann", time.Date(2026, 10, 26, 12, 0, 0, 0, tzBerlin)},
		{"account owner first, in her own zone and holidays", time.Date(2026, 10, 23, 16, 0, 0, 0, tzBerlin), "sophie-wagner", "sophie-wagner",
			time.Date(2026, 10, 27, 12, 0, 0, 0, tzBerlin)}, // Vienna: 26 Oct is Nationalfeiertag
		{"saturday: the pool outside working hours, due monday", time.Date(2026, 11, 7, 11, 0, 0, 0, tzBerlin), "", "max-hoffmann", time.Date(2026, 11, 9, 13, 0, 0, 0, tzBerlin)},
		{"account owner out of office: the pool", time.Date(2026, 11, 17, 10, 0, 0, 0, tzBerlin), "anna-weber", "max-hoffmann", time.Date(2026, 11, 17, 14, 0, 0, 0, tzBerlin)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newHandoffFixture(t, tc.at, nil)
			ctx := context.Background()
			l := domain.Lead{ID: "lead_1", Email: "a@firma.de", Company: "Firma", Domain: "firma.de"}
			if tc.owner != "" {
				a, err := f.d.Store.CreateAccount(ctx, domain.Account{ID: "acc_1", Domain: "firma.de", Name: "Firma", OwnerID: tc.owner})
				if err != nil {
					t.Fatal(err)
				}
				l.AccountID = a.ID
			}
			l = f.lead(t, l)
			h := f.request(t, l.ID)
			got, err := f.d.AssignHandoff(ctx, HandoffRef{HandoffID: h.ID})
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != "assigned" || got.AEID != tc.wantAE || !got.SLADueAt.Equal(tc.wantDue) {
				t.Fatalf("got %s %s due %s, want %s due %s", got.Status, got.AEID, got.SLADueAt.In(tzBerlin), tc.wantAE, tc.wantDue)
			}
			if want := int64(tc.wantDue.Sub(tc.at) / time.Second); got.SLASeconds != want {
				t.Fatalf("slaSeconds %d, want %d", got.SLASeconds, want)
			}
			// A retried assignment asks nobody new.
			again, err := f.d.AssignHandoff(ctx, HandoffRef{HandoffID: h.ID})
			if err != nil || again.AEID != got.AEID || again.Attempt != 1 {
				t.Fatalf("retry %+v %v", again, err)
			}
		})
	}
}

// An answer recorded before the asking task stored its token (a click racing the task) reaches
// the workflow anyway: the task finds it and completes its own wait, without sending the ask.
func TestHandoffAnswerBeforeTheTokenIsStoredStillReachesTheWorkflow(t *testing.T) {
	f := newHandoffFixture(t, time.Date(2026, 11, 2, 10, 0, 0, 0, tzBerlin), nil)
	ctx := context.Background()
	h := f.request(t, f.lead(t, domain.Lead{ID: "lead_1", Email: "a@firma.de", Company: "Firma"}).ID)
	as, err := f.d.AssignHandoff(ctx, HandoffRef{HandoffID: h.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.answerHandoff(ctx, h.ID, 1, as.AEID, OutcomeAccepted, ""); err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("t", 40)
	if _, err := f.d.NotifyHandoffAE(ctx, HandoffWait{TaskToken: token, HandoffID: h.ID, Attempt: 1, ExpiresAt: as.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	var ans HandoffAnswer
	if err := json.Unmarshal([]byte(f.wf.success[token]), &ans); err != nil || ans.Outcome != OutcomeAccepted || ans.AEID != "max-hoffmann" {
		t.Fatalf("workflow told %q (%v)", f.wf.success[token], err)
	}
	if n, _ := f.outbox.Count(ctx); n != 0 {
		t.Fatalf("%d emails for an already answered handoff", n)
	}
}

// The ask goes out in the AE's language with the SDR's notes, signed links and no token; Slack
// gets it too for AEs with a Slack id.
func TestHandoffAskEmailAndSlack(t *testing.T) {
	f := newHandoffFixture(t, time.Date(2026, 10, 23, 16, 0, 0, 0, tzBerlin), nil)
	ctx := context.Background()
	a, _ := f.d.Store.CreateAccount(ctx, domain.Account{ID: "acc_1", Domain: "firma.de", Name: "Firma", OwnerID: "anna-weber"})
	h := f.request(t, f.lead(t, domain.Lead{ID: "lead_1", Email: "a@firma.de", Name: "Eva Klein", Company: "Firma", Domain: "firma.de", AccountID: a.ID}).ID)
	as, err := f.d.AssignHandoff(ctx, HandoffRef{HandoffID: h.ID})
	if err != nil || as.AEID != "anna-weber" {
		t.Fatalf("%+v %v", as, err)
	}
	token := strings.Repeat("x", 40)
	if _, err := f.d.NotifyHandoffAE(ctx, HandoffWait{TaskToken: token, HandoffID: h.ID, Attempt: 1, ExpiresAt: as.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	ms, _ := f.outbox.List(ctx, "anna.weber@northwind.example", 10)
	if len(ms) != 1 {
		t.Fatalf("%d emails", len(ms))
	}
	m := ms[0].Message
	if want := "Übergabe an dich: Eva Klein (Firma) (von Jonas Becker)"; m.Subject != want {
		t.Fatalf("subject %q, want %q", m.Subject, want)
	}
	for _, want := range []string{"Entscheidungsbefugnis: CFO", "Zeitrahmen: Q1", "bis Mo., 26. Okt., 12:00 CET", "Annehmen: https://dealflow.northwind.example/v1/handoffs/" + h.ID + "/accept?",
		"Ablehnen: https://dealflow.northwind.example/v1/handoffs/" + h.ID + "/decline?"} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("email lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, token) || strings.Contains(m.HTML, token) {
		t.Fatal("task token in the email")
	}
	if len(f.slack.posts) != 1 || f.slack.posts[0].Mention != "U02AWEBER01" || !strings.Contains(f.slack.posts[0].Text, "/accept?") {
		t.Fatalf("slack %+v", f.slack.posts)
	}
	// Idempotent: a retried task sends nothing more.
	if _, err := f.d.NotifyHandoffAE(ctx, HandoffWait{TaskToken: strings.Repeat("y", 40), HandoffID: h.ID, Attempt: 1, ExpiresAt: as.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.outbox.Count(ctx); n != 1 {
		t.Fatalf("%d emails after a retry", n)
	}
	cur, _ := f.d.Store.GetHandoff(ctx, h.ID)
	if cur.Attempts[0].TaskToken != strings.Repeat("y", 40) {
		t.Fatal("the retried task's token is not the one kept")
	}
}
