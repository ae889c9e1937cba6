package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

const samplePath = "../../examples/org.yaml"

func readSample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(samplePath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineCol returns the 1-based position of the first occurrence of needle in s.
func lineCol(t *testing.T, s, needle string) (int, int) {
	t.Helper()
	i := strings.Index(s, needle)
	if i < 0 {
		t.Fatalf("%q not in the file", needle)
	}
	if strings.Count(s, needle) > 1 {
		t.Fatalf("%q is not unique in the file", needle)
	}
	before := s[:i]
	line := strings.Count(before, "\n") + 1
	return line, i - strings.LastIndex(before, "\n")
}

func TestSampleIsValid(t *testing.T) {
	org, problems := Parse("org.yaml", []byte(readSample(t)))
	for _, p := range problems {
		t.Errorf("unexpected problem: %s", p)
	}
	anna, ok := org.Rep("anna-weber")
	if !ok {
		t.Fatal("anna-weber missing")
	}
	if _, away := anna.OutOfOfficeAt(time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)); !away {
		t.Error("anna-weber should be out of office on 2026-11-20")
	}
	if q, ok := anna.QuotaFor(domain.QuotaQuarter); !ok || q.Target.AmountMinor != 150000_00 || q.Currency != "EUR" {
		t.Errorf("anna's quarterly quota = %+v", q)
	}
	if m, ok := org.ManagerOf("olivia-brown"); !ok || m.Timezone != "America/New_York" {
		t.Errorf("olivia's manager = %+v", m)
	}
	jacob, _ := org.Rep("jacob-miller")
	if jacob.WorkingHours.Fri[0].End.String() != "13:00" || jacob.WorkingHours.Mon[0].End.String() != "17:00" {
		t.Errorf("jacob's week = %+v, want his own Friday and the org's Monday", jacob.WorkingHours)
	}
	if grace, _ := org.Rep("grace-lee"); grace.Active {
		t.Error("grace-lee is marked active: false")
	}
	if max, _ := org.Rep("max-hoffmann"); !max.Active || max.Locale != "de-DE" {
		t.Errorf("max-hoffmann: active=%v locale=%q", max.Active, max.Locale)
	}
	if michael, _ := org.Rep("michael-johnson"); michael.Locale != "en-US" {
		t.Errorf("michael-johnson locale %q, want the org default en-US", michael.Locale)
	}
	dach, _ := org.Team("dach-sales")
	if len(dach.Members) != 8 {
		t.Errorf("dach-sales members = %v, want the 8 reps who name the team", dach.Members)
	}
	if dg := org.Digests[1]; dg.Timezone != "Europe/Berlin" || dg.Period != "month" {
		t.Errorf("monthly digest = %+v, want the manager's zone", dg)
	}
	convert := []struct {
		from domain.Money
		to   string
		want int64
	}{
		{domain.Money{AmountMinor: 100_00, Currency: "USD"}, "EUR", 92_00},
		{domain.Money{AmountMinor: 92_00, Currency: "EUR"}, "USD", 100_00},
		{domain.Money{AmountMinor: 100_00, Currency: "USD"}, "CHF", 86_79}, // 92 / 1.06 = 86.792…
		{domain.Money{AmountMinor: -1, Currency: "USD"}, "EUR", -1},        // -0.92 cents rounds away from zero
	}
	for _, c := range convert {
		if got, ok := org.ConvertMoney(c.from, c.to); !ok || got.AmountMinor != c.want || got.Currency != c.to {
			t.Errorf("ConvertMoney(%+v, %s) = %+v, want %d", c.from, c.to, got, c.want)
		}
	}
	if _, ok := org.ConvertMoney(domain.Money{AmountMinor: 1, Currency: "JPY"}, "EUR"); ok {
		t.Error("JPY has no rate in the sample; want ok=false")
	}
	if sophie, _ := org.Rep("sophie-wagner"); sophie.Quotas[0].Target != (domain.Money{AmountMinor: 120000_00, Currency: "EUR"}) {
		t.Errorf("sophie's quota = %+v, want the org currency", sophie.Quotas[0].Target)
	}
	if p, ok := org.Pipeline(""); !ok || len(p.Stages) != 7 {
		t.Errorf("default pipeline = %+v", p)
	}
	if got := org.Handoff.Fields(); strings.Join(got, ",") != "budget,authority,need,timeline" {
		t.Errorf("handoff fields = %v", got)
	}
	if pool, _ := org.Pool("dach-csm"); !pool.SkipOutOfOffice {
		t.Error("skip_out_of_office should default to true")
	}
}

