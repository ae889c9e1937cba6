package server

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/digest/render/chartspec"
	"github.com/dealflow/dealflow/shared/notify"
)

// digestRuntime runs the sample org (two managers with weekly digests) on a fake clock standing
// on Wednesday 25 Nov 2026, when no digest schedule is due; draw replaces the chart renderer.
func digestRuntime(t *testing.T, draw render.Drawer) (*Runtime, *clock.Fake, string) {
	t.Helper()
	fake := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "../../examples/org.yaml", DBPath: filepath.Join(t.TempDir(), "db"), Env: testEnv, Clock: fake, Log: discardLogger()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if draw != nil {
		rt.Caps.Digests.Charts = draw // before Start: the digest steps are bound to this service
	}
	seedDigestDeals(t, rt, fake.Now().AddDate(0, 0, -21))
	if err := rt.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	srv := newServer(rt)
	t.Cleanup(func() { srv.Close(); cancel(); rt.Close() })
	return rt, fake, srv.URL
}

type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar}}
}

func (b *browser) get(u string) (int, string) {
	b.t.Helper()
	res, err := b.c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func (b *browser) post(u string, form url.Values) (int, string, string) {
	b.t.Helper()
	res, err := b.c.PostForm(u, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Request.URL.String(), string(body)
}

func wantAll(t *testing.T, page, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", page, w)
		}
	}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// A manager-digest run that fails (the chart step keeps failing through its retries) is on the
// console's overview as a digest not sent, linking to the manager's digest page; the send-now
// button there (a CSRF-checked POST) sends that week's digest once and records it, after which
// the overview says it was sent, a second press sends nothing and a new run of the schedule
// sends nothing either.
func TestConsoleShowsAFailedDigestAndSendsIt(t *testing.T) {
	var broken atomic.Bool
	broken.Store(true)
	rt, fake, base := digestRuntime(t, func(loc string, specs []chartspec.Chart) ([]notify.Attachment, error) {
		if broken.Load() {
			return nil, errors.New("chart renderer crashed")
		}
		return charts.Draw(loc, specs)
	})
	ctx := context.Background()
	arn := rt.Machine[render.StateMachine].ARN
	input := `{"digestId":"digest-katrin-mueller","manager":"katrin-mueller","period":"week"}`
	x, err := rt.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: arn, Name: "katrin-weekly", Input: input})
	if err != nil {
		t.Fatal(err)
	}
	// The Charts step retries with backoff on the engine's clock: move it on until the run ends.
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, err := rt.Engine.DescribeExecution(ctx, x.ExecutionArn)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != sfn.StatusRunning {
			if d.Status != sfn.StatusFailed {
				t.Fatalf("digest run %s, want FAILED", d.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the failing digest run did not end")
		}
		fake.Advance(20 * time.Second)
		time.Sleep(2 * time.Millisecond)
	}
	broken.Store(false)
	// The engine stores the run's end with its group commit; the console lists what is stored.
	waitFor(t, "the failed run to be stored", func() bool {
		xs, err := rt.Engine.FindExecutions(ctx, sfn.ExecutionQuery{StateMachineARN: arn, Status: sfn.StatusFailed})
		return err == nil && len(xs) == 1
	})
	katrin := func() []notify.StoredMessage {
		ms, err := rt.Outbox.List(ctx, "katrin.mueller@northwind.example", 10)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	if n := len(katrin()); n != 0 {
		t.Fatalf("the failed run sent %d digests", n)
	}

	b := newBrowser(t)
	code, body := b.get(base + "/console/")
	if code != http.StatusOK {
		t.Fatalf("overview %d", code)
	}
	sendLink := "/console/digests?manager=katrin-mueller&amp;period=2026-W47"
	wantAll(t, "overview", body, `id="failed-digests"`, "Failed digests", "katrin-mueller", "2026-W47", "not sent", "chart renderer crashed", sendLink)
	if !regexp.MustCompile(`href="/console/execution\?arn=[^"]*katrin-weekly"`).MatchString(body) {
		t.Error("the overview does not link the failed run")
	}

	code, body = b.get(base + html.UnescapeString(sendLink))
	if code != http.StatusOK {
		t.Fatalf("digest page %d", code)
	}
	wantAll(t, "digest page", body, "Katrin", "cron(0 8 ? * MON *)", "Europe/Berlin", "2026-W47: ", "not sent", `id="digest-send"`,
		"dealflow digest send-now --manager katrin-mueller --period 2026-W47")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the send-now form carries no CSRF token")
	}
	form := url.Values{"manager": {"katrin-mueller"}, "period": {"2026-W47"}}
	if code, _, _ := b.post(base+"/console/digests/send", form); code != http.StatusForbidden {
		t.Fatalf("send-now without the CSRF token: %d, want 403", code)
	}
	if n := len(katrin()); n != 0 {
		t.Fatalf("a POST without CSRF token sent %d digests", n)
	}
	form.Set("csrf", m[1])
	code, landed, body := b.post(base+"/console/digests/send", form)
	if code != http.StatusOK || !strings.Contains(landed, "done=sent") {
		t.Fatalf("send-now: %d at %s", code, landed)
	}
	wantAll(t, "digest page after send-now", body, `id="digest-done"`, "Sent the 2026-W47 digest", "Send the 2026-W47 digest again")
	ms := katrin()
	if len(ms) != 1 || ms[0].Message.Refs["periodKey"] != "2026-W47" {
		t.Fatalf("after send-now Katrin has %d digests: %+v", len(ms), ms)
	}
	if rec, err := rt.Store.GetDigest(ctx, "katrin-mueller", "2026-W47"); err != nil || rec.MessageID != ms[0].ID {
		t.Fatalf("record %+v, %v; want message %s", rec, err, ms[0].ID)
	}
	_, body = b.get(base + "/console/")
	wantAll(t, "overview after send-now", body, `id="failed-digests"`, "sent since")
	if strings.Contains(body, sendLink) {
		t.Error("the overview still offers to send a digest that went out")
	}

	// Pressed again without force (a stale page): refused, nothing sent.
	code, landed, body = b.post(base+"/console/digests/send", form)
	if code != http.StatusOK || !strings.Contains(landed, "done=already") {
		t.Fatalf("second send-now: %d at %s", code, landed)
	}
	wantAll(t, "digest page after a second send-now", body, "already went out; nothing was sent")
	// The schedule's run of the same week finds the record and sends nothing.
	again, err := rt.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: arn, Name: "katrin-weekly-again", Input: input})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second run", func() bool {
		d, err := rt.Engine.DescribeExecution(ctx, again.ExecutionArn)
		return err == nil && d.Status == sfn.StatusSucceeded
	})
	if n := len(katrin()); n != 1 {
		t.Fatalf("Katrin has %d digests of 2026-W47, want 1", n)
	}
}

