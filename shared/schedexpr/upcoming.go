package schedexpr

import (
	"fmt"
	"time"
)

// LoadZone resolves a ScheduleExpressionTimezone: an IANA zone name, or "" / "UTC" for UTC.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "UTC" {
		return time.UTC, nil
	}
	// "Local" is Go's name for the host zone, not an IANA zone AWS would accept.
	if name == "Local" {
		return nil, fmt.Errorf("time zone %q: must be an IANA zone name such as Europe/Berlin", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: not a known IANA zone name (e.g. Europe/Berlin, America/New_York): %w", name, err)
	}
	return loc, nil
}

// Upcoming returns up to n fire times that are still to come when the schedule is observed at
// `from`: those strictly after it, except that when from is the schedule's StartDate a fire time
// at the StartDate itself is included (a rate() first fires at its StartDate). Fewer than n are
// returned when the expression runs out.
func Upcoming(e Expression, loc *time.Location, from, start time.Time, n int) []time.Time {
	after := from
	if !start.IsZero() && from.Equal(start) {
		after = start.Add(-time.Nanosecond)
	}
	var out []time.Time
	for len(out) < n {
		t, ok := e.Next(after, loc, start)
		if !ok {
			break
		}
		out = append(out, t)
		after = t
	}
	return out
}