// TestProblems mutates the sample and checks the exact message and where it points.
func TestProblems(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
		at       string // the problem points at the start of this text in the mutated file
		want     string // path: message
	}{
		{"misspelt time zone", "timezone: Europe/Vienna", "timezone: Europe/Viena", "Europe/Viena",
			`reps[5].timezone: unknown time zone "Europe/Viena" (did you mean "Europe/Vienna"?)`},
		{"unknown key with suggestion", "    capacity: 15\n", "    capasity: 15\n", "capasity",
			`reps[6].capasity: unknown key "capasity" (did you mean "capacity"?)`},
		{"a secret value in the file", "    secret_env: [DEALFLOW_LEADS_SECRET, DEALFLOW_LEADS_SECRET_PREVIOUS]",
			"    secret: s3cr3t", "secret:",
			`webhooks.leads.secret: unknown key "secret"; secrets never go in the org file: name the environment variable that holds it with "secret_env"`},
		{"a secret in an env field", "[DEALFLOW_LEADS_SECRET, DEALFLOW_LEADS_SECRET_PREVIOUS]",
			"[DEALFLOW_LEADS_SECRET, whsec_9f8a7b]", "whsec_9f8a7b",
			`webhooks.leads.secret_env[1]: must be the NAME of an environment variable holding the secret (e.g. DEALFLOW_LEADS_SECRET), never the secret itself`},
		{"duplicate rep email", "jonas.becker@northwind.example", "katrin.mueller@northwind.example", "katrin.mueller@northwind.example\n    role: SDR",
			`reps[1].email: duplicate rep email "katrin.mueller@northwind.example" (first at reps[0].email)`},
		{"duplicate rep id", "  - id: grace-lee", "  - id: ava-wilson", "ava-wilson\n    name: Grace",
			`reps[15].id: duplicate rep id "ava-wilson" (first at reps[13].id)`},
		{"team manager not a rep", "    manager: michael-johnson\n\nreps:", "    manager: michael-jonson\n\nreps:", "michael-jonson",
			`teams[1].manager: team manager "michael-jonson" is not a rep (did you mean "michael-johnson"?)`},
		{"team currency without a rate", "    manager: michael-johnson\n\nreps:", "    manager: michael-johnson\n    currency: GBP\n\nreps:", "GBP\n\nreps:",
			`teams[1].currency: no rate for GBP: add it under org.currency_rates (units of EUR per GBP) so the team's digest can convert`},
		{"team manager not a manager", "    manager: michael-johnson\n\nreps:", "    manager: olivia-brown\n\nreps:", "olivia-brown\n\nreps:",
			`teams[1].manager: team manager "olivia-brown" is an AE, not a manager`},
		{"pool names an unknown rep", "{rep: ava-wilson,", "{rep: ava-wilsen,", "ava-wilsen",
			`routing.pools[3].members[2].rep: unknown rep "ava-wilsen" (did you mean "ava-wilson"?)`},
		{"pool member of the wrong role", "{rep: ava-wilson,", "{rep: noah-martinez,", "noah-martinez, weight: 1, daily_cap: 4",
			`routing.pools[3].members[2].rep: pool member "noah-martinez" is a CSM, not an AE`},
		{"pool of the wrong role for the stage", "      action: {pool: dach-csm}", "      action: {pool: dach-sdr}", "dach-sdr}\n    - id: na-onboarding",
			`routing.rules[7].action.pool: pool "dach-sdr" holds SDR reps; stage onboarding needs CSM reps`},
		{"zero weight", "{rep: ava-wilson, weight: 1,", "{rep: ava-wilson, weight: 0,", "0, daily_cap: 4",
			`routing.pools[3].members[2].weight: weight must be positive, got 0`},
		{"probability out of range", "probability: 60,", "probability: 160,", "160",
			`pipelines[0].stages[3].probability: probability 160 is out of range 0..100`},
		{"lost stage with probability", "probability: 0, lost: true", "probability: 5, lost: true", "5, lost",
			`pipelines[0].stages[6].probability: a lost stage has probability 0, not 5`},
		{"cron with five fields", "cron(0 7 1 * ? *)", "cron(0 7 1 * ?)", "cron(0 7 1 * ?)",
			`digests[1].schedule: schedule "cron(0 7 1 * ?)" has 5 fields; AWS cron() has 6: minutes hours day-of-month month day-of-week year`},
		{"cron that cannot fire", "cron(0 7 1 * ? *)", "cron(0 7 30 FEB ? *)", "cron(0 7 30 FEB ? *)",
			`digests[1].schedule: schedule "cron(0 7 30 FEB ? *)" can never fire: day 30 does not exist in month FEB`},
		{"cron with both day fields", "cron(0 7 1 * ? *)", "cron(0 7 1 * MON *)", "cron(0 7 1 * MON *)",
			`digests[1].schedule: schedule "cron(0 7 1 * MON *)": exactly one of day-of-month and day-of-week must be "?"`},
		{"unknown country", "countries: [US, CA]", "countries: [US, XY]", "XY]",
			`territories[1].countries[1]: unknown country code "XY" (want ISO 3166-1 alpha-2, e.g. DE, US)`},
		{"not a number", "    capacity: 15\n", "    capacity: lots\n", "lots",
			`reps[6].capacity: must be a whole number, got "lots"`},
		{"locale typo", "  locale: en-US", "  locale: en_US", "en_US",
			`org.locale: unsupported locale "en_US" (did you mean "en-US"?)`},
		{"unknown role", "    role: CSM\n    team: dach-sales\n    territory: dach\n    capacity: 15", "    role: CMS\n    team: dach-sales\n    territory: dach\n    capacity: 15", "CMS",
			`reps[6].role: unknown role "CMS" (want one of sdr, ae, csm, manager)`},
		{"absence ends before it starts", "{from: 2026-11-16, to: 2026-12-04", "{from: 2026-11-16, to: 2026-11-04", "2026-11-04",
			`reps[3].out_of_office[0].to: 2026-11-04 is before from 2026-11-16`},
		{"bad date", "{from: 2026-11-16,", "{from: 2026-11-31,", "2026-11-31",
			`reps[3].out_of_office[0].from: invalid date "2026-11-31" (want YYYY-MM-DD)`},
		{"duplicate key", "  - id: sophie-wagner\n", "  - id: sophie-wagner\n    id: sophie\n", "id: sophie\n",
			`reps[5].id: duplicate key "id"`},
		{"quota with too many decimals", "{period: quarter, amount: 120000}", "{period: quarter, amount: 120000.505}", "120000.505",
			`reps[5].quota[0].amount: invalid amount "120000.505" (a decimal in major units of EUR with at most 2 decimals)`},
		{"custom qualification without fields", "qualification: bant", "qualification: custom", "qualification: custom",
			`handoff.required_fields: qualification: custom needs the list of required fields`},
		{"duplicate hubspot stage", "hubspot_id: qualifiedtobuy", "hubspot_id: appointmentscheduled", "appointmentscheduled}\n      - {id: demo",
			`pipelines[0].stages[1].hubspot_id: duplicate hubspot_id "appointmentscheduled" (first at pipelines[0].stages[0].hubspot_id)`},
		{"quoted value over two lines", "  name: Northwind Analytics", "  name: \"Northwind\n    Analytics\"", `"Northwind`,
			`org.name: this quoted value runs on over several lines; is its closing quote missing?`},
	}
	sample := readSample(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Count(sample, tt.old) != 1 {
				t.Fatalf("%q is not unique in the sample", tt.old)
			}
			data := strings.Replace(sample, tt.old, tt.new, 1)
			line, col := lineCol(t, data, tt.at)
			want := fmt.Sprintf("org.yaml:%d:%d: %s", line, col, tt.want)
			_, problems := Parse("org.yaml", []byte(data))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("problems:\n  %s\nwant exactly:\n  %s", strings.Join(got, "\n  "), want)
			}
		})
	}
}