var preferencesLink = regexp.MustCompile(`href="(https://dealflow\.northwind\.example/console/digests\?[^"]*)"`)

// The preferences link in a digest's footer opens the manager's digest page: their schedule,
// period, time zone and next run, a preview and send-now.
func TestDigestPreferencesLinkOpensTheManagersSettings(t *testing.T) {
	rt, fake, base := digestRuntime(t, nil)
	_, _, e, err := rt.Caps.Digests.DigestPreview(context.Background(), "michael.johnson@northwind.example", "last-week", fake.Now())
	if err != nil {
		t.Fatal(err)
	}
	m := preferencesLink.FindStringSubmatch(e.HTML)
	if m == nil {
		t.Fatal("the digest has no preferences link to the public URL")
	}
	link, err := url.Parse(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	code, body := b.get(base + link.RequestURI() + "&lang=en")
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", link, code)
	}
	// Michael: weekly on Mondays 08:00 in New York; on Wednesday 25 Nov the next run is Monday 30 Nov.
	wantAll(t, "preferences page", body, "Digest settings: Michael Johnson", "cron(0 8 ? * MON *)", "<td>week</td>", "America/New_York",
		"Nov 30", "8:00", `id="digest-preview"`, "period=2026-W47")
	code, body = b.get(base + "/console/digests/preview?manager=michael-johnson&period=2026-W47")
	if code != http.StatusOK {
		t.Fatalf("preview %d", code)
	}
	wantAll(t, "preview", body, "Mon, Nov 16 – Sun, Nov 22", "data:image/png;base64,")
	if code, _ := b.get(base + "/console/digests?manager=nobody"); code != http.StatusNotFound {
		t.Errorf("an unknown manager's page answered %d, want 404", code)
	}
}
