package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestOrgScalarsParse(t *testing.T) {
	tests := []struct {
		name    string
		target  interface{ UnmarshalText([]byte) error }
		in      string
		want    string // re-marshalled, or the error text
		wantErr bool
	}{
		{"hours", new(DayHours), "09:00-17:00", "09:00-17:00", false},
		{"split hours", new(DayHours), "08:30-12:30,13:30-17:00", "08:30-12:30, 13:30-17:00", false},
		{"day off", new(DayHours), "off", "off", false},
		{"until midnight", new(DayHours), "18:00-24:00", "18:00-24:00", false},
		{"over midnight", new(DayHours), "22:00-06:00", `hours "22:00-06:00" end before they start (spans over midnight are not supported)`, true},
		{"overlap", new(DayHours), "09:00-13:00, 12:00-17:00", `hours "09:00-13:00, 12:00-17:00" overlap or are out of order`, true},
		{"single digit hour", new(DayHours), "9:00-17:00", `invalid time "9:00" (want HH:MM)`, true},
		{"days", new(DurationSpec), "14d", "336h0m0s", false},
		{"weeks", new(DurationSpec), "2w", "336h0m0s", false},
		{"go duration", new(DurationSpec), "1h30m", "1h30m0s", false},
		{"bad duration", new(DurationSpec), "fortnight", `invalid duration "fortnight" (e.g. 14d, 2w, 36h, 30m)`, true},
		{"date", new(CalendarDate), "2026-02-28", "2026-02-28", false},
		{"no such date", new(CalendarDate), "2026-02-29", `invalid date "2026-02-29" (want YYYY-MM-DD)`, true},
		{"rate", new(ExchangeRate), "0.92", "0.92", false},
		{"negative rate", new(ExchangeRate), "-1", `invalid exchange rate "-1" (want a positive decimal such as 0.92)`, true},
		{"role any case", new(Role), "SDR", "sdr", false},
		{"unknown role", new(Role), "closer", `unknown role "closer" (want one of sdr, ae, csm, manager)`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.target.UnmarshalText([]byte(tt.in))
			if tt.wantErr {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got string
			switch v := tt.target.(type) {
			case *DayHours:
				b, _ := v.MarshalText()
				got = string(b)
			case *DurationSpec:
				got = v.Duration.String()
			case *CalendarDate:
				got = v.String()
			case *ExchangeRate:
				got = v.String()
			case *Role:
				got = string(*v)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWorkingHoursDefaults(t *testing.T) {
	var nine, off DayHours
	nine.UnmarshalText([]byte("09:00-17:00"))
	off.UnmarshalText([]byte("off"))
	def := WorkingHours{Mon: nine, Tue: nine, Wed: nine, Thu: nine, Fri: nine, Sat: off, Sun: off}
	var short DayHours
	short.UnmarshalText([]byte("09:00-13:00"))
	w := WorkingHours{Fri: short, Mon: off}.WithDefaults(def)
	if w.Day(time.Friday)[0].End.String() != "13:00" || len(w.Day(time.Monday)) != 0 || len(w.Day(time.Tuesday)) != 1 {
		t.Errorf("merged week = %+v: want own Friday, own day-off Monday, default Tuesday", w)
	}
}

func TestAbsenceAndHolidays(t *testing.T) {
	from, _ := ParseCalendarDate("2026-11-16")
	to, _ := ParseCalendarDate("2026-12-04")
	rep := Rep{Timezone: "America/New_York", OutOfOffice: []Absence{{From: from, To: to}}}
	// 2026-11-16 03:00 UTC is still Sunday 15 Nov in New York: not yet away.
	if _, away := rep.OutOfOfficeAt(time.Date(2026, 11, 16, 3, 0, 0, 0, time.UTC)); away {
		t.Error("away on Sunday evening New York time")
	}
	if _, away := rep.OutOfOfficeAt(time.Date(2026, 12, 5, 4, 59, 0, 0, time.UTC)); !away {
		t.Error("not away on the last evening (4 Dec, New York)")
	}
	org := &Org{Settings: OrgSettings{Holidays: map[string][]Holiday{
		"DE": {{Name: "Neujahr"}}, "DE-BY": {{Name: "Fronleichnam"}}, "AT": {{Name: "Nationalfeiertag"}}}}}
	var names []string
	for _, h := range org.HolidaysFor("DE-BY") {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "Fronleichnam,Neujahr" {
		t.Errorf("DE-BY holidays = %v", names)
	}
}

func TestOrgJSONRoundTrip(t *testing.T) {
	var hours DayHours
	hours.UnmarshalText([]byte("08:30-12:30, 13:30-17:00"))
	var rate ExchangeRate
	rate.UnmarshalText([]byte("1.06"))
	d, _ := ParseCalendarDate("2026-03-01")
	in := Org{
		Settings: OrgSettings{Name: "N", Currency: "EUR", CurrencyRates: map[string]ExchangeRate{"CHF": rate}},
		Reps: []Rep{{ID: "a", Role: RoleAE, WorkingHours: WorkingHours{Mon: hours}, StartDate: d,
			Quotas: []Quota{{Period: QuotaQuarter, Amount: "1000", Currency: "EUR", Target: Money{AmountMinor: 100000, Currency: "EUR"}}}}},
		Scoring: ScoringModel{DecayHalfLife: DurationSpec{14 * 24 * time.Hour}},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Org
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%v in %s", err, b)
	}
	if out.Reps[0].WorkingHours.Mon[1].Start.String() != "13:30" || out.Reps[0].StartDate != d ||
		out.Settings.CurrencyRates["CHF"].String() != "1.06" || out.Scoring.DecayHalfLife.Duration != 14*24*time.Hour ||
		out.Reps[0].Quotas[0].Target.AmountMinor != 100000 {
		t.Errorf("round trip lost data: %s", b)
	}
	if !strings.Contains(string(b), `"startDate":"2026-03-01"`) || !strings.Contains(string(b), `"workingHours":{"mon":"08:30-12:30, 13:30-17:00"`) {
		t.Errorf("JSON shape: %s", b)
	}
}
