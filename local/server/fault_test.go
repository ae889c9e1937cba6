package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify/smtptest"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Fault tests: what users see when a dependency fails. Bounded forms run in `make test`; with
// DEALFLOW_SOAK=1 (make soak) they run longer and with more load.

func soak() bool { return os.Getenv("DEALFLOW_SOAK") != "" }

// postSigned posts a lead signed at the given time (the runtime's clock, which may be fake).
func postSigned(url, body string, at time.Time) (int, string, error) {
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/leads", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Dealflow-Signature", webhook.Sign([]byte(body), at, "lead-secret"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	_ = jsonDecode(res, &out)
	return res.StatusCode, out.ID, nil
}

// TestFaultSMTPDownForTwoMinutes: the mail server is unreachable for 2 minutes (simulated on a
// fake clock) while leads arrive. Routing does not wait for mail; once the server is back every
// owner gets exactly one email per lead, whatever the retries in between.
func TestFaultSMTPDownForTwoMinutes(t *testing.T) {
	leads, outage := 6, 2*time.Minute
	if soak() {
		leads = 60
	}
	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	smtp.Username, smtp.Password, smtp.RequireTLS = "dealflow", "pw", true

	ca := filepath.Join(t.TempDir(), "smtp-ca.pem")
	if err := os.WriteFile(ca, smtp.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	// serve's own wiring: with DEALFLOW_SMTP_ADDR set, mail is stored in the outbox with the
	// workflow step (never failing it) and the SMTP relay delivers it, retrying while the server
	// is down.
	env := func(k string) string {
		return map[string]string{"TEST_LEAD_SECRET": "lead-secret", "DEALFLOW_SMTP_ADDR": smtp.Addr, "DEALFLOW_SMTP_USER": "dealflow",
			"DEALFLOW_SMTP_PASSWORD_ENV": "TEST_SMTP_PASSWORD", "TEST_SMTP_PASSWORD": "pw", "DEALFLOW_SMTP_CA_FILE": ca}[k]
	}
	// Wednesday 10:00 in Berlin: working hours, so routing is immediate.
	fake := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: filepath.Join(t.TempDir(), "db"), Env: env, Clock: fake, Log: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if rt.SMTP == nil {
		t.Fatal("DEALFLOW_SMTP_ADDR is set but the runtime has no SMTP relay")
	}
	relay := rt.SMTP
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt.Handler())
	defer func() { srv.Close(); cancel(); rt.Close() }()
	defer func() {
		if t.Failed() {
			dumpExecutions(t, rt)
		}
	}()

	smtp.Down()
	down := fake.Now()
	ids := map[string]string{} // lead id → name
	for i := 0; i < leads; i++ {
		name := fmt.Sprintf("Fault%02d", i)
		body := fmt.Sprintf(`{"email":"f%d@fault%d.de","name":%q,"company":"Fault %d","country":"DE"}`, i, i, name, i)
		code, id, err := postSigned(srv.URL, body, fake.Now())
		if err != nil || code != http.StatusAccepted {
			t.Fatalf("lead %d: %d %v", i, code, err)
		}
		ids[id] = name
	}
	// Leads are routed while mail is down: routing does not depend on the mail server.
	advanceUntil(t, fake, time.Second, 30*time.Second, "every lead routed with the mail server down", func() bool {
		for id := range ids {
			if l, err := rt.Store.GetLead(ctx, id); err != nil || l.Status != domain.LeadRouted {
				return false
			}
		}
		return true
	})
	advanceUntil(t, fake, time.Second, outage, "the end of the outage", func() bool { return fake.Now().Sub(down) >= outage })
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d messages delivered while the server was down", n)
	}
	if err := smtp.Up(); err != nil {
		t.Fatal(err)
	}
	advanceUntil(t, fake, time.Second, 30*time.Minute, "every owner notified after the outage", func() bool { return len(smtp.Messages()) >= leads })
	// Let every retry that might still be pending run out, then count again.
	advanceUntil(t, fake, 5*time.Second, 10*time.Minute, "pending retries", func() bool { return false })
	msgs := smtp.Messages()
	perName := map[string]int{}
	for _, m := range msgs {
		for _, name := range ids {
			if strings.Contains(m.Data, name) {
				perName[name]++
			}
		}
		if !m.TLS || m.User != "dealflow" {
			t.Errorf("message sent without TLS or AUTH: %+v", m)
		}
	}
	for _, name := range ids {
		if perName[name] != 1 {
			t.Errorf("lead %s: %d emails, want exactly 1", name, perName[name])
		}
	}
	if len(msgs) != leads {
		t.Errorf("%d emails for %d leads", len(msgs), leads)
	}
	// No lead workflow failed because of the outage.
	for _, sm := range rt.Machine {
		list, err := rt.Engine.ListExecutions(ctx, sm.ARN, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.Status != "SUCCEEDED" {
				t.Errorf("execution %s is %s", x.ExecutionArn, x.Status)
			}
		}
	}
	status, err := relay.DeliveryStatus(ctx)
	if err != nil || status["sent"] != leads || status["retry"] != 0 || status["dead"] != 0 {
		t.Errorf("relay delivery status = %v, %v", status, err)
	}
	t.Logf("SMTP down for %s: %d leads routed during the outage, %d emails delivered once each after it (%d SMTP sessions)", outage, leads, len(msgs), smtp.Sessions())
}

