package render

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr(t time.Time) *time.Time { return &t }

// fixtureReport computes a week of team t1 (testdata/org.yaml) with a deal name and a rep name
// that need escaping.
func fixtureReport(t *testing.T) (*domain.Org, metrics.Report) {
	t.Helper()
	b, err := os.ReadFile("testdata/org.yaml")
	if err != nil {
		t.Fatal(err)
	}
	org, probs := config.Parse("testdata/org.yaml", b)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	eur := func(n int64) domain.Money { return domain.Money{AmountMinor: n * 100, Currency: "EUR"} }
	deal := func(id, name, owner, stage string, status domain.DealStatus, amt domain.Money, created string) domain.Deal {
		d := domain.Deal{ID: id, Name: name, TeamID: "t1", OwnerID: owner, Pipeline: "main", Status: status, Amount: amt, CreatedAt: at(created)}
		_ = d.EnterStage("discovery", at(created))
		_ = d.EnterStage(stage, at(created).Add(24*time.Hour))
		if status != domain.DealOpen {
			d.ClosedAt = ptr(at(created).Add(72 * time.Hour))
		}
		return d
	}
	d5 := deal("d5", `<script>alert("x")</script> Renewal`, "ae1", "proposal", domain.DealOpen, eur(20000), "2026-11-16T09:00:00Z")
	d5.CloseDate = ptr(at("2026-11-25T00:00:00Z"))
	d6 := deal("d6", "Müller & Söhne", "ae2", "discovery", domain.DealOpen, eur(1000), "2026-11-02T09:00:00Z")
	d6.CloseDate, d6.NextStep = ptr(at("2026-11-10T00:00:00Z")), "call"
	in := metrics.Input{Org: org, TeamID: "t1", Members: []string{"ae1", "ae2", "sdr1"},
		Period: metrics.PeriodAt(metrics.Week, at("2026-11-18T12:00:00Z"), berlin), AsOf: at("2026-11-23T07:00:00Z"),
		Deals: []domain.Deal{
			deal("d1", "Acme platform", "ae1", "closed-won", domain.DealWon, eur(10000), "2026-11-13T10:00:00Z"),
			deal("d2", "Globex", "ae1", "closed-won", domain.DealWon, domain.Money{AmountMinor: 500000, Currency: "USD"}, "2026-11-14T10:00:00Z"),
			deal("d3", "Initech", "ae2", "closed-lost", domain.DealLost, eur(3000), "2026-11-13T10:00:00Z"),
			deal("d9", "Umbrella", "ae1", "closed-lost", domain.DealLost, eur(1000), "2026-11-05T10:00:00Z"),
			d5, d6,
		},
		Activities: []domain.Activity{{ID: "a1", RepID: "ae1", Type: domain.ActivityCall, At: at("2026-11-17T10:00:00Z")},
			{ID: "a2", RepID: "sdr1", Type: domain.ActivityEmail, At: at("2026-11-18T10:00:00Z")}},
		Handoffs: []domain.Handoff{{ID: "h1", Attempts: []domain.HandoffAttempt{{AEID: "ae1", AssignedAt: at("2026-11-17T09:00:00Z"),
			SLADueAt: at("2026-11-17T13:00:00Z"), EndedAt: ptr(at("2026-11-17T10:30:00Z")), Outcome: domain.HandoffAccepted}}}},
		Leads: []domain.Lead{{ID: "l1", OwnerID: "sdr1", CreatedAt: at("2026-11-17T08:00:00Z"), RoutedAt: ptr(at("2026-11-17T08:00:01Z"))}},
		// A lead of the team's territories no rep could take: it waits in a queue.
		TeamLeads: []domain.Lead{{ID: "q1", Queue: "overflow", Status: domain.LeadQualified, CreatedAt: at("2026-11-18T08:00:00Z"), UpdatedAt: at("2026-11-18T08:00:00Z")}},
	}
	return org, metrics.Compute(in)
}

func render(t *testing.T, locale string, withCharts bool) Email {
	t.Helper()
	org, r := fixtureReport(t)
	mgr, _ := org.Rep("mgr")
	m := *mgr
	m.Locale = locale
	team, _ := org.Team("t1")
	e, err := Render(r, Options{Org: org, Manager: &m, Team: team, PreferencesURL: "https://dealflow.example/v1/digests/preferences?m=mgr&sig=abc", NoCharts: !withCharts, Charts: charts.Draw})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./shared/digest/render -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n%s", name, firstDiff(string(want), got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n want: %s\n got:  %s", i+1, x, y)
		}
	}
	return ""
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct{ locale, name string }{{"en-US", "en"}, {"de-DE", "de"}} {
		t.Run(tc.name, func(t *testing.T) {
			e := render(t, tc.locale, true)
			golden(t, "digest_"+tc.name+".html", e.HTML)
			golden(t, "digest_"+tc.name+".txt", "Subject: "+e.Subject+"\n\n"+e.Text)
		})
	}
}

