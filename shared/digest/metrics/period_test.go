package metrics

import (
	"testing"
	"time"
)

func TestPeriods(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tests := []struct {
		name       string
		kind       PeriodKind
		t          string
		loc        *time.Location
		key        string
		start, end string // RFC3339 in UTC
		hours      float64
	}{
		// Europe leaves summer time on Sun 25 Oct 2026: that week is 169 hours long.
		{"week across DST end in Berlin", Week, "2026-10-22T12:00:00Z", berlin, "2026-W43", "2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z", 169},
		// Monday 00:30 in Berlin is still Sunday in UTC: the week is the local one.
		{"monday just after midnight", Week, "2026-11-15T23:30:00Z", berlin, "2026-W47", "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z", 168},
		// The US leaves summer time on Sun 1 Nov 2026.
		{"week across DST end in New York", Week, "2026-10-28T12:00:00Z", ny, "2026-W44", "2026-10-26T04:00:00Z", "2026-11-02T05:00:00Z", 169},
		{"month", Month, "2026-03-29T12:00:00Z", berlin, "2026-03", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z", 743},
		{"quarter", Quarter, "2026-11-18T12:00:00Z", berlin, "2026-Q4", "2026-09-30T22:00:00Z", "2026-12-31T23:00:00Z", 92*24 + 1},
		{"ISO week 53", Week, "2026-12-31T12:00:00Z", berlin, "2026-W53", "2026-12-27T23:00:00Z", "2027-01-03T23:00:00Z", 168},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := PeriodAt(tc.kind, at(tc.t), tc.loc)
			if p.Key() != tc.key || !p.Start.Equal(at(tc.start)) || !p.End.Equal(at(tc.end)) {
				t.Errorf("period = %s (%s – %s), want %s (%s – %s)", p.Key(), p.Start.UTC(), p.End.UTC(), tc.key, tc.start, tc.end)
			}
			if h := p.End.Sub(p.Start).Hours(); h != tc.hours {
				t.Errorf("length %vh, want %vh", h, tc.hours)
			}
			if prev := p.Previous(); !prev.End.Equal(p.Start) || prev.Next().Key() != p.Key() {
				t.Errorf("previous %s does not end where %s starts", prev, p)
			}
			if k, err := PeriodOfKey(tc.key, tc.loc); err != nil || k.Kind != p.Kind || !k.Start.Equal(p.Start) || !k.End.Equal(p.End) {
				t.Errorf("PeriodOfKey(%s) = %s, %v; want %s", tc.key, k, err, p)
			}
		})
	}
	// Monday 08:00 in Berlin: the last complete week is the one that just ended.
	if got := LastComplete(Week, at("2026-11-23T07:00:00Z"), berlin).Key(); got != "2026-W47" {
		t.Errorf("LastComplete = %s, want 2026-W47", got)
	}
	// ISO week 1 of 2027 starts on Monday 4 Jan; 2027 has no week 53.
	if p, err := PeriodOfKey("2027-W01", berlin); err != nil || p.Start.Format(time.DateOnly) != "2027-01-04" {
		t.Errorf("2027-W01 = %s, %v", p, err)
	}
	for _, bad := range []string{"2027-W53", "2026-W00", "2026-13", "2026-Q5", "2026-11-01", "W47", ""} {
		if _, err := PeriodOfKey(bad, berlin); err == nil {
			t.Errorf("PeriodOfKey(%q) accepted", bad)
		}
	}
	if d := PeriodAt(Quarter, at("2026-11-18T12:00:00Z"), berlin).Days(); d != 92 {
		t.Errorf("Q4 has %d days, want 92", d)
	}
}
