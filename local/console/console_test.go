package console

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/eventbus"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
)

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// fakeSource is an in-memory Source.
type fakeSource struct {
	machines []*sfn.StateMachine
	execs    map[string]*sfn.DescribeExecutionOutput
	history  map[string][]sfn.HistoryEvent
	leads    []domain.Lead
	mail     map[string][]byte
	events   []eventbus.ArchivedEvent
	dead     []eventbus.DeadLetter
	redriven [][]int64
}

func (f *fakeSource) Now() time.Time { return t0 }
func (f *fakeSource) Org() *domain.Org {
	return &domain.Org{Settings: domain.OrgSettings{Name: "Acme", Timezone: "Europe/Berlin"},
		Reps: []domain.Rep{{ID: "sam", Name: "Sam Sales"}}}
}
func (f *fakeSource) Machines() []*sfn.StateMachine { return f.machines }
func (f *fakeSource) Executions(_ context.Context, q sfn.ExecutionQuery) ([]sfn.ExecutionListItem, error) {
	var out []sfn.ExecutionListItem
	for _, d := range f.execs {
		if (q.StateMachineARN == "" || d.StateMachineArn == q.StateMachineARN) && (q.Status == "" || d.Status == q.Status) &&
			strings.Contains(d.Input, q.InputContains) {
			out = append(out, sfn.ExecutionListItem{ExecutionArn: d.ExecutionArn, StateMachineArn: d.StateMachineArn, Name: d.Name, Status: d.Status, StartDate: d.StartDate, StopDate: d.StopDate})
		}
	}
	return out, nil
}
func (f *fakeSource) ExecutionStats(arn string) sfn.MachineStats {
	var st sfn.MachineStats
	for _, d := range f.execs {
		if d.StateMachineArn != arn {
			continue
		}
		st.Started++
		switch d.Status {
		case sfn.StatusRunning:
			st.Running++
		case sfn.StatusSucceeded:
			st.Succeeded++
		case sfn.StatusFailed:
			st.Failed++
		case sfn.StatusAborted:
			st.Aborted++
		default:
			st.TimedOut++
		}
	}
	return st
}
func (f *fakeSource) Execution(_ context.Context, arn string) (*sfn.DescribeExecutionOutput, []sfn.HistoryEvent, error) {
	d, ok := f.execs[arn]
	if !ok {
		return nil, nil, sfn.ErrExecutionDoesNotExist
	}
	return d, f.history[arn], nil
}
func (f *fakeSource) Leads(context.Context, int) ([]domain.Lead, error) { return f.leads, nil }
func (f *fakeSource) Lead(_ context.Context, id string) (domain.Lead, error) {
	for _, l := range f.leads {
		if l.ID == id {
			return l, nil
		}
	}
	return domain.Lead{}, io.EOF
}
func (f *fakeSource) Deals(context.Context) ([]domain.Deal, error)                   { return nil, nil }
func (f *fakeSource) Handoffs(context.Context) ([]domain.Handoff, error)             { return nil, nil }
func (f *fakeSource) LeadHandoffs(context.Context, string) ([]domain.Handoff, error) { return nil, nil }
func (f *fakeSource) Reminders(context.Context) ([]domain.Reminder, error)           { return nil, nil }
func (f *fakeSource) Onboardings(context.Context) ([]domain.Onboarding, error)       { return nil, nil }
func (f *fakeSource) Mail(context.Context, int) ([]notify.StoredMessage, error)      { return nil, nil }
func (f *fakeSource) MailEML(_ context.Context, id string) ([]byte, error) {
	if b, ok := f.mail[id]; ok {
		return b, nil
	}
	return nil, io.EOF
}
func (f *fakeSource) Events(context.Context, int) ([]eventbus.ArchivedEvent, error) {
	return f.events, nil
}
func (f *fakeSource) Schedules() []Schedule { return nil }
func (f *fakeSource) DeadLetters(context.Context, int) ([]eventbus.DeadLetter, error) {
	return f.dead, nil
}
func (f *fakeSource) Redrive(_ context.Context, ids ...int64) (int, error) {
	f.redriven = append(f.redriven, ids)
	return len(ids), nil
}

