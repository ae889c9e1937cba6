package workhours

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func hours(t *testing.T, s string) domain.DayHours {
	t.Helper()
	var d domain.DayHours
	if err := d.UnmarshalText([]byte(s)); err != nil {
		t.Fatal(err)
	}
	return d
}

func weekdays(t *testing.T, s string) domain.WorkingHours {
	d := hours(t, s)
	return domain.WorkingHours{Mon: d, Tue: d, Wed: d, Thu: d, Fri: d, Sat: domain.DayHours{}, Sun: domain.DayHours{}}
}

func dates(t *testing.T, ss ...string) []domain.CalendarDate {
	t.Helper()
	out := make([]domain.CalendarDate, len(ss))
	for i, s := range ss {
		d, err := domain.ParseCalendarDate(s)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return out
}

func mustNew(t *testing.T, zone string, week domain.WorkingHours, off []domain.CalendarDate) *Calendar {
	t.Helper()
	c, err := New(mustLoc(t, zone), week, off)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// calendars used across the tests: 2026 holidays as the sample org lists them.
func calendars(t *testing.T) map[string]*Calendar {
	allDay := hours(t, "00:00-24:00")
	always := domain.WorkingHours{Mon: allDay, Tue: allDay, Wed: allDay, Thu: allDay, Fri: allDay, Sat: allDay, Sun: allDay}
	split := weekdays(t, "08:30-12:30, 13:30-17:00")
	return map[string]*Calendar{
		"berlin": mustNew(t, "Europe/Berlin", weekdays(t, "09:00-17:00"),
			dates(t, "2026-04-03", "2026-04-06", "2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26")),
		"newyork":      mustNew(t, "America/New_York", weekdays(t, "09:00-17:00"), dates(t, "2026-11-26", "2026-11-27")),
		"berlin-split": mustNew(t, "Europe/Berlin", split, nil),
		"berlin-24x7":  mustNew(t, "Europe/Berlin", always, nil),
		"newyork-24x7": mustNew(t, "America/New_York", always, nil),
	}
}

// local parses "2026-03-27 16:00" as wall-clock time in the calendar's zone.
func local(t *testing.T, c *Calendar, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, c.Location())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddBusinessHours(t *testing.T) {
	cals := calendars(t)
	tests := []struct {
		name, cal, from string
		hours           float64
		want            string // wall clock in the calendar's zone
		wantUTC         string // the same instant in UTC, where DST makes it interesting
	}{
		{"friday afternoon lands on monday noon", "berlin", "2026-11-20 16:00", 4, "2026-11-23 12:00", "2026-11-23T11:00:00Z"},
		{"over the spring change in Berlin (29 Mar)", "berlin", "2026-03-27 16:00", 4, "2026-03-30 12:00", "2026-03-30T10:00:00Z"},
		{"over the autumn change in Berlin (25 Oct)", "berlin", "2026-10-23 16:00", 4, "2026-10-26 12:00", "2026-10-26T11:00:00Z"},
		{"over the spring change in New York (8 Mar)", "newyork", "2026-03-06 15:00", 4, "2026-03-09 11:00", "2026-03-09T15:00:00Z"},
		{"over the autumn change in New York (1 Nov)", "newyork", "2026-10-30 16:00", 4, "2026-11-02 12:00", "2026-11-02T17:00:00Z"},
		{"Easter: Good Friday and Easter Monday off", "berlin", "2026-04-02 16:00", 4, "2026-04-07 12:00", ""},
		{"Thanksgiving and the day after off", "newyork", "2026-11-25 15:00", 4, "2026-11-30 11:00", ""},
		{"Christmas week", "berlin", "2026-12-23 15:00", 8, "2026-12-28 15:00", ""},
		{"running out at the end of a span stays that day", "berlin", "2026-11-20 13:00", 4, "2026-11-20 17:00", ""},
		{"before hours starts counting at 09:00", "berlin", "2026-11-23 06:00", 1, "2026-11-23 10:00", ""},
		{"a weekend start counts from monday", "berlin", "2026-11-21 11:00", 2, "2026-11-23 11:00", ""},
		{"half an hour over the evening", "berlin", "2026-11-23 16:45", 0.5, "2026-11-24 09:15", ""},
		{"lunch break is skipped", "berlin-split", "2026-11-23 11:30", 2, "2026-11-23 14:30", ""},
		{"a full working week", "berlin", "2026-11-23 09:00", 40, "2026-11-27 17:00", ""},
		{"round the clock over the lost hour", "berlin-24x7", "2026-03-28 12:00", 24, "2026-03-29 13:00", "2026-03-29T11:00:00Z"},
		{"round the clock over the extra hour", "newyork-24x7", "2026-10-31 12:00", 24, "2026-11-01 11:00", "2026-11-01T16:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cals[tt.cal]
			got := c.AddBusinessHours(local(t, c, tt.from), tt.hours)
			if want := local(t, c, tt.want); !got.Equal(want) {
				t.Errorf("AddBusinessHours(%s, %v) = %s, want %s", tt.from, tt.hours, got.In(c.Location()), want)
			}
			if tt.wantUTC != "" && got.UTC().Format(time.RFC3339) != tt.wantUTC {
				t.Errorf("in UTC = %s, want %s", got.UTC().Format(time.RFC3339), tt.wantUTC)
			}
		})
	}
}

func TestAddBusinessHoursKeepsTheCallersZone(t *testing.T) {
	c := calendars(t)["berlin"]
	from := local(t, c, "2026-11-20 16:00").UTC()
	got := c.AddBusinessHours(from, 4)
	if got.Location() != time.UTC || got.Format(time.RFC3339) != "2026-11-23T11:00:00Z" {
		t.Errorf("got %s, want 2026-11-23T11:00:00Z in UTC", got)
	}
}

func TestBusinessDurationBetween(t *testing.T) {
	cals := calendars(t)
	tests := []struct {
		name, cal, a, b string
		want            time.Duration
	}{
		{"Berlin spring-forward Sunday has 23 hours", "berlin-24x7", "2026-03-29 00:00", "2026-03-30 00:00", 23 * time.Hour},
		{"Berlin fall-back Sunday has 25 hours", "berlin-24x7", "2026-10-25 00:00", "2026-10-26 00:00", 25 * time.Hour},
		{"New York spring-forward Sunday has 23 hours", "newyork-24x7", "2026-03-08 00:00", "2026-03-09 00:00", 23 * time.Hour},
		{"New York fall-back Sunday has 25 hours", "newyork-24x7", "2026-11-01 00:00", "2026-11-02 00:00", 25 * time.Hour},
		{"a plain week", "berlin", "2026-03-23 00:00", "2026-03-30 00:00", 40 * time.Hour},
		{"Easter week loses Good Friday", "berlin", "2026-03-30 00:00", "2026-04-06 00:00", 32 * time.Hour},
		{"Friday 16:00 to Monday 12:00", "berlin", "2026-11-20 16:00", "2026-11-23 12:00", 4 * time.Hour},
		{"reversed is negative", "berlin", "2026-11-23 12:00", "2026-11-20 16:00", -4 * time.Hour},
		{"inside a weekend", "berlin", "2026-11-21 10:00", "2026-11-22 18:00", 0},
		{"Thanksgiving week", "newyork", "2026-11-23 00:00", "2026-11-30 00:00", 24 * time.Hour},
		{"split day", "berlin-split", "2026-11-23 00:00", "2026-11-24 00:00", 7*time.Hour + 30*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cals[tt.cal]
			if got := c.BusinessDurationBetween(local(t, c, tt.a), local(t, c, tt.b)); got != tt.want {
				t.Errorf("BusinessDurationBetween(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestAddBusinessDays(t *testing.T) {
	cals := calendars(t)
	tests := []struct {
		name, cal, from string
		n               int
		want            string
	}{
		{"friday + 1 over the Berlin autumn change", "berlin", "2026-10-23 10:00", 1, "2026-10-26 10:00"},
		{"over Easter", "berlin", "2026-04-02 10:00", 1, "2026-04-07 10:00"},
		{"back over Easter", "berlin", "2026-04-07 10:00", -1, "2026-04-02 10:00"},
		{"saturday + 1 is monday", "berlin", "2026-11-21 10:00", 1, "2026-11-23 10:00"},
		{"zero keeps a weekend time", "berlin", "2026-11-21 10:00", 0, "2026-11-21 10:00"},
		{"a week over the New York spring change", "newyork", "2026-03-06 10:00", 5, "2026-03-13 10:00"},
		{"over Thanksgiving", "newyork", "2026-11-25 10:00", 1, "2026-11-30 10:00"},
		{"two weeks", "berlin", "2026-11-30 09:00", 10, "2026-12-14 09:00"},
		{"over Christmas", "berlin", "2026-12-21 09:00", 5, "2026-12-30 09:00"},
		{"time of day outside hours is kept", "berlin", "2026-11-23 20:00", 1, "2026-11-24 20:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cals[tt.cal]
			got := c.AddBusinessDays(local(t, c, tt.from), tt.n)
			if want := local(t, c, tt.want); !got.Equal(want) {
				t.Errorf("AddBusinessDays(%s, %d) = %s, want %s", tt.from, tt.n, got.In(c.Location()), want)
			}
		})
	}
}

func TestIsWorkingAndNextWorkingTime(t *testing.T) {
	cals := calendars(t)
	tests := []struct {
		name, cal, at string
		working       bool
		next          string
	}{
		{"start of the day is working", "berlin", "2026-11-23 09:00", true, "2026-11-23 09:00"},
		{"end of the day is not", "berlin", "2026-11-20 17:00", false, "2026-11-23 09:00"},
		{"a minute before the end is", "berlin", "2026-11-20 16:59", true, "2026-11-20 16:59"},
		{"saturday", "berlin", "2026-11-21 10:00", false, "2026-11-23 09:00"},
		{"early morning", "berlin", "2026-11-24 07:00", false, "2026-11-24 09:00"},
		{"Good Friday", "berlin", "2026-04-03 10:00", false, "2026-04-07 09:00"},
		{"lunch break", "berlin-split", "2026-11-23 12:45", false, "2026-11-23 13:30"},
		{"Thanksgiving", "newyork", "2026-11-26 11:00", false, "2026-11-30 09:00"},
		{"Monday after the New York spring change", "newyork", "2026-03-09 09:30", true, "2026-03-09 09:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cals[tt.cal]
			at := local(t, c, tt.at)
			if got := c.IsWorking(at); got != tt.working {
				t.Errorf("IsWorking(%s) = %v, want %v", tt.at, got, tt.working)
			}
			if got, want := c.NextWorkingTime(at), local(t, c, tt.next); !got.Equal(want) {
				t.Errorf("NextWorkingTime(%s) = %s, want %s", tt.at, got.In(c.Location()), want)
			}
		})
	}
}

// Adding d of business time and measuring back must give d, for any start and any d.
func TestAddThenMeasureRoundTrips(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, c := range calendars(t) {
		t.Run(name, func(t *testing.T) {
			for range 500 {
				from := start.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
				d := time.Duration(r.Int64N(int64(120*time.Hour))).Truncate(time.Minute) + time.Minute
				to := c.AddBusinessDuration(from, d)
				if got := c.BusinessDurationBetween(from, to); got != d {
					t.Fatalf("from %s: add %v → %s, measured back %v", from, d, to, got)
				}
			}
		})
	}
}

func TestForRep(t *testing.T) {
	org := &domain.Org{Settings: domain.OrgSettings{
		WorkingHours: weekdays(t, "09:00-17:00"),
		Holidays: map[string][]domain.Holiday{
			"DE":    {{Date: dates(t, "2026-04-03")[0], Name: "Karfreitag"}},
			"DE-BY": {{Date: dates(t, "2026-06-04")[0], Name: "Fronleichnam"}},
		},
	}}
	rep := domain.Rep{ID: "max", Timezone: "Europe/Berlin", HolidayCalendar: "DE-BY",
		WorkingHours: domain.WorkingHours{Fri: hours(t, "09:00-13:00")},
		OutOfOffice:  []domain.Absence{{From: dates(t, "2026-11-16")[0], To: dates(t, "2026-11-20")[0]}}}
	c, err := ForRep(org, rep)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-04-03", false}, // the country's holiday
		{"2026-06-04", false}, // the region's holiday
		{"2026-06-05", true},
		{"2026-11-13", true},
		{"2026-11-16", false}, // out of office, first day
		{"2026-11-20", false}, // out of office, last day
		{"2026-11-23", true},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			if got := c.IsWorkingDay(dates(t, tt.day)[0]); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
	// Fridays are the rep's own short day; the other days come from the org default.
	if got := c.BusinessDurationBetween(local(t, c, "2026-11-09 00:00"), local(t, c, "2026-11-14 00:00")); got != 36*time.Hour {
		t.Errorf("week = %v, want 36h (4 × 8h + 4h)", got)
	}
}

func TestNewRejectsAWeekWithoutHours(t *testing.T) {
	if _, err := New(time.UTC, domain.WorkingHours{Mon: domain.DayHours{}}, nil); err == nil {
		t.Fatal("want an error for a week with no working hours")
	}
	if _, err := ForRep(&domain.Org{}, domain.Rep{ID: "x", Timezone: "Europe/Berlni"}); err == nil {
		t.Fatal("want an error for an unknown zone")
	}
}