// TestThreeProblemsInOneRun is the acceptance case: a misspelt time zone, an unknown rep in a pool
// and a YAML syntax error are all reported, each at its line and column.
func TestThreeProblemsInOneRun(t *testing.T) {
	sample := readSample(t)
	data := strings.Replace(sample, "timezone: Europe/Vienna", "timezone: Europe/Berlni", 1)
	data = strings.Replace(data, "{rep: ava-wilson,", "{rep: ava-wilsen,", 1)
	data = strings.Replace(data, "    name: Max Hoffmann", "    name Max Hoffmann", 1)
	tzLine, tzCol := lineCol(t, data, "Europe/Berlni")
	poolLine, poolCol := lineCol(t, data, "ava-wilsen")
	synLine, synCol := lineCol(t, data, "name Max Hoffmann")
	want := []string{
		fmt.Sprintf("org.yaml:%d:%d: reps[4].name: YAML syntax error: could not find expected ':'", synLine, synCol),
		fmt.Sprintf(`org.yaml:%d:%d: reps[5].timezone: unknown time zone "Europe/Berlni" (did you mean "Europe/Berlin"?)`, tzLine, tzCol),
		fmt.Sprintf(`org.yaml:%d:%d: routing.pools[3].members[2].rep: unknown rep "ava-wilsen" (did you mean "ava-wilson"?)`, poolLine, poolCol),
	}
	for name, text := range map[string]string{"LF": data, "CRLF": strings.ReplaceAll(data, "\n", "\r\n")} {
		t.Run(name, func(t *testing.T) {
			_, problems := Parse("org.yaml", []byte(text))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// TestSyntaxErrors checks that each kind of YAML slip is reported once, on the line it is on
// (yaml.v3 itself names the enclosing block's line), without echoes elsewhere.
func TestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name, old, new, at, msg string
	}{
		{"tab indentation", "    capacity: 15\n", "\tcapacity: 15\n", "\tcapacity", "found a tab character that violates indentation"},
		{"unclosed flow list", "countries: [US, CA]", "countries: [US, CA", "countries: [US, CA", "did not find expected ',' or ']'"},
		{"missing colon on a section", "\nteams:\n", "\nteams\n", "teams\n", "could not find expected ':'"},
		{"missing colon on a key", "    name: Max Hoffmann", "    name Max Hoffmann", "name Max", "could not find expected ':'"},
		{"value with a colon", "    name: Max Hoffmann", "    name: Max: Hoffmann", "name: Max:", "mapping values are not allowed in this context"},
		{"unclosed quote", "    name: Max Hoffmann", `    name: "Max Hoffmann`, `name: "Max`, "did not find expected key"},
		{"list item out of line", "      - {id: demo, name: Demo,", "     - {id: demo, name: Demo,", "- {id: demo, name: Demo", "did not find expected key"},
		{"key indented too little", "    name: Max Hoffmann", "  name: Max Hoffmann", "name: Max", "did not find expected '-' indicator"},
	}
	sample := readSample(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(sample, tt.old, tt.new, 1)
			line, _ := lineCol(t, data, tt.at)
			_, problems := Parse("org.yaml", []byte(data))
			if len(problems) != 1 {
				t.Fatalf("want one problem, got %d:\n%s", len(problems), Problems(problems).Error())
			}
			p := problems[0]
			if p.Line != line || p.Message != "YAML syntax error: "+tt.msg {
				t.Errorf("got %s\nwant line %d, message %q", p, line, tt.msg)
			}
		})
	}
}

