package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/handoff"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workhours"
)

// The SDR→AE handoff end to end on the sample org (examples/org.yaml: handoff SLA 4 business
// hours, second window 4, manager copied; DACH AEs Max (weight 3), Anna (2), Sophie (1) in the
// dach-ae pool, which respects working hours; Katrin manages them). The fake clock starts on
// Monday 2 Nov 2026 10:00 Berlin, so the SLA is due at 14:00 and the second window ends Tuesday
// 10:00 (the working day ends at 17:00).

const handoffSecret = "lead-secret"

func handoffEnv(name string) string {
	return map[string]string{"DEALFLOW_LEADS_SECRET": handoffSecret}[name]
}

var hoBerlin, _ = time.LoadLocation("Europe/Berlin")

type handoffRun struct {
	t     *testing.T
	rt    *Runtime
	srv   *httptest.Server
	fake  *clock.Fake
	ctx   context.Context
	stop  func()
	token string
}

func startHandoffRuntime(t *testing.T, db string, fake *clock.Fake) *handoffRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "../../examples/org.yaml", DBPath: db, Env: handoffEnv, Clock: fake, Log: discardLogger()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if len(rt.Deps.LinkKey) == 0 {
		t.Fatal("the runtime has no link key: emails would carry no accept/decline links")
	}
	if err := rt.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := newServer(rt)
	f := &handoffRun{t: t, rt: rt, srv: srv, fake: fake, ctx: context.Background()}
	stopped := false
	f.stop = func() {
		if !stopped {
			stopped = true
			srv.Close()
			cancel()
			rt.Close()
		}
	}
	t.Cleanup(f.stop)
	return f
}

func newHandoffRun(t *testing.T) *handoffRun {
	t.Helper()
	fake := clock.NewFake(time.Date(2026, 11, 2, 10, 0, 0, 0, hoBerlin))
	return startHandoffRuntime(t, filepath.Join(t.TempDir(), "dealflow.db"), fake)
}

