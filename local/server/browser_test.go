package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/dealflow/dealflow/internal/testenv"
	"github.com/dealflow/dealflow/local/server"
	"github.com/dealflow/dealflow/local/simulate"
	"github.com/dealflow/dealflow/shared/clock"
)

const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium (Debian's package; `make test` installs it) with a fresh
// profile. Without it the test is skipped locally and fails in CI (internal/testenv).
func browser(t *testing.T) context.Context {
	t.Helper()
	_, err := os.Stat(chromiumPath)
	testenv.Require(t, chromiumPath, err == nil, "`make test` installs Debian's chromium (apt-get install -y chromium)")
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first call starts the browser; it must not carry a timeout (that would stop it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	tctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	return tctx
}

// shots saves screenshots: always when DEALFLOW_SCREENSHOTS names a folder, otherwise only for
// a failed step, under a temp folder printed in the log.
type shots struct {
	t   *testing.T
	ctx context.Context
	dir string
}

func (s *shots) save(name string) {
	dir := s.dir
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "dealflow-browser-"); err != nil {
			s.t.Logf("screenshot %s: %v", name, err)
			return
		}
		s.dir = dir
	}
	png, err := chromedp.Run(s.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
		return
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		s.t.Logf("screenshot %s: %v", name, err)
		return
	}
	s.t.Logf("screenshot: %s", p)
}

// step runs actions; on failure it keeps a screenshot and fails the test.
func (s *shots) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	s.t.Helper()
	if err := chromedp.Do(s.ctx, actions...); err != nil {
		s.save(name + "-failed")
		s.t.Fatalf("%s: %v", name, err)
	}
	if os.Getenv("DEALFLOW_SCREENSHOTS") != "" {
		s.save(name)
	}
}

// value runs one action that reads something from the page.
func value[T any](s *shots, name string, a chromedp.Action[T]) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, a)
	if err != nil {
		s.save(name + "-failed")
		s.t.Fatalf("%s: %v", name, err)
	}
	return v
}

func (s *shots) fail(name, format string, args ...any) {
	s.t.Helper()
	s.save(name + "-failed")
	s.t.Fatalf(name+": "+format, args...)
}

// After a simulated week the console shows what happened: executions listed, an execution's
// state graph coloured by outcome, a lead's routing explanation, an email as sent.
func TestConsoleInChromiumAfterASimulatedWeek(t *testing.T) {
	ctx := browser(t)
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) // a Monday
	clk := clock.NewFake(start)
	env := map[string]string{"DEALFLOW_LEADS_SECRET": "browser-test-secret"}
	rctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := server.New(rctx, server.Config{Root: "../..", OrgFile: "../../examples/org.yaml",
		DBPath: filepath.Join(t.TempDir(), "dealflow.db"), Clock: clk, Env: func(k string) string { return env[k] },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(rctx); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); rt.Close() }()
	res, err := simulate.New(rt, clk, simulate.Config{Days: 7, LeadsPerDay: 25, Seed: 7, Start: start, Secret: env["DEALFLOW_LEADS_SECRET"]}).Run(rctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted == 0 || res.Routed == 0 || res.Mail == 0 {
		t.Fatalf("the simulated week produced too little: %+v", res)
	}
	srv := httptest.NewServer(rt.Handler())
	defer srv.Close()
	if dir := os.Getenv("DEALFLOW_SCREENSHOTS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
	}
	s := &shots{t: t, ctx: ctx, dir: os.Getenv("DEALFLOW_SCREENSHOTS")}

	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	s.step("executions",
		chromedp.Navigate(srv.URL+"/console/executions"),
		chromedp.WaitVisible(css(`#executions tr.execution`)))
	rows := value(s, "executions", chromedp.Evaluate[int](`document.querySelectorAll('#executions tr.execution').length`))
	if rows == 0 {
		s.fail("executions", "no execution listed")
	}

	s.step("execution",
		chromedp.Navigate(srv.URL+"/console/executions?machine=lead-qualification&status=SUCCEEDED"),
		chromedp.WaitVisible(css(`#executions tr.execution a`)),
		chromedp.Click(css(`#executions tr.execution a`)),
		chromedp.WaitVisible(css(`svg#graph g.state`)))
	outcomes := value(s, "execution", chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg#graph g.state')].map(g => g.dataset.outcome)`))
	fills := value(s, "execution", chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg#graph g.state rect')].map(r => getComputedStyle(r).fill)`))
	distinct := map[string]string{}
	for i, o := range outcomes {
		if i < len(fills) {
			distinct[o] = fills[i]
		}
	}
	if distinct["succeeded"] == "" || distinct["not-run"] == "" {
		s.fail("execution", "graph outcomes %v: want succeeded and not-run states", outcomes)
	}
	if distinct["succeeded"] == distinct["not-run"] {
		s.fail("execution", "succeeded and not-run states have the same colour %s", distinct["succeeded"])
	}

	s.step("lead",
		chromedp.Navigate(srv.URL+"/console/leads?status=routed"),
		chromedp.WaitVisible(css(`#leads tr.lead a`)),
		chromedp.Click(css(`#leads tr.lead a`)),
		chromedp.WaitVisible(css(`#routing-explanation`)))
	explanation := value(s, "lead", chromedp.Text(css(`#routing-explanation`)))
	if !strings.Contains(explanation, "rule ") || !strings.Contains(explanation, "→") {
		s.fail("lead", "routing explanation %q does not say which rule and pool", explanation)
	}

	s.step("outbox",
		chromedp.Navigate(srv.URL+"/console/outbox"),
		chromedp.WaitVisible(css(`#outbox tr.mail a`)),
		chromedp.Click(css(`#outbox tr.mail a`)),
		chromedp.WaitVisible(css(`#subject`)))
	subject := value(s, "outbox", chromedp.Text(css(`#subject`)))
	text := value(s, "outbox", chromedp.TextContent(css(`#mail-text`)))
	frame := value(s, "outbox", chromedp.AttributeValue(css(`#mail-html`), "src"))
	if strings.TrimSpace(subject) == "" || strings.TrimSpace(text) == "" {
		s.fail("outbox", "email without subject or text: %q / %q", subject, text)
	}
	if frame.Value != "" {
		// The HTML part, as the recipient's mail client shows it.
		s.step("email-html", chromedp.Navigate(srv.URL+frame.Value), chromedp.WaitReady(css(`body`)))
		body := value(s, "email-html", chromedp.Text(css(`body`)))
		if len(strings.TrimSpace(body)) < 20 {
			s.fail("email-html", "the HTML part renders almost nothing: %q", body)
		}
	}
	t.Logf("simulated week: %d leads accepted, %d routed, %d emails, %d executions listed", res.Accepted, res.Routed, res.Mail, rows)
}
