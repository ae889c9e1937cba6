package schedexpr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustParse(t testing.TB, expr string) Expression {
	t.Helper()
	e, err := Parse(expr)
	if err != nil {
		t.Fatalf("Parse(%q): %v", expr, err)
	}
	return e
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadZone(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fmtTimes(ts []time.Time) string {
	var b []string
	for _, t := range ts {
		b = append(b, t.UTC().Format(time.RFC3339))
	}
	return strings.Join(b, " ")
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		expr      string
		wantField string // the field the reason must name
		wantText  string
	}{
		{"cron(0 10 * * ?)", "", "6 fields"},
		{"cron(0 10 * * ? * *)", "", "6 fields"},
		{"cron(0 10 * * * *)", "day-of-month/day-of-week", "must be ?"},
		{"cron(0 10 ? * ? *)", "day-of-month/day-of-week", "cannot both be ?"},
		{"cron(60 10 * * ? *)", "minutes", "out of range 0-59"},
		{"cron(0 24 * * ? *)", "hours", "out of range 0-23"},
		{"cron(0 10 0 * ? *)", "day-of-month", "out of range 1-31"},
		{"cron(0 10 ? 13 MON *)", "month", "out of range 1-12"},
		{"cron(0 10 ? FOO MON *)", "month", "JAN-DEC"},
		{"cron(0 10 ? * 8 *)", "day-of-week", "out of range 1-7"},
		{"cron(0 10 ? * 0 *)", "day-of-week", "out of range 1-7"},
		{"cron(0 10 ? * NOT *)", "day-of-week", "SUN-SAT"},
		{"cron(0 10 * * ? 1969)", "year", "out of range 1970-2199"},
		{"cron(0 10 * * ? 2200)", "year", "out of range 1970-2199"},
		{"cron(0 10 * * ? 2030-2026)", "year", "ends before it starts"},
		{"cron(0 10 ? * 3#1,6#3 *)", "day-of-week", "only one expression"},
		{"cron(0 10 ? * 3#6 *)", "day-of-week", "1-5"},
		{"cron(0 10 2#1 * ? *)", "day-of-month", "only allowed in day-of-week"},
		{"cron(0 10 ? * 2/2 *)", "day-of-week", "not allowed in day-of-week"},
		{"cron(0/0 10 * * ? *)", "minutes", "increment"},
		{"cron(0/x 10 * * ? *)", "minutes", "increment"},
		{"cron(0 ? * * ? *)", "hours", "? is only allowed"},
		{"cron(0 10 1,L * ? *)", "day-of-month", "stand alone"},
		{"cron(0 10 1-5W * ? *)", "day-of-month", "W needs a single day"},
		{"cron(0 10 32W * ? *)", "day-of-month", "out of range"},
		{"cron(0 10 ? * 2,6L *)", "day-of-week", "must stand alone"},
		{"cron(0 10 ? * 8L *)", "day-of-week", "out of range"},
		{"cron(0 10 1,,2 * ? *)", "day-of-month", "empty list item"},
		{"cron(a 10 * * ? *)", "minutes", "not a number"},
		{"rate(0 minutes)", "rate value", "positive integer"},
		{"rate(-5 minutes)", "rate value", "positive integer"},
		{"rate(1.5 hours)", "rate value", "positive integer"},
		{"rate(5)", "", "two fields"},
		{"rate(5 weeks)", "rate unit", "minute, minutes"},
		{"rate(1 minutes)", "rate unit", "singular"},
		{"rate(5 hour)", "rate unit", "plural"},
		{"rate(99999999999 days)", "rate value", "too large"},
		{"at(2026-02-30T09:00:00)", "at time", "yyyy-mm-dd"},
		{"at(2026-07-01 09:00:00)", "at time", "yyyy-mm-dd"},
		{"at(2026-07-01T09:00:00Z)", "at time", "yyyy-mm-dd"},
		{"every(5 minutes)", "", "unknown expression type"},
		{"cron 0 10 * * ? *", "", "must be cron("},
		{"", "", "must be cron("},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := Parse(tc.expr)
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) = %v, want a *ParseError", tc.expr, err)
			}
			if pe.Field != tc.wantField {
				t.Errorf("field = %q, want %q (%v)", pe.Field, tc.wantField, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) || !strings.Contains(err.Error(), tc.expr) {
				t.Errorf("error %q should contain %q and the expression", err, tc.wantText)
			}
		})
	}
}