func TestTooManySyntaxErrorsStops(t *testing.T) {
	data := "org:\n  name: [a\n  locale: [b\n  currency: [c\n  timezone: [d\n  x: [e\n"
	org, problems := Parse("org.yaml", []byte(data))
	if org == nil || len(problems) != maxSyntaxRecoveries+2 {
		t.Fatalf("got %d problems:\n%s", len(problems), Problems(problems).Error())
	}
	if last := problems[len(problems)-1]; !strings.Contains(last.Message, "too many YAML syntax errors") {
		t.Errorf("last problem = %s", last)
	}
}

func TestMergeKeysAndEmptyFile(t *testing.T) {
	sample := readSample(t)
	data := strings.Replace(sample, "    capacity: 15\n", "    <<: {capacity: 15, slack_id: U0FELIX001}\n", 1)
	org, problems := Parse("org.yaml", []byte(data))
	if len(problems) != 0 {
		t.Fatalf("merge key: %s", Problems(problems).Error())
	}
	if felix, _ := org.Rep("felix-schulz"); felix.Capacity != 15 || felix.SlackID != "U0FELIX001" {
		t.Errorf("merged values not applied: %+v", felix)
	}
	_, problems = Parse("empty.yaml", []byte("# nothing yet\n"))
	if len(problems) != 1 || problems[0].String() != "empty.yaml:1:1: (document): the org file is empty" {
		t.Errorf("empty file: %v", problems)
	}
}