func TestSubjectHeadlines(t *testing.T) {
	// Closed in the week: d1 won 10,000 EUR, d2 won 5,000 USD = 4,500 EUR, d3 lost → 2 won, 67%.
	// Open at the end of the week: d5 20,000 + d6 1,000 = 21,000 EUR.
	tests := []struct{ locale, want string }{
		{"en-US", "Team One, week 2026-W47: €14,500 won (2), win rate 67%, pipeline €21,000"},
		{"de-DE", "Team One, Woche 2026-W47: 14.500\u00a0€ gewonnen (2), Abschlussquote 67\u00a0%, Pipeline 21.000\u00a0€"},
	}
	for _, tc := range tests {
		t.Run(tc.locale, func(t *testing.T) {
			if got := render(t, tc.locale, false).Subject; got != tc.want {
				t.Errorf("subject = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHTMLIsEmailSafe(t *testing.T) {
	e := render(t, "en-US", true)
	low := strings.ToLower(e.HTML)
	for _, bad := range []string{"<script", "<link", "@import", "@font-face", "<style", "javascript:", "http://"} {
		if strings.Contains(low, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	// Names from the CRM are escaped, never markup.
	if !strings.Contains(e.HTML, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Renewal") || !strings.Contains(e.HTML, "Anna &lt;AE&gt; &amp; Co") {
		t.Error("deal or rep names are not HTML-escaped")
	}
	if !strings.Contains(e.HTML, `href="https://dealflow.example/v1/digests/preferences?m=mgr&amp;sig=abc"`) {
		t.Error("no preferences link")
	}
	if strings.Contains(e.Text, "&lt;") || !strings.Contains(e.Text, `<script>alert("x")</script> Renewal`) {
		t.Error("the text part must carry names as they are, unescaped")
	}
	// Three charts, each a 560×260 PNG referenced by its content id.
	if len(e.Images) != 3 {
		t.Fatalf("%d images, want pipeline, funnel and attainment", len(e.Images))
	}
	for _, img := range e.Images {
		if !strings.Contains(e.HTML, `src="cid:`+img.ContentID+`"`) {
			t.Errorf("image %s is not referenced from the HTML", img.ContentID)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil || cfg.Width != chartWidth || cfg.Height != chartHeight || img.ContentType != "image/png" {
			t.Errorf("image %s: %v %dx%d %s", img.ContentID, err, cfg.Width, cfg.Height, img.ContentType)
		}
	}
}

// TestWritePreview writes the fixture digest as HTML files with embedded images when
// DIGEST_PREVIEW_DIR is set, for looking at it in a browser (headless Chromium screenshots).
func TestWritePreview(t *testing.T) {
	dir := os.Getenv("DIGEST_PREVIEW_DIR")
	if dir == "" {
		t.Skip("set DIGEST_PREVIEW_DIR to write preview files")
	}
	for _, loc := range []string{"en-US", "de-DE"} {
		e := render(t, loc, true)
		if err := os.WriteFile(filepath.Join(dir, "digest-"+loc+".html"), []byte(e.PreviewHTML()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A team with many idle deals gets the StaleListLimit most valuable ones and one line counting
// the rest with their total, so the email stays readable (and under Gmail's clipping size).
func TestStaleListIsCapped(t *testing.T) {
	org, r := fixtureReport(t)
	base := r.Stale[0]
	r.Stale = nil
	// metrics.Compute keeps the StaleListLimit largest and counts the rest (25 deals here).
	for i := range StaleListLimit {
		s := base
		s.ID, s.Name = fmt.Sprintf("s%02d", i), fmt.Sprintf("Idle deal %02d", i)
		s.Converted = metrics.Some(domain.Money{AmountMinor: int64(1000-i) * 100, Currency: "EUR"})
		r.Stale = append(r.Stale, s)
	}
	r.StaleMore = metrics.StaleMore{Count: 15, Total: domain.Money{AmountMinor: 14_745_00, Currency: "EUR"}}
	mgr, _ := org.Rep("mgr")
	m := *mgr
	m.Locale = "en-US"
	team, _ := org.Team("t1")
	e, err := Render(r, Options{Org: org, Manager: &m, Team: team, NoCharts: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{e.HTML, e.Text} {
		if !strings.Contains(part, "Idle deal 09") || strings.Contains(part, "Idle deal 10") {
			t.Errorf("want the first %d stale deals listed and no more", StaleListLimit)
		}
		// 15 more: 990 + 989 + … + 976 = 14,745 EUR.
		if !strings.Contains(part, "15 more open deals that need attention (€14,745 in total)") {
			t.Errorf("want the rest counted with their total, got:\n%s", part)
		}
	}
}

// One won deal reads "1 deal won" (en) / "1 Deal gewonnen" (de); values that are not available are
// "–" with the reason; an amount in a currency without a rate is shown apart, never added.
func TestPluralsReasonsAndUnconverted(t *testing.T) {
	org, r := fixtureReport(t)
	r.Team.Won, r.Team.Lost, r.Team.WinRate = 1, 0, metrics.Some(1.0)
	r.Team.WonAmount = metrics.Amount{Money: domain.Money{AmountMinor: 1_000_000, Currency: "EUR"},
		Unconverted: []domain.Money{{AmountMinor: 5_000_000, Currency: "GBP"}}}
	r.Team.AvgDealSize = metrics.NA[domain.Money](metrics.WhyNoRate)
	r.Team.Velocity = metrics.NA[domain.Money](metrics.WhyNoRate)
	mgr, _ := org.Rep("mgr")
	team, _ := org.Team("t1")
	for _, tc := range []struct{ loc, won, avg, amount string }{
		{"en-US", "(1 deal won)", "Avg deal size:         – (no exchange rate)", "€10,000 · £50,000 (no exchange rate)"},
		{"de-DE", "(1 Deal gewonnen)", "Ø Dealgröße:           – (kein Wechselkurs)", "10.000\u00a0€ · 50.000\u00a0£ (kein Wechselkurs)"},
	} {
		m := *mgr
		m.Locale = tc.loc
		e, err := Render(r, Options{Org: org, Manager: &m, Team: team, NoCharts: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{tc.won, tc.avg, tc.amount} {
			if !strings.Contains(e.Text, want) {
				t.Errorf("%s: text lacks %q:\n%s", tc.loc, want, e.Text)
			}
		}
		if strings.Contains(e.Text, "€10,000 + ") || strings.Contains(e.Text, "NaN") {
			t.Errorf("%s: amounts added across currencies or NaN:\n%s", tc.loc, e.Text)
		}
	}
}