// TestNext covers semantics the shared oracle leaves out; expected times are read off a calendar.
func TestNext(t *testing.T) {
	tests := []struct {
		name, expr, tz, from, start string
		want                        string
	}{
		{"names are case-insensitive", "cron(0 9 ? jan-feb mon *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-05T09:00:00Z 2026-01-12T09:00:00Z 2026-01-19T09:00:00Z 2026-01-26T09:00:00Z 2026-02-02T09:00:00Z"},
		{"star step", "cron(*/20 9 * * ? *)", "UTC", "2026-01-01T09:10:00Z", "",
			"2026-01-01T09:20:00Z 2026-01-01T09:40:00Z 2026-01-02T09:00:00Z"},
		{"range with step", "cron(0 8-18/5 * * ? *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-01T08:00:00Z 2026-01-01T13:00:00Z 2026-01-01T18:00:00Z 2026-01-02T08:00:00Z"},
		{"hour range wraps midnight", "cron(0 22-1 * * ? *)", "UTC", "2026-01-01T12:00:00Z", "",
			"2026-01-01T22:00:00Z 2026-01-01T23:00:00Z 2026-01-02T00:00:00Z 2026-01-02T01:00:00Z 2026-01-02T22:00:00Z"},
		{"weekday range wraps the week", "cron(0 9 ? * FRI-MON *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-02T09:00:00Z 2026-01-03T09:00:00Z 2026-01-04T09:00:00Z 2026-01-05T09:00:00Z 2026-01-09T09:00:00Z"},
		{"month step", "cron(0 0 1 1/3 ? *)", "UTC", "2026-01-15T00:00:00Z", "",
			"2026-04-01T00:00:00Z 2026-07-01T00:00:00Z 2026-10-01T00:00:00Z 2027-01-01T00:00:00Z"},
		{"year list and step", "cron(0 0 1 1 ? 2027/3,2029)", "UTC", "2026-01-15T00:00:00Z", "",
			"2027-01-01T00:00:00Z 2029-01-01T00:00:00Z 2030-01-01T00:00:00Z 2033-01-01T00:00:00Z"},
		{"last weekday of month", "cron(0 17 LW * ? *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-30T17:00:00Z 2026-02-27T17:00:00Z 2026-03-31T17:00:00Z 2026-04-30T17:00:00Z 2026-05-29T17:00:00Z"},
		{"L-2 is two days before the last", "cron(0 0 L-2 * ? *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-29T00:00:00Z 2026-02-26T00:00:00Z 2026-03-29T00:00:00Z"},
		{"1W on a Saturday stays in the month", "cron(0 9 1W * ? *)", "UTC", "2026-07-20T00:00:00Z", "",
			"2026-08-03T09:00:00Z 2026-09-01T09:00:00Z 2026-10-01T09:00:00Z 2026-11-02T09:00:00Z"},
		{"31W is absent from short months, a Sunday 31st moves back", "cron(0 9 31W * ? *)", "UTC", "2026-04-01T00:00:00Z", "",
			"2026-05-29T09:00:00Z 2026-07-31T09:00:00Z 2026-08-31T09:00:00Z"},
		{"fifth Thursday only where there is one", "cron(0 9 ? * 5#5 *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-29T09:00:00Z 2026-04-30T09:00:00Z 2026-07-30T09:00:00Z 2026-10-29T09:00:00Z"},
		{"named weekday with L and #", "cron(0 9 ? * MONL *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2026-01-26T09:00:00Z 2026-02-23T09:00:00Z"},
		{"31st only in long months", "cron(0 0 31 * ? *)", "UTC", "2026-01-31T00:00:00Z", "",
			"2026-03-31T00:00:00Z 2026-05-31T00:00:00Z 2026-07-31T00:00:00Z"},
		{"29 Feb waits for a leap year", "cron(0 0 29 2 ? *)", "UTC", "2026-01-01T00:00:00Z", "",
			"2028-02-29T00:00:00Z 2032-02-29T00:00:00Z"},
		{"never after 2199", "cron(59 23 31 12 ? *)", "UTC", "2198-06-01T00:00:00Z", "",
			"2198-12-31T23:59:00Z 2199-12-31T23:59:00Z"},
		{"from with seconds", "cron(* * * * ? *)", "UTC", "2026-01-01T10:00:30Z", "",
			"2026-01-01T10:01:00Z 2026-01-01T10:02:00Z"},
		{"start date bounds cron", "cron(0 10 * * ? *)", "UTC", "2026-01-01T00:00:00Z", "2026-01-05T10:00:00Z",
			"2026-01-05T10:00:00Z 2026-01-06T10:00:00Z"},
		{"start date between slots", "cron(0 10 * * ? *)", "UTC", "2026-01-01T00:00:00Z", "2026-01-05T10:00:01Z",
			"2026-01-06T10:00:00Z"},
		{"rate keeps its phase from start", "rate(90 minutes)", "UTC", "2026-01-01T02:00:00Z", "2026-01-01T00:00:00Z",
			"2026-01-01T03:00:00Z 2026-01-01T04:30:00Z"},
		{"rate before start fires first at start", "rate(1 hour)", "UTC", "2025-12-01T00:00:00Z", "2026-01-01T00:00:30Z",
			"2026-01-01T00:00:30Z 2026-01-01T01:00:30Z"},
		{"rate days are 24h across Berlin spring forward", "rate(1 day)", "Europe/Berlin", "2026-03-28T08:00:00Z", "2026-03-28T08:00:00Z",
			"2026-03-28T08:00:00Z 2026-03-29T08:00:00Z 2026-03-30T08:00:00Z"},
		{"at ignores start", "at(2026-07-01T09:00:00)", "UTC", "2026-06-01T00:00:00Z", "2026-08-01T00:00:00Z",
			"2026-07-01T09:00:00Z"},
		{"at in a spring-forward gap fires shifted by the gap", "at(2026-03-08T02:30:00)", "America/New_York", "2026-03-01T00:00:00Z", "",
			"2026-03-08T07:30:00Z"},
		{"at on a repeated time fires at its first instance", "at(2026-11-01T01:30:00)", "America/New_York", "2026-10-01T00:00:00Z", "",
			"2026-11-01T05:30:00Z"},
		{"from inside the repeated hour does not re-fire the slot", "cron(30 1 * * ? *)", "America/New_York", "2026-11-01T06:10:00Z", "",
			"2026-11-02T06:30:00Z"},
		{"every minute through the repeated hour fires each wall minute once", "cron(58-59,0-1 * * * ? *)", "America/New_York", "2026-11-01T05:30:00Z", "",
			"2026-11-01T05:58:00Z 2026-11-01T05:59:00Z 2026-11-01T07:00:00Z 2026-11-01T07:01:00Z"},
		{"half-hour zone", "cron(0 9 * * ? *)", "Asia/Kolkata", "2026-01-01T00:00:00Z", "",
			"2026-01-01T03:30:00Z 2026-01-02T03:30:00Z"},
		{"Lord Howe's 30-minute DST gap skips 02:15", "cron(15 2 * * ? *)", "Australia/Lord_Howe", "2026-10-03T00:00:00Z", "",
			"2026-10-04T15:15:00Z 2026-10-05T15:15:00Z"}, // 4 Oct 02:15 (+10:30) would be 3 Oct 15:45Z

	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustParse(t, tc.expr)
			var start time.Time
			if tc.start != "" {
				start = utc(tc.start)
			}
			want := strings.Fields(tc.want)
			// Expressions that run out must stop: ask for one more than expected.
			n := len(want)
			if strings.HasPrefix(tc.name, "never") || strings.HasPrefix(tc.expr, "at(") {
				n++
			}
			got := Upcoming(e, mustZone(t, tc.tz), utc(tc.from), start, n)
			if fmtTimes(got) != strings.Join(want, " ") {
				t.Fatalf("%s in %s after %s:\n got  %s\n want %s", tc.expr, tc.tz, tc.from, fmtTimes(got), strings.Join(want, " "))
			}
		})
	}
}