// advanceUntil moves the fake clock in steps, giving the runtime's goroutines real time to act on
// each step, until cond holds or limit of simulated time has passed (then it fails, unless the
// caller only wants the time to pass: cond always false and the name says so).
func advanceUntil(t *testing.T, fake *clock.Fake, step, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	start := fake.Now()
	for !cond() {
		if fake.Now().Sub(start) >= limit {
			if what == "pending retries" {
				return
			}
			t.Fatalf("timed out (%s simulated) waiting for %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
		fake.Advance(step)
	}
}

// setReadOnly makes SQLite refuse every write on the runtime's one write connection, as it does
// for a read-only file (SQLITE_READONLY). PRAGMA query_only is used because the tests may run as
// root, for whom a chmod'ed file stays writable.
func setReadOnly(t *testing.T, rt *Runtime, on bool) {
	t.Helper()
	v := 0
	if on {
		v = 1
	}
	if _, err := rt.Store.DB().Exec(fmt.Sprintf("PRAGMA query_only = %d", v)); err != nil {
		t.Fatal(err)
	}
}

// TestFaultStoreReadOnly: while the database refuses writes, the API answers 503 to every lead
// and stores nothing; when it is writable again the same submissions are accepted, routed once
// and notified once, and the leads from before are untouched.
func TestFaultStoreReadOnly(t *testing.T) {
	window, workers, perWorker := 500*time.Millisecond, 2, 20
	if soak() {
		window, workers, perWorker = 20*time.Second, 4, 1000
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: filepath.Join(t.TempDir(), "db"), Env: testEnv, Log: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt.Handler())
	defer func() { srv.Close(); cancel(); rt.Close() }()

	body := func(i int) string {
		return fmt.Sprintf(`{"email":"ro%d@readonly%d.de","name":"RO %d","company":"Readonly %d","country":"DE"}`, i, i, i, i)
	}
	var before []string
	for i := 0; i < 3; i++ {
		code, id, err := postSigned(srv.URL, body(i), time.Now())
		if err != nil || code != http.StatusAccepted {
			t.Fatalf("lead %d before: %d %v", i, code, err)
		}
		before = append(before, id)
	}
	routed := func(ids []string) func() bool {
		return func() bool {
			for _, id := range ids {
				if l, err := rt.Store.GetLead(ctx, id); err != nil || l.Status != domain.LeadRouted {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, "leads before the fault routed", routed(before))

	setReadOnly(t, rt, true)
	refused := map[int]bool{}
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := 100
	deadline := time.Now().Add(window)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < perWorker && time.Now().Before(deadline); n++ {
				time.Sleep(window / time.Duration(perWorker))
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				code, _, err := postSigned(srv.URL, body(i), time.Now())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				codes[code]++
				if code == http.StatusServiceUnavailable {
					refused[i] = true
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	form := strings.NewReader("email=form%40readonly.de&company=Form+RO&country=DE")
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/forms/contact", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
		codes[res.StatusCode]++
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("form while read-only answered %d, want 503", res.StatusCode)
		}
	}
	// Readiness tells a load balancer or supervisor the truth: not ready while writes fail.
	if res, err := http.Get(srv.URL + "/readyz"); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz while read-only answered %d, want 503", res.StatusCode)
		}
	}
	if len(codes) != 1 || codes[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("answers while read-only: %v, want only 503", codes)
	}
	for i := range refused {
		if _, err := rt.Store.GetLeadByEmail(ctx, fmt.Sprintf("ro%d@readonly%d.de", i, i)); err == nil {
			t.Errorf("lead %d was answered 503 but stored", i)
		}
	}

	setReadOnly(t, rt, false)
	if res, err := http.Get(srv.URL + "/readyz"); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz after recovery: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	var after []string
	for i := range refused {
		code, id, err := postSigned(srv.URL, body(i), time.Now())
		if err != nil || code != http.StatusAccepted {
			t.Fatalf("lead %d after recovery: %d %v", i, code, err)
		}
		after = append(after, id)
	}
	waitFor(t, "leads after recovery routed", routed(after))
	waitFor(t, "one notification per lead", func() bool {
		n, _ := rt.Outbox.Count(ctx)
		return n >= len(before)+len(after)
	})
	time.Sleep(200 * time.Millisecond)
	msgs, err := rt.Outbox.List(ctx, "", 100000)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, m := range msgs {
		per[m.Message.Refs["leadId"]]++
	}
	for _, id := range append(append([]string{}, before...), after...) {
		if per[id] != 1 {
			t.Errorf("lead %s has %d notifications, want 1", id, per[id])
		}
	}
	if len(msgs) != len(before)+len(after) {
		t.Errorf("%d notifications for %d leads", len(msgs), len(before)+len(after))
	}
	t.Logf("read-only for %s: %d submissions answered 503 and none stored; after recovery all %d accepted, routed and notified once", window, codes[http.StatusServiceUnavailable], len(after))
}