func TestMissingRequiredFields(t *testing.T) {
	data := `org: {name: Tiny, currency: EUR, timezone: UTC}
reps:
  - id: a
    role: ae
pipelines:
  - id: p
    stages:
      - {id: won, name: Won, probability: 100, won: true}
      - {id: lost, name: Lost, probability: 0, lost: true}
scoring: {thresholds: {mql: 10, sql: 20}}
routing: {fallback: {queue: q}}
`
	_, problems := Parse("tiny.yaml", []byte(data))
	want := []string{
		"tiny.yaml:3:5: reps[0].name: required",
		"tiny.yaml:3:5: reps[0].email: required",
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestLoad(t *testing.T) {
	if _, err := Load(samplePath); err != nil {
		t.Fatalf("sample: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.yaml")); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(readSample(t), "timezone: Europe/Vienna", "timezone: Mars/Olympus", 1)), 0o644)
	_, err := Load(bad)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.HasPrefix(err.Error(), bad+":") {
		t.Errorf("invalid file: %v", err)
	}
}

func TestDigestScheduleMustFireAgain(t *testing.T) {
	sample := readSample(t)
	_, problems := Parse("org.yaml", []byte(strings.Replace(sample, "cron(0 7 1 * ? *)", "cron(0 7 1 * ? 2020)", 1)))
	if len(problems) != 1 || !strings.HasSuffix(problems[0].String(), `digests[1].schedule: schedule "cron(0 7 1 * ? 2020)" never fires again`) {
		t.Errorf("problems: %v", problems)
	}
	_, problems = Parse("org.yaml", []byte(strings.Replace(sample, "cron(0 7 1 * ? *)", "cron(0 7 1-40 * ? *)", 1)))
	if len(problems) != 1 || !strings.Contains(problems[0].String(), "digests[1].schedule:") {
		t.Errorf("out-of-range day: problems: %v", problems)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct{ in, want string }{
		{"timzone", "timezone"},
		{"timezoen", "timezone"},
		{"workingHours", "working_hours"},
		{"Europe/Berlni", "Europe/Berlin"},
		{"America/NewYork", "America/New_York"},
		{"xyz", ""},
	}
	known := append([]string{"timezone", "working_hours", "name"}, zoneNames...)
	for _, tt := range tests {
		if got := suggest(tt.in, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile(samplePath)
	if err != nil {
		b.Fatal(err)
	}
	broken := []byte(strings.Replace(string(data), "    name: Max Hoffmann", "    name Max Hoffmann", 1))
	for _, c := range []struct {
		name string
		data []byte
	}{{"valid-sample", data}, {"sample-with-syntax-error", broken}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Parse("org.yaml", c.data)
			}
		})
	}
}