// signed sends a request with an integration's API token (created on first use; it stays in the
// store across restarts of the runtime).
func (f *handoffRun) signed(method, path, body string) (int, map[string]any) {
	f.t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if f.token == "" {
		f.token = integrationToken(f.t, f.rt.Store)
	}
	req.Header.Set("Authorization", "Bearer "+f.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// lead posts a small German lead (routed to a DACH SDR) and waits until it is routed.
func (f *handoffRun) lead(n int) string {
	f.t.Helper()
	code, out := f.signed(http.MethodPost, "/v1/leads", fmt.Sprintf(`{"email":"kontakt%d@firma%d.de","name":"Kontakt %d","company":"Firma %d GmbH","country":"DE","employees":80}`, n, n, n, n))
	if code != http.StatusAccepted {
		f.t.Fatalf("lead answered %d %v", code, out)
	}
	id, _ := out["id"].(string)
	waitFor(f.t, "lead routed", func() bool {
		l, err := f.rt.Store.GetLead(f.ctx, id)
		return err == nil && l.Status == domain.LeadRouted
	})
	return id
}

const bantNotes = `{"fields":{"budget":"40k EUR","authority":"CFO signs","need":"replace spreadsheets","timeline":"Q1"},"text":"Demo went well."}`

func (f *handoffRun) handoff(leadID string) string {
	f.t.Helper()
	code, out := f.signed(http.MethodPost, "/v1/leads/"+leadID+"/handoff", `{"sdrId":"jonas-becker","notes":`+bantNotes+`}`)
	if code != http.StatusAccepted {
		f.t.Fatalf("handoff answered %d %v", code, out)
	}
	return out["id"].(string)
}

func (f *handoffRun) get(id string) domain.Handoff {
	f.t.Helper()
	h, err := f.rt.Store.GetHandoff(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

// asked waits until attempt n waits for its AE (the task token is stored) and, with reminded,
// until the reminder went out too.
func (f *handoffRun) asked(id string, n int, reminded bool) domain.HandoffAttempt {
	f.t.Helper()
	var a domain.HandoffAttempt
	waitFor(f.t, fmt.Sprintf("attempt %d of %s waiting (reminded=%v)", n, id, reminded), func() bool {
		h := f.get(id)
		if len(h.Attempts) < n {
			return false
		}
		a = h.Attempts[n-1]
		return a.TaskToken != "" && (!reminded || a.RemindedAt != nil) && f.mailCount(id, n, reminded) > 0
	})
	return a
}

func (f *handoffRun) mails(to string) []notify.StoredMessage {
	f.t.Helper()
	ms, err := f.rt.Outbox.List(f.ctx, to, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

// mailCount counts the ask (or reminder) emails of attempt n.
func (f *handoffRun) mailCount(id string, n int, reminder bool) int {
	key := fmt.Sprintf("handoff-ask:%s:%d", id, n)
	if reminder {
		key = fmt.Sprintf("handoff-remind:%s:%d", id, n)
	}
	c := 0
	for _, m := range f.mails("") {
		if m.Message.IdempotencyKey == key {
			c++
		}
	}
	return c
}

func (f *handoffRun) mail(key string) notify.StoredMessage {
	f.t.Helper()
	var out notify.StoredMessage
	waitFor(f.t, "mail "+key, func() bool {
		for _, m := range f.mails("") {
			if m.Message.IdempotencyKey == key {
				out = m
				return true
			}
		}
		return false
	})
	return out
}

var linkRE = regexp.MustCompile(`https?://\S+/v1/handoffs/\S+/(accept|decline)\?\S+`)

// linksOf returns the Accept and Decline links of an email, pointed at the test server.
func (f *handoffRun) linksOf(m notify.StoredMessage) (accept, decline string) {
	f.t.Helper()
	for _, u := range linkRE.FindAllString(m.Message.Text, -1) {
		p, err := url.Parse(u)
		if err != nil {
			f.t.Fatal(err)
		}
		local := f.srv.URL + p.RequestURI()
		if strings.HasSuffix(p.Path, "/accept") {
			accept = local
		} else {
			decline = local
		}
	}
	if accept == "" || decline == "" {
		f.t.Fatalf("no accept/decline links in:\n%s", m.Message.Text)
	}
	if !strings.Contains(m.Message.HTML, "/accept?") || strings.Contains(m.Message.Text, "taskToken") {
		f.t.Fatalf("links missing from the HTML, or a token in the text")
	}
	return accept, decline
}

func (f *handoffRun) click(method, link string, form url.Values) (int, string) {
	f.t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodGet {
		res, err = http.Get(link)
	} else {
		res, err = http.PostForm(link, form)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// advanceTo moves the fake clock to t.
func (f *handoffRun) advanceTo(t time.Time) {
	if d := t.Sub(f.fake.Now()); d > 0 {
		f.fake.Advance(d)
	}
}

func (f *handoffRun) execution(id string) (status string) {
	f.t.Helper()
	xs, err := f.rt.Engine.ListExecutions(f.ctx, f.rt.Machine[handoff.HandoffMachine].ARN, "")
	if err != nil {
		f.t.Fatal(err)
	}
	for _, x := range xs {
		if x.Name == id {
			return x.Status
		}
	}
	return ""
}

func (f *handoffRun) ended(id, want string) {
	f.t.Helper()
	waitFor(f.t, "execution "+id+" "+want, func() bool { s := f.execution(id); return s != "" && s != "RUNNING" })
	if got := f.execution(id); got != want {
		f.t.Fatalf("execution %s is %s, want %s", id, got, want)
	}
}

// events counts the archived bus events of a detail type about handoff id.
func (f *handoffRun) events(detailType, id string) []map[string]any {
	f.t.Helper()
	arch, err := f.rt.Bus.Archive(f.ctx, f.fake.Now().Add(-30*24*time.Hour), f.fake.Now().Add(time.Hour), 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []map[string]any
	for _, a := range arch {
		var env struct {
			DetailType string         `json:"detail-type"`
			Detail     map[string]any `json:"detail"`
		}
		_ = json.Unmarshal(a.Envelope, &env)
		if env.DetailType == detailType && env.Detail["handoffId"] == id {
			out = append(out, env.Detail)
		}
	}
	return out
}

func (f *handoffRun) waitEvents(detailType, id string, n int) []map[string]any {
	f.t.Helper()
	var evs []map[string]any
	waitFor(f.t, fmt.Sprintf("%d %s events", n, detailType), func() bool { evs = f.events(detailType, id); return len(evs) >= n })
	return evs
}

func outcomes(h domain.Handoff) string {
	var s []string
	for _, a := range h.Attempts {
		s = append(s, a.AEID+":"+string(a.Outcome))
	}
	return strings.Join(s, ",")
}

func TestHandoffAcceptedInTimeOverHTTPCreatesTheDeal(t *testing.T) {
	f := newHandoffRun(t)
	id := f.handoff(f.lead(1))
	a := f.asked(id, 1, false)
	if a.AEID != "max-hoffmann" {
		t.Fatalf("asked %s, want max-hoffmann (highest weight in dach-ae)", a.AEID)
	}
	if want := time.Date(2026, 11, 2, 14, 0, 0, 0, hoBerlin); !a.SLADueAt.Equal(want) {
		t.Fatalf("SLA due %s, want %s (4 business hours)", a.SLADueAt.In(hoBerlin), want)
	}
	ask := f.mail(fmt.Sprintf("handoff-ask:%s:1", id))
	if ask.Message.To[0] != "max.hoffmann@northwind.example" || !strings.Contains(ask.Message.Text, "40k EUR") || !strings.Contains(ask.Message.Text, "Demo went well.") {
		t.Fatalf("ask email: %v\n%s", ask.Message.To, ask.Message.Text)
	}
	if strings.Contains(ask.Message.Text, a.TaskToken) || strings.Contains(ask.Message.HTML, a.TaskToken) {
		t.Fatal("the task token is in the email")
	}
	accept, _ := f.linksOf(ask)

	// GET shows a confirmation page and changes nothing (mail scanners).
	code, body := f.click(http.MethodGet, accept, nil)
	if code != http.StatusOK || !strings.Contains(body, "<form method=\"post\"") {
		t.Fatalf("GET accept: %d %s", code, body)
	}
	if h := f.get(id); h.Status != domain.HandoffRequested {
		t.Fatalf("GET changed the handoff: %s", h.Status)
	}
	f.advanceTo(time.Date(2026, 11, 2, 11, 30, 0, 0, hoBerlin))
	code, body = f.click(http.MethodPost, accept, nil)
	if code != http.StatusOK || !strings.Contains(body, "angenommen") {
		t.Fatalf("POST accept: %d %s", code, body)
	}
	f.ended(id, "SUCCEEDED")
	h := f.get(id)
	if h.Status != domain.HandoffAccepted || h.AcceptedBy != "max-hoffmann" || h.DealID == "" {
		t.Fatalf("handoff %+v", h)
	}
	deal, err := f.rt.Store.GetDeal(f.ctx, h.DealID)
	if err != nil {
		t.Fatal(err)
	}
	if deal.OwnerID != "max-hoffmann" || deal.Stage != "discovery" || deal.SDRNotes.Fields["budget"] != "40k EUR" || deal.HandoffID != id || deal.SDRID != "jonas-becker" {
		t.Fatalf("deal %+v", deal)
	}
	// The deal is in the org currency (so the digests count it) and the lead is converted into it.
	if deal.Amount.Currency != "EUR" {
		t.Fatalf("deal of an accepted handoff has currency %q, want the org's EUR", deal.Amount.Currency)
	}
	if l, err := f.rt.Store.GetLead(f.ctx, h.LeadID); err != nil || l.Status != domain.LeadConverted || l.DealID != deal.ID {
		t.Fatalf("lead after accept: %s %q %v", l.Status, l.DealID, err)
	}
	if ev := f.waitEvents("Handoff Accepted", id, 1); ev[0]["dealId"] != deal.ID || ev[0]["aeId"] != "max-hoffmann" {
		t.Fatalf("Handoff Accepted %v", ev)
	}
	if n := len(f.waitEvents("Handoff Requested", id, 1)); n != 1 {
		t.Fatalf("%d Handoff Requested", n)
	}
	f.mail("handoff-accepted:" + id) // the SDR is told

	// A second click says who accepted when (Max reads German, in Berlin time).
	code, body = f.click(http.MethodPost, accept, nil)
	if code != http.StatusConflict || !strings.Contains(body, "bereits von Max Hoffmann am Mo., 2. Nov., 11:30 CET angenommen") {
		t.Fatalf("second click: %d %s", code, body)
	}
	if code, body = f.click(http.MethodGet, accept, nil); code != http.StatusConflict || !strings.Contains(body, "Max Hoffmann") {
		t.Fatalf("GET after accept: %d %s", code, body)
	}
	// A tampered link is refused.
	if code, _ = f.click(http.MethodPost, strings.Replace(accept, "attempt=1", "attempt=2", 1), nil); code != http.StatusForbidden {
		t.Fatalf("tampered link: %d", code)
	}
	if n := f.mailCount(id, 1, true); n != 0 {
		t.Fatalf("%d reminders after an accept in time", n)
	}
}

func TestHandoffRequestValidation(t *testing.T) {
	f := newHandoffRun(t)
	leadID := f.lead(2)
	tests := []struct {
		name, path, body string
		want             int
		fields           []string
	}{
		{"every missing BANT field and the SDR", "/v1/leads/" + leadID + "/handoff", `{"notes":{"fields":{"budget":"10k","need":"  "}}}`,
			http.StatusBadRequest, []string{"sdrId", "notes.fields.authority", "notes.fields.need", "notes.fields.timeline"}},
		{"unknown SDR", "/v1/leads/" + leadID + "/handoff", `{"sdrId":"nobody","notes":` + bantNotes + `}`, http.StatusBadRequest, []string{"sdrId"}},
		{"unknown field", "/v1/leads/" + leadID + "/handoff", `{"sdrId":"jonas-becker","notes":` + bantNotes + `,"ae":"x"}`, http.StatusBadRequest, []string{"ae"}},
		{"unknown lead", "/v1/leads/lead_nope/handoff", `{"sdrId":"jonas-becker","notes":` + bantNotes + `}`, http.StatusNotFound, nil},
		{"accepted", "/v1/leads/" + leadID + "/handoff", `{"sdrId":"jonas-becker","notes":` + bantNotes + `}`, http.StatusAccepted, nil},
		{"the same request again", "/v1/leads/" + leadID + "/handoff", `{"sdrId":"jonas-becker","notes":` + bantNotes + `}`, http.StatusOK, nil},
		{"another handoff while one is open", "/v1/leads/" + leadID + "/handoff", `{"sdrId":"lena-schmidt","notes":` + bantNotes + `}`, http.StatusConflict, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out := f.signed(http.MethodPost, tc.path, tc.body)
			if code != tc.want {
				t.Fatalf("answered %d %v, want %d", code, out, tc.want)
			}
			var got []string
			if e, ok := out["error"].(map[string]any); ok {
				fs, _ := e["fields"].([]any)
				for _, x := range fs {
					got = append(got, x.(map[string]any)["field"].(string))
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("fields %v, want %v", got, tc.fields)
			}
		})
	}
	// Unsigned requests are refused.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/v1/leads/"+leadID+"/handoff", strings.NewReader(`{}`))
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %v %v", res.StatusCode, err)
	}
	// One workflow per handoff, whatever the retries.
	hs, _, err := f.rt.Store.ListHandoffsByLead(f.ctx, leadID, store.Page{})
	if err != nil || len(hs) != 1 {
		t.Fatalf("handoffs %v %v", hs, err)
	}
	f.asked(hs[0].ID, 1, false)
	if n := f.mailCount(hs[0].ID, 1, false); n != 1 {
		t.Fatalf("%d ask emails", n)
	}
}

func TestHandoffDeclinedGoesToTheNextAEAndTellsTheSDR(t *testing.T) {
	f := newHandoffRun(t)
	id := f.handoff(f.lead(3))
	f.asked(id, 1, false)
	_, decline := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:1", id)))
	if code, body := f.click(http.MethodGet, decline, nil); code != http.StatusOK || !strings.Contains(body, `name="reason"`) {
		t.Fatalf("GET decline: %d %s", code, body)
	}
	if code, body := f.click(http.MethodPost, decline, url.Values{"reason": {"  "}}); code != http.StatusBadRequest || !strings.Contains(body, "Grund") {
		t.Fatalf("decline without reason: %d %s", code, body)
	}
	if h := f.get(id); outcomes(h) != "max-hoffmann:" {
		t.Fatalf("a decline without reason changed the handoff: %s", outcomes(h))
	}
	f.advanceTo(time.Date(2026, 11, 2, 10, 20, 0, 0, hoBerlin))
	if code, body := f.click(http.MethodPost, decline, url.Values{"reason": {"existing customer of mine in another unit"}}); code != http.StatusOK {
		t.Fatalf("decline: %d %s", code, body)
	}
	a2 := f.asked(id, 2, false)
	if a2.AEID != "anna-weber" {
		t.Fatalf("next AE %s, want anna-weber", a2.AEID)
	}
	if ev := f.waitEvents("Handoff Declined", id, 1); ev[0]["aeId"] != "max-hoffmann" || ev[0]["reason"] != "existing customer of mine in another unit" {
		t.Fatalf("Handoff Declined %v", ev)
	}
	news := f.mail(fmt.Sprintf("handoff-declined:%s:1", id))
	if news.Message.To[0] != "jonas.becker@northwind.example" || !strings.Contains(news.Message.Text, "existing customer of mine") {
		t.Fatalf("SDR news %v %s", news.Message.To, news.Message.Text)
	}
	if code, body := f.click(http.MethodPost, decline, url.Values{"reason": {"again"}}); code != http.StatusConflict || !strings.Contains(body, "bereits von Max Hoffmann am Mo., 2. Nov., 10:20 CET abgelehnt") {
		t.Fatalf("second decline: %d %s", code, body)
	}
	accept, _ := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:2", id)))
	if code, _ := f.click(http.MethodPost, accept, nil); code != http.StatusOK {
		t.Fatalf("Anna's accept: %d", code)
	}
	f.ended(id, "SUCCEEDED")
	h := f.get(id)
	deal, err := f.rt.Store.GetDeal(f.ctx, h.DealID)
	if err != nil || deal.OwnerID != "anna-weber" || outcomes(h) != "max-hoffmann:declined,anna-weber:accepted" {
		t.Fatalf("deal %+v %v, handoff %s", deal, err, outcomes(h))
	}
	if n := len(f.waitEvents("Handoff Requested", id, 2)); n != 2 {
		t.Fatalf("%d Handoff Requested, want one per AE asked", n)
	}
}

func TestHandoffRemindedThenAccepted(t *testing.T) {
	f := newHandoffRun(t)
	id := f.handoff(f.lead(4))
	a := f.asked(id, 1, false)
	f.advanceTo(a.SLADueAt.Add(-time.Minute))
	time.Sleep(50 * time.Millisecond)
	if n := f.mailCount(id, 1, true); n != 0 {
		t.Fatalf("reminded before the SLA: %d", n)
	}
	f.advanceTo(a.SLADueAt.Add(time.Second))
	f.asked(id, 1, true)
	rem := f.mail(fmt.Sprintf("handoff-remind:%s:1", id))
	if rem.Message.To[0] != "max.hoffmann@northwind.example" || len(rem.Message.Cc) != 1 || rem.Message.Cc[0] != "katrin.mueller@northwind.example" {
		t.Fatalf("reminder to %v cc %v", rem.Message.To, rem.Message.Cc)
	}
	if !strings.Contains(rem.Message.Text, "Di., 3. Nov., 10:00") {
		t.Fatalf("reminder does not say until when (Tuesday 10:00, 4 business hours after Monday 14:00):\n%s", rem.Message.Text)
	}
	f.advanceTo(time.Date(2026, 11, 2, 16, 0, 0, 0, hoBerlin))
	// The first email's link still works: the AE is still the one asked.
	accept, _ := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:1", id)))
	if code, _ := f.click(http.MethodPost, accept, nil); code != http.StatusOK {
		t.Fatalf("accept after the reminder: %d", code)
	}
	f.ended(id, "SUCCEEDED")
	h := f.get(id)
	if h.Status != domain.HandoffAccepted || h.DealID == "" || h.Attempts[0].RemindedAt == nil {
		t.Fatalf("handoff %+v", h)
	}
	if n := len(f.events("Handoff Expired", id)); n != 0 {
		t.Fatalf("%d Handoff Expired", n)
	}
}

// expireAttempt lets attempt n run through its SLA and second window without an answer.
func (f *handoffRun) expireAttempt(id string, n int) {
	f.t.Helper()
	a := f.asked(id, n, false)
	f.advanceTo(a.SLADueAt.Add(time.Second))
	f.asked(id, n, true)
	rep, _ := f.rt.Org.Rep(a.AEID)
	cal, err := workhours.ForRep(f.rt.Org, *rep)
	if err != nil {
		f.t.Fatal(err)
	}
	exp := cal.AddBusinessDuration(a.SLADueAt, f.rt.Org.Handoff.SecondWindow())
	f.advanceTo(exp.Add(5 * time.Second))
}

func TestHandoffExpiredIsReassignedThenQueuedWhenIgnoredAgain(t *testing.T) {
	f := newHandoffRun(t)
	leadID := f.lead(5)
	id := f.handoff(leadID)
	first, _ := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:1", id)))
	f.expireAttempt(id, 1)
	a2 := f.asked(id, 2, false)
	if a2.AEID != "anna-weber" {
		t.Fatalf("reassigned to %s", a2.AEID)
	}
	if want := time.Date(2026, 11, 3, 14, 0, 5, 0, hoBerlin); !a2.SLADueAt.Equal(want) {
		t.Fatalf("Anna's SLA due %s, want %s", a2.SLADueAt.In(hoBerlin), want)
	}
	ev := f.waitEvents("Handoff Expired", id, 1)
	if ev[0]["aeId"] != "max-hoffmann" || ev[0]["reassignedTo"] != "anna-weber" {
		t.Fatalf("Handoff Expired %v", ev)
	}
	// Max's link now says who has it.
	if code, body := f.click(http.MethodGet, first, nil); code != http.StatusGone || !strings.Contains(body, "Übergabe wurde Anna Weber zugewiesen") {
		t.Fatalf("expired link: %d %s", code, body)
	}
	if code, body := f.click(http.MethodPost, first, nil); code != http.StatusGone || !strings.Contains(body, "Anna Weber") {
		t.Fatalf("expired link POST: %d %s", code, body)
	}

	// Anna ignores it too: the manager is told and the lead goes to the fallback queue.
	f.expireAttempt(id, 2)
	f.ended(id, "SUCCEEDED")
	h := f.get(id)
	if h.Status != domain.HandoffExpired || outcomes(h) != "max-hoffmann:expired,anna-weber:expired" {
		t.Fatalf("handoff %s %s", h.Status, outcomes(h))
	}
	l, _ := f.rt.Store.GetLead(f.ctx, leadID)
	if l.Queue != "unassigned" {
		t.Fatalf("lead queue %q", l.Queue)
	}
	m := f.mail("handoff-queued:" + id)
	if m.Message.To[0] != "katrin.mueller@northwind.example" || len(m.Message.Cc) != 1 || m.Message.Cc[0] != "jonas.becker@northwind.example" {
		t.Fatalf("queued news to %v cc %v", m.Message.To, m.Message.Cc)
	}
	if evs := f.waitEvents("Handoff Expired", id, 2); evs[1]["reassignedTo"] != "" || evs[1]["aeId"] != "anna-weber" {
		t.Fatalf("Handoff Expired %v", evs)
	}
	if code, body := f.click(http.MethodGet, first, nil); code != http.StatusGone || !strings.Contains(body, "Anna Weber") {
		t.Fatalf("first link at the end: %d %s", code, body)
	}
	second, _ := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:2", id)))
	if code, body := f.click(http.MethodGet, second, nil); code != http.StatusGone || !strings.Contains(body, "unassigned") {
		t.Fatalf("second link at the end: %d %s", code, body)
	}
	// The lead is free for a new handoff.
	if code, out := f.signed(http.MethodPost, "/v1/leads/"+leadID+"/handoff", `{"sdrId":"jonas-becker","notes":`+bantNotes+`}`); code != http.StatusAccepted {
		t.Fatalf("new handoff after the queue: %d %v", code, out)
	}
}

func TestHandoffWithdrawnBySDREndsTheWorkflow(t *testing.T) {
	f := newHandoffRun(t)
	leadID := f.lead(6)
	id := f.handoff(leadID)
	f.asked(id, 1, false)
	accept, _ := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:1", id)))
	if code, out := f.signed(http.MethodPost, "/v1/handoffs/"+id+"/withdraw", `{"sdrId":"lena-schmidt"}`); code != http.StatusBadRequest {
		t.Fatalf("withdraw by another SDR: %d %v", code, out)
	}
	if code, out := f.signed(http.MethodPost, "/v1/handoffs/"+id+"/withdraw", `{"sdrId":"jonas-becker","reason":"paused"}`); code != http.StatusOK || out["status"] != "withdrawn" {
		t.Fatalf("withdraw: %d %v", code, out)
	}
	f.ended(id, "SUCCEEDED")
	// The AE who was asked hears it was withdrawn, with the SDR's reason, in their language.
	told := f.mail("handoff-withdrawn:" + id)
	if ask := f.mail(fmt.Sprintf("handoff-ask:%s:1", id)); told.Message.To[0] != ask.Message.To[0] || !strings.Contains(told.Message.Subject, "Übergabe zurückgezogen") ||
		!strings.Contains(told.Message.Text, "Jonas Becker hat die Übergabe") || !strings.Contains(told.Message.Text, "paused") {
		t.Fatalf("note to the AE: to %v %q\n%s", told.Message.To, told.Message.Subject, told.Message.Text)
	}
	if code, _ := f.signed(http.MethodPost, "/v1/handoffs/"+id+"/withdraw", `{}`); code != http.StatusConflict {
		t.Fatalf("second withdraw: %d", code)
	}
	if code, body := f.click(http.MethodPost, accept, nil); code != http.StatusGone || !strings.Contains(body, "Jonas Becker hat diese Übergabe zurückgezogen") {
		t.Fatalf("accept after withdrawal: %d %s", code, body)
	}
	code, out := f.signed(http.MethodGet, "/v1/handoffs/"+id, "")
	if code != http.StatusOK || strings.Contains(fmt.Sprint(out), "taskToken") || strings.Contains(fmt.Sprint(out), "counted") {
		t.Fatalf("GET handoff: %d %v", code, out)
	}
	// Nothing more happens when the SLA passes.
	f.advanceTo(time.Date(2026, 11, 4, 12, 0, 0, 0, hoBerlin))
	time.Sleep(50 * time.Millisecond)
	if n := f.mailCount(id, 1, true); n != 0 {
		t.Fatalf("%d reminders after a withdrawal", n)
	}
	if code, _ := f.signed(http.MethodPost, "/v1/leads/"+leadID+"/handoff", `{"sdrId":"jonas-becker","notes":`+bantNotes+`}`); code != http.StatusAccepted {
		t.Fatalf("new handoff after withdrawal: %d", code)
	}
}

// A restart while the AE is asked loses nothing: the waiting step resumes with its deadline, the
// reminder comes at the SLA, and the links in the email still complete it.
func TestHandoffSurvivesARestartWhileWaiting(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dealflow.db")
	start := time.Date(2026, 11, 2, 10, 0, 0, 0, hoBerlin)
	f := startHandoffRuntime(t, db, clock.NewFake(start))
	id := f.handoff(f.lead(7))
	a := f.asked(id, 1, false)
	accept, _ := f.linksOf(f.mail(fmt.Sprintf("handoff-ask:%s:1", id)))
	// The engine checkpoints the token right after the task is submitted; a crash before that
	// re-runs the asking task on restart (the email is not sent twice, but the wait starts over).
	waitFor(t, "the token checkpoint", func() bool {
		arn := ""
		xs, _ := f.rt.Engine.ListExecutions(f.ctx, f.rt.Machine[handoff.HandoffMachine].ARN, "")
		for _, x := range xs {
			if x.Name == id {
				arn = x.ExecutionArn
			}
		}
		hist, _ := f.rt.Engine.GetExecutionHistory(f.ctx, arn, false)
		for _, e := range hist {
			if e.Type == "TaskSubmitted" {
				return true
			}
		}
		return false
	})
	time.Sleep(50 * time.Millisecond)
	f.stop()

	g := startHandoffRuntime(t, db, clock.NewFake(start.Add(time.Hour)))
	defer func() {
		if t.Failed() {
			dumpExecutions(t, g.rt)
			t.Logf("handoff %+v", g.get(id))
		}
	}()
	if s := g.execution(id); s != "RUNNING" {
		t.Fatalf("after restart the execution is %q", s)
	}
	g.advanceTo(a.SLADueAt.Add(time.Second))
	g.asked(id, 1, true)
	accept = g.srv.URL + accept[strings.Index(accept, "/v1/"):]
	if code, body := g.click(http.MethodPost, accept, nil); code != http.StatusOK {
		t.Fatalf("accept after restart: %d %s", code, body)
	}
	g.ended(id, "SUCCEEDED")
	if h := g.get(id); h.DealID == "" {
		t.Fatalf("no deal after restart: %+v", h)
	}
	if n := g.mailCount(id, 1, false); n != 1 {
		t.Fatalf("%d ask emails after the restart, want the one from before", n)
	}
}
