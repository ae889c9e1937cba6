package metrics

import (
	"fmt"
	"time"
)

// PeriodKind is what a digest covers.
type PeriodKind string

const (
	Week    PeriodKind = "week"
	Month   PeriodKind = "month"
	Quarter PeriodKind = "quarter"
)

// ParsePeriodKind accepts week, month and quarter ("" means week, the org file's default).
func ParsePeriodKind(s string) (PeriodKind, error) {
	switch PeriodKind(s) {
	case "", Week:
		return Week, nil
	case Month, Quarter:
		return PeriodKind(s), nil
	}
	return "", fmt.Errorf("unknown period %q (want week, month or quarter)", s)
}

// Period is the half-open interval [Start, End) of whole calendar days in a time zone: an ISO
// week (Monday to Sunday), a calendar month or a calendar quarter. Start and End are midnights in
// Loc, so a week that crosses a DST change is 167 or 169 hours long.
type Period struct {
	Kind  PeriodKind
	Start time.Time
	End   time.Time
	Loc   *time.Location
}

// PeriodAt returns the period of the given kind that contains t, in loc.
func PeriodAt(kind PeriodKind, t time.Time, loc *time.Location) Period {
	if loc == nil {
		loc = time.UTC
	}
	l := t.In(loc)
	y, m, d := l.Date()
	var start, end time.Time
	switch kind {
	case Month:
		start = time.Date(y, m, 1, 0, 0, 0, 0, loc)
		end = time.Date(y, m+1, 1, 0, 0, 0, 0, loc)
	case Quarter:
		q := (int(m) - 1) / 3
		start = time.Date(y, time.Month(q*3+1), 1, 0, 0, 0, 0, loc)
		end = time.Date(y, time.Month(q*3+4), 1, 0, 0, 0, 0, loc)
	default:
		kind = Week
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		start = time.Date(y, m, d-back, 0, 0, 0, 0, loc)
		end = time.Date(y, m, d-back+7, 0, 0, 0, 0, loc)
	}
	return Period{Kind: kind, Start: start, End: end, Loc: loc}
}

// LastComplete is the most recent period that ended at or before t: on a Monday morning, last
// week.
func LastComplete(kind PeriodKind, t time.Time, loc *time.Location) Period {
	return PeriodAt(kind, t, loc).Previous()
}

// Previous is the period just before p.
func (p Period) Previous() Period {
	return PeriodAt(p.Kind, p.Start.Add(-time.Nanosecond), p.Loc)
}

// Next is the period just after p.
func (p Period) Next() Period { return PeriodAt(p.Kind, p.End, p.Loc) }

// Contains reports whether t is in [Start, End).
func (p Period) Contains(t time.Time) bool { return !t.Before(p.Start) && t.Before(p.End) }

// Days is the number of calendar days in the period.
func (p Period) Days() int { return calendarDays(p.Start, p.End, p.Loc) }

// Key names the period: "2026-W49" (ISO week), "2026-11", "2026-Q4".
func (p Period) Key() string {
	switch p.Kind {
	case Month:
		return p.Start.Format("2006-01")
	case Quarter:
		return fmt.Sprintf("%d-Q%d", p.Start.Year(), (int(p.Start.Month())-1)/3+1)
	}
	y, w := p.Start.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

func (p Period) String() string {
	return fmt.Sprintf("%s [%s, %s) %s", p.Key(), p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), p.Loc)
}

// calendarDays counts the midnights crossed from a to b in loc (b exclusive), so DST days count
// as one day each.
func calendarDays(a, b time.Time, loc *time.Location) int {
	ya, ma, da := a.In(loc).Date()
	yb, mb, db := b.In(loc).Date()
	ua := time.Date(ya, ma, da, 0, 0, 0, 0, time.UTC)
	ub := time.Date(yb, mb, db, 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// PeriodOfKey is the period a key names ("2026-W47", "2026-11", "2026-Q4") in loc: the inverse
// of Key, so a digest of a past period can be named exactly (a re-send after a failed run).
func PeriodOfKey(key string, loc *time.Location) (Period, error) {
	if loc == nil {
		loc = time.UTC
	}
	var y, n int
	var p Period
	switch {
	case len(key) == 8 && key[4:6] == "-W":
		if _, err := fmt.Sscanf(key, "%4d-W%2d", &y, &n); err != nil {
			return Period{}, fmt.Errorf("period %q: %w", key, err)
		}
		// January 4 is always in ISO week 1 (ISO 8601), so week n starts n-1 weeks after its Monday.
		jan4 := time.Date(y, time.January, 4, 0, 0, 0, 0, loc)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(n-1))
		p = PeriodAt(Week, monday, loc)
	case len(key) == 7 && key[4:6] == "-Q":
		if _, err := fmt.Sscanf(key, "%4d-Q%1d", &y, &n); err != nil || n < 1 || n > 4 {
			return Period{}, fmt.Errorf("period %q: want a quarter Q1 to Q4", key)
		}
		p = PeriodAt(Quarter, time.Date(y, time.Month(3*n-2), 1, 0, 0, 0, 0, loc), loc)
	case len(key) == 7 && key[4] == '-':
		if _, err := fmt.Sscanf(key, "%4d-%2d", &y, &n); err != nil || n < 1 || n > 12 {
			return Period{}, fmt.Errorf("period %q: want a month 01 to 12", key)
		}
		p = PeriodAt(Month, time.Date(y, time.Month(n), 1, 0, 0, 0, 0, loc), loc)
	default:
		return Period{}, fmt.Errorf("period %q: want a week (2026-W47), a month (2026-11) or a quarter (2026-Q4)", key)
	}
	if p.Key() != key { // 2026-W54, 2026-W00
		return Period{}, fmt.Errorf("period %q does not exist (the nearest is %s)", key, p.Key())
	}
	return p, nil
}