const hostile = `<script>alert("x")</script>`

const definition = `{"StartAt":"Score","States":{
 "Score":{"Type":"Pass","Next":"Route"},
 "Route":{"Type":"Task","Resource":"arn:aws:lambda:local:000000000000:function:route","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Fallback"}],"Next":"Notify"},
 "Fallback":{"Type":"Pass","Next":"Notify"},
 "Notify":{"Type":"Task","Resource":"arn:aws:lambda:local:000000000000:function:notify","Catch":[{"ErrorEquals":["ErrOther"],"Next":"Unused"}],"End":true},
 "Unused":{"Type":"Succeed"}}}`

func ev(id int64, typ string, d map[string]any) sfn.HistoryEvent {
	return sfn.HistoryEvent{ID: id, PreviousEventID: id - 1, Timestamp: t0, Type: typ, Details: d}
}

func newFake(t *testing.T) *fakeSource {
	t.Helper()
	def, err := sfn.Parse([]byte(definition), sfn.LoadOptions{File: "x.asl.json", FunctionKnown: func(string) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	sm := &sfn.StateMachine{Name: "lead-qualification", ARN: "arn:aws:states:local:0:stateMachine:lead-qualification", Definition: def}
	arn := "arn:aws:states:local:0:execution:lead-qualification:run1"
	out := `{"ok":true}`
	errName, cause := "ErrBoom", "notify failed"
	return &fakeSource{
		machines: []*sfn.StateMachine{sm},
		execs: map[string]*sfn.DescribeExecutionOutput{arn: {ExecutionArn: arn, StateMachineArn: sm.ARN, Name: "run1",
			Status: sfn.StatusFailed, Input: `{"leadId":"lead_1"}`, Output: &out, Error: &errName, Cause: &cause, StartDate: t0, StopDate: t0.Add(time.Second)}},
		history: map[string][]sfn.HistoryEvent{arn: {
			ev(1, "ExecutionStarted", map[string]any{"input": `{"leadId":"lead_1"}`}),
			ev(2, "PassStateEntered", map[string]any{"name": "Score", "input": `{"leadId":"lead_1"}`}),
			ev(3, "PassStateExited", map[string]any{"name": "Score", "output": `{"score":` + `42}`}),
			ev(4, "TaskStateEntered", map[string]any{"name": "Route", "input": `{}`}),
			ev(5, "TaskFailed", map[string]any{"error": "ErrNoRep", "cause": hostile}),
			ev(6, "TaskStateExited", map[string]any{"name": "Route", "output": `{}`}),
			ev(7, "PassStateEntered", map[string]any{"name": "Fallback", "input": `{}`}),
			ev(8, "PassStateExited", map[string]any{"name": "Fallback", "output": `{}`}),
			ev(9, "TaskStateEntered", map[string]any{"name": "Notify", "input": `{}`}),
			ev(10, "TaskFailed", map[string]any{"error": "ErrBoom", "cause": "notify failed"}),
			ev(11, "ExecutionFailed", map[string]any{"error": "ErrBoom", "cause": "notify failed"}),
		}},
		leads: []domain.Lead{{ID: "lead_1", Email: "anna@firma.de", Name: hostile, Company: "Firma", Score: 42, Status: domain.LeadRouted,
			OwnerID: "sam", RoutingExplanation: "rule dach → pool dach-sdr; " + hostile, CreatedAt: t0}},
		dead: []eventbus.DeadLetter{{ID: 7, EventID: "e1", Rule: "r", Target: "t", Attempts: 3, LastError: hostile,
			Event: []byte(`{"id":"e1","detail-type":"Lead Received","detail":{}}`)}},
		events: []eventbus.ArchivedEvent{{Envelope: []byte(`{"id":"e1","detail-type":"Lead Received","source":"dealflow","time":"2026-11-30T09:00:00Z","detail":{"name":"` + `\u003cscript\u003e"}}`), Matched: []string{"lead-received-qualify"}}},
	}
}

func serve(t *testing.T, src Source, opts Options) *httptest.Server {
	t.Helper()
	c, err := New(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestPagesEscapeUserData(t *testing.T) {
	src := newFake(t)
	srv := serve(t, src, Options{})
	for _, p := range []string{"/console/", "/console/leads", "/console/leads/lead_1", "/console/executions",
		"/console/execution?arn=" + url.QueryEscape("arn:aws:states:local:0:execution:lead-qualification:run1"),
		"/console/events", "/console/dlq", "/console/pipeline", "/console/handoffs", "/console/reminders",
		"/console/onboardings", "/console/outbox", "/console/schedules"} {
		t.Run(p, func(t *testing.T) {
			code, body := get(t, srv.Client(), srv.URL+p)
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if strings.Contains(body, "<script>alert") {
				t.Fatal("page holds unescaped user data")
			}
		})
	}
	_, body := get(t, srv.Client(), srv.URL+"/console/leads/lead_1")
	if !strings.Contains(body, "rule dach → pool dach-sdr; &lt;script&gt;") {
		t.Fatalf("lead page lacks the escaped routing explanation:\n%s", body)
	}
}

func TestExecutionGraphColoursStatesByOutcome(t *testing.T) {
	srv := serve(t, newFake(t), Options{})
	_, body := get(t, srv.Client(), srv.URL+"/console/execution?arn="+url.QueryEscape("arn:aws:states:local:0:execution:lead-qualification:run1"))
	want := map[string]string{"Score": OutcomeSucceeded, "Route": OutcomeRecovered, "Fallback": OutcomeSucceeded,
		"Notify": OutcomeFailed, "Unused": OutcomeNotRun}
	re := regexp.MustCompile(`data-state="([^"]+)" data-outcome="([^"]+)"`)
	got := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		got[m[1]] = m[2]
	}
	for state, outcome := range want {
		if got[state] != outcome {
			t.Errorf("state %s drawn as %q, want %q", state, got[state], outcome)
		}
	}
	if !strings.Contains(body, `id="state-Score"`) || !strings.Contains(body, "&#34;score&#34;: 42") {
		t.Error("the state list lacks Score with its output")
	}
	if code, _ := get(t, srv.Client(), srv.URL+"/console/execution?arn=nope"); code != http.StatusNotFound {
		t.Errorf("unknown execution answered %d", code)
	}
}

func TestLayoutPutsStatesInRowsFromStart(t *testing.T) {
	def, err := sfn.Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"B"}],"Default":"C"},
		"B":{"Type":"Wait","Seconds":1,"Next":"A"},"C":{"Type":"Succeed"}}}`), sfn.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	g := layout(def, nil)
	y := map[string]int{}
	for _, n := range g.Nodes {
		y[n.Name] = n.Y
		if n.Outcome != OutcomeNotRun {
			t.Errorf("%s outcome %s without a run", n.Name, n.Outcome)
		}
	}
	if !(y["A"] < y["B"] && y["B"] == y["C"]) {
		t.Errorf("rows: %v", y)
	}
	if len(g.Edges) != 3 {
		t.Fatalf("edges = %d, want 3 (choice, default, loop back)", len(g.Edges))
	}
	for _, e := range g.Edges {
		if strings.ContainsAny(e.D, "<>\"'") {
			t.Errorf("edge path %q", e.D)
		}
	}
}

func TestTokenProtectsTheConsoleWithoutSendingIt(t *testing.T) {
	const token = "s3cret-console-token-0123456789"
	srv := serve(t, newFake(t), Options{Token: token})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	code, body := get(t, c, srv.URL+"/console/leads")
	if code != http.StatusOK || !strings.Contains(body, `name="token"`) {
		t.Fatalf("without a session: %d, want the login form", code)
	}
	res, err := c.PostForm(srv.URL+"/console/login", url.Values{"token": {"wrong"}, "next": {"/console/leads"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "not right") {
		t.Fatal("a wrong token did not say so")
	}
	res, err = c.PostForm(srv.URL+"/console/login", url.Values{"token": {token}, "next": {"/console/leads"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), `id="leads"`) {
		t.Fatalf("after login: %d", res.StatusCode)
	}
	u, _ := url.Parse(srv.URL + "/console/")
	for _, ck := range jar.Cookies(u) {
		if strings.Contains(ck.Value, token) {
			t.Fatalf("cookie %s carries the token", ck.Name)
		}
	}
	if strings.Contains(string(b), token) {
		t.Fatal("page carries the token")
	}
	// A script or curl may send the token as a bearer token instead.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/console/leads", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/console/leads" {
		t.Fatalf("bearer: %d at %s", res.StatusCode, res.Request.URL.Path)
	}
	// A forged cookie does not open it.
	fresh := &http.Client{}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/console/leads", nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "abc.def"})
	res, err = fresh.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Request.URL.Path != "/console/login" {
		t.Fatalf("forged session reached %s", res.Request.URL.Path)
	}
}

func TestRedriveNeedsTheCSRFToken(t *testing.T) {
	src := newFake(t)
	srv := serve(t, src, Options{})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	_, page := get(t, c, srv.URL+"/console/dlq")
	m := regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the DLQ page has no CSRF field")
	}
	tests := []struct {
		name   string
		form   url.Values
		origin string
		want   int
	}{
		{"no token", url.Values{"id": {"7"}}, "", http.StatusForbidden},
		{"wrong token", url.Values{"id": {"7"}, "csrf": {strings.Repeat("0", 64)}}, "", http.StatusForbidden},
		{"other origin", url.Values{"id": {"7"}, "csrf": {m[1]}}, "http://evil.example", http.StatusForbidden},
		{"valid", url.Values{"id": {"7"}, "csrf": {m[1]}}, srv.URL, http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/console/dlq/redrive", strings.NewReader(tc.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.want)
			}
		})
	}
	if len(src.redriven) != 1 || len(src.redriven[0]) != 1 || src.redriven[0][0] != 7 {
		t.Fatalf("redriven = %v, want one call for id 7", src.redriven)
	}
}

func TestOutboxMessageRendersAsSent(t *testing.T) {
	src := newFake(t)
	eml, err := notify.RenderMIME(notify.Message{From: "dealflow <noreply@x.de>", To: []string{"sam@x.de"}, Subject: "Neuer Lead für Sie: Müller",
		Text: "Hallo Sam,\nein neuer Lead.", HTML: "<p>Hallo <b>Sam</b>, ein neuer Lead: Müller</p>", IdempotencyKey: "k"}, "m1@x", t0)
	if err != nil {
		t.Fatal(err)
	}
	src.mail = map[string][]byte{"m1": eml}
	srv := serve(t, src, Options{})
	code, body := get(t, srv.Client(), srv.URL+"/console/outbox/m1")
	if code != http.StatusOK || !strings.Contains(body, "Neuer Lead für Sie: Müller") || !strings.Contains(body, "ein neuer Lead.") {
		t.Fatalf("message page %d:\n%s", code, body)
	}
	res, err := srv.Client().Get(srv.URL + "/console/outbox/m1/html")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "<b>Sam</b>") || !strings.Contains(string(b), "Müller") {
		t.Fatalf("html part: %s", b)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Fatalf("the email HTML is served without a sandbox: %q", csp)
	}
}

func TestLocaleFollowsTheBrowser(t *testing.T) {
	srv := serve(t, newFake(t), Options{Locale: "en-US"})
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/console/leads", nil)
	req.Header.Set("Accept-Language", "de-DE,de;q=0.9")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(b), "Ausführungen") || !strings.Contains(string(b), "30. Nov.") {
		t.Fatal("German browser did not get German labels and dates")
	}
}