// TestCronAgainstMinuteScan cross-checks the field-jumping search against a brute-force scan of
// every UTC minute, applying the DST rule independently: a minute fires when its wall time
// matches and it is the first instant with that wall time.
func TestCronAgainstMinuteScan(t *testing.T) {
	exprs := []string{
		"cron(0/7 */5 * * ? *)", "cron(15,45 1-3 ? * SUN *)", "cron(0 2 L * ? *)", "cron(30 2 ? * 1#2 *)",
		"cron(0 0/2 15W * ? *)", "cron(59 23 ? * 7L *)", "cron(0 3 LW 3,10,11 ? *)", "cron(* 2 8 3 ? 2026)",
	}
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe"}
	for _, expr := range exprs {
		for _, zone := range zones {
			for _, window := range [][2]string{{"2026-03-01T00:00:00Z", "2026-04-10T00:00:00Z"}, {"2026-10-01T00:00:00Z", "2026-11-05T00:00:00Z"}} {
				t.Run(expr+"/"+zone+"/"+window[0][:7], func(t *testing.T) {
					c := mustParse(t, expr).(*Cron)
					loc := mustZone(t, zone)
					from, to := utc(window[0]), utc(window[1])
					var want []time.Time
					seen := map[civil]bool{}
					for u := from.Add(time.Minute); u.Before(to); u = u.Add(time.Minute) {
						w := civilOf(u.In(loc))
						if seen[w] {
							continue // the second instance of a repeated wall time never fires
						}
						seen[w] = true
						if c.minutes&(1<<w.mi) != 0 && c.hours&(1<<w.h) != 0 && c.months&(1<<w.mo) != 0 &&
							c.hasYear(w.y) && c.dayMask(w.y, w.mo)&(1<<w.d) != 0 {
							want = append(want, u)
						}
					}
					var got []time.Time
					for t0, ok := c.Next(from, loc, time.Time{}); ok && t0.Before(to); t0, ok = c.Next(t0, loc, time.Time{}) {
						got = append(got, t0)
					}
					if fmtTimes(got) != fmtTimes(want) {
						t.Fatalf("got %d times, scan %d\n got  %s\n want %s", len(got), len(want), fmtTimes(got), fmtTimes(want))
					}
				})
			}
		}
	}
}

func TestLoadZone(t *testing.T) {
	for _, name := range []string{"", "UTC", "Europe/Berlin"} {
		if _, err := LoadZone(name); err != nil {
			t.Errorf("LoadZone(%q): %v", name, err)
		}
	}
	for _, name := range []string{"Local", "Europe/Nowhere", "+02:00"} {
		if _, err := LoadZone(name); err == nil {
			t.Errorf("LoadZone(%q) accepted", name)
		}
	}
}
