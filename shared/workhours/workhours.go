// Package workhours does business-hours arithmetic for one person: their working hours per
// weekday in their IANA time zone, minus the holidays of their calendar and their days out of
// office. Handoff SLAs ("4 business hours"), reminder thresholds ("no activity for 5 business
// days") and onboarding milestones ("kickoff 3 business days after the win") are computed here.
//
// Business time is real elapsed time inside working spans: a span is placed on its calendar day
// with time.Date in the person's zone, so a day whose clocks change (DST) is exactly as long as
// it really is. Every function is pure: the current time is always an argument.
package workhours

import (
	"fmt"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// searchDays bounds every day-by-day walk: a calendar with working hours has a working day within
// a few weeks, unless someone is out of office for years.
const searchDays = 10 * 366

// Calendar is one person's working time.
type Calendar struct {
	loc  *time.Location
	week [7]domain.DayHours // indexed by time.Weekday
	off  map[domain.CalendarDate]bool
}

// New builds a calendar from a week of working spans in loc and the dates not worked (holidays,
// absences). It fails when the week has no working time at all.
func New(loc *time.Location, week domain.WorkingHours, daysOff []domain.CalendarDate) (*Calendar, error) {
	if loc == nil {
		return nil, fmt.Errorf("workhours: no time zone")
	}
	c := &Calendar{loc: loc, off: map[domain.CalendarDate]bool{}}
	working := false
	for d := time.Sunday; d <= time.Saturday; d++ {
		c.week[d] = week.Day(d)
		working = working || len(c.week[d]) > 0
	}
	if !working {
		return nil, fmt.Errorf("workhours: the week has no working hours")
	}
	for _, d := range daysOff {
		c.off[d] = true
	}
	return c, nil
}

// ForRep builds a rep's calendar from the org file: their zone and week, the holidays of their
// calendar (and its country's), and their out-of-office days.
func ForRep(org *domain.Org, rep domain.Rep) (*Calendar, error) {
	loc, err := domain.LoadLocation(rep.Timezone)
	if err != nil {
		return nil, fmt.Errorf("calendar of rep %s: %w", rep.ID, err)
	}
	var off []domain.CalendarDate
	for _, h := range org.HolidaysFor(rep.HolidayCalendar) {
		off = append(off, h.Date)
	}
	for _, a := range rep.OutOfOffice {
		for d := a.From.In(time.UTC); !a.To.Before(domain.DateOf(d)); d = d.AddDate(0, 0, 1) {
			off = append(off, domain.DateOf(d))
		}
	}
	c, err := New(loc, rep.WorkingHours.WithDefaults(org.Settings.WorkingHours), off)
	if err != nil {
		return nil, fmt.Errorf("calendar of rep %s: %w", rep.ID, err)
	}
	return c, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// span is one working interval in absolute time, [start, end).
type span struct{ start, end time.Time }

// day returns the working spans of the calendar day that is `offset` days after the day of t.
func (c *Calendar) day(base domain.CalendarDate, offset int) (domain.CalendarDate, []span) {
	noon := time.Date(base.Year, base.Month, base.Day+offset, 12, 0, 0, 0, c.loc)
	date := domain.DateOf(noon)
	if c.off[date] {
		return date, nil
	}
	hours := c.week[noon.Weekday()]
	out := make([]span, 0, len(hours))
	for _, r := range hours {
		out = append(out, span{c.at(date, r.Start), c.at(date, r.End)})
	}
	return date, out
}

func (c *Calendar) at(d domain.CalendarDate, t domain.TimeOfDay) time.Time {
	return time.Date(d.Year, d.Month, d.Day, t.Hour(), t.Minute(), 0, 0, c.loc)
}

// IsWorkingDay reports whether the date has working hours and is not a day off.
func (c *Calendar) IsWorkingDay(d domain.CalendarDate) bool {
	_, spans := c.day(d, 0)
	return len(spans) > 0
}

// IsWorking reports whether t falls inside working hours (a span's end is not inside it).
func (c *Calendar) IsWorking(t time.Time) bool {
	_, spans := c.day(domain.DateOf(t.In(c.loc)), 0)
	for _, s := range spans {
		if !t.Before(s.start) && t.Before(s.end) {
			return true
		}
	}
	return false
}

// NextWorkingTime returns t if it is inside working hours, else the start of the next working
// span. It returns the zero time if there is none within ten years.
func (c *Calendar) NextWorkingTime(t time.Time) time.Time {
	base := domain.DateOf(t.In(c.loc))
	for i := range searchDays {
		_, spans := c.day(base, i)
		for _, s := range spans {
			if t.Before(s.end) {
				if t.Before(s.start) {
					return s.start.In(t.Location())
				}
				return t
			}
		}
	}
	return time.Time{}
}

// AddBusinessHours returns the instant h working hours after t ("4 business hours from Friday
// 16:00" with 09:00–17:00 is Monday 12:00). Time before t's next working span does not count.
func (c *Calendar) AddBusinessHours(t time.Time, h float64) time.Time {
	return c.AddBusinessDuration(t, time.Duration(h*float64(time.Hour)))
}

// AddBusinessDuration returns the instant d of working time after t. When d runs out exactly at
// the end of a span, that end is the answer (a 4h SLA from 13:00 is due at 17:00 the same day,
// not at 09:00 the next). A d <= 0 returns t. It returns the zero time if the calendar has no
// working time within ten years.
func (c *Calendar) AddBusinessDuration(t time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return t
	}
	base := domain.DateOf(t.In(c.loc))
	for i := range searchDays {
		_, spans := c.day(base, i)
		for _, s := range spans {
			if !t.Before(s.end) {
				continue
			}
			from := s.start
			if t.After(from) {
				from = t
			}
			avail := s.end.Sub(from)
			if d <= avail {
				return from.Add(d).In(t.Location())
			}
			d -= avail
		}
	}
	return time.Time{}
}

// AddBusinessDays moves t by n working days (negative n moves back), keeping its wall-clock time
// in the calendar's zone, as spreadsheet WORKDAY does: the day of t itself never counts, so one
// business day after a Friday or a Saturday is the Monday, and n = 0 returns t.
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	local := t.In(c.loc)
	base := domain.DateOf(local)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for i := step; i*step <= searchDays; i += step {
		date, spans := c.day(base, i)
		if len(spans) == 0 {
			continue
		}
		if n--; n == 0 {
			return time.Date(date.Year, date.Month, date.Day, local.Hour(), local.Minute(), local.Second(),
				local.Nanosecond(), c.loc).In(t.Location())
		}
	}
	return time.Time{}
}

// BusinessDurationBetween returns the working time in [a, b); negative when b is before a.
func (c *Calendar) BusinessDurationBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessDurationBetween(b, a)
	}
	var total time.Duration
	base := domain.DateOf(a.In(c.loc))
	for i := 0; i <= searchDays; i++ {
		_, spans := c.day(base, i)
		if len(spans) == 0 {
			// A day off still moves the walk on; stop once we are past b.
			if time.Date(base.Year, base.Month, base.Day+i, 0, 0, 0, 0, c.loc).After(b) {
				break
			}
			continue
		}
		if !spans[0].start.Before(b) {
			break
		}
		for _, s := range spans {
			from, to := s.start, s.end
			if a.After(from) {
				from = a
			}
			if b.Before(to) {
				to = b
			}
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}
