package schedexpr

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Field limits and wildcards follow the cron field table:
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
const (
	minYear = 1970
	maxYear = 2199
)

// Cron is a parsed cron(minutes hours day-of-month month day-of-week year) expression.
type Cron struct {
	expr    string
	minutes uint64 // bit m set: minute m
	hours   uint32 // bit h set: hour h
	months  uint16 // bit m set: month m (1-12)
	years   [4]uint64
	dom     domSpec // used when dow.any
	dow     dowSpec // used when dom.any
}

// domSpec is the day-of-month field; exactly one of dom and dow is "?" (any).
type domSpec struct {
	any       bool
	days      uint32 // bit d set: day d
	last      bool   // L or L-n
	lastOff   int    // n of L-n
	lastWeek  bool   // LW: last weekday (Mon-Fri) of the month
	nearestW  int    // nW: weekday nearest day n, 0 if unused
	hasFields bool
}

// dowSpec is the day-of-week field, weekdays numbered 1 (SUN) to 7 (SAT).
type dowSpec struct {
	any      bool
	days     uint8 // bit d set: weekday d
	lastOf   int   // nL: last weekday n of the month, 0 if unused
	nth      int   // n#k: weekday n ...
	nthIndex int   // ... k-th occurrence in the month
}

func (c *Cron) String() string { return c.expr }

type fieldDef struct {
	name     string
	min, max int
	names    map[string]int
	slash    bool // "/" increments are in the field's wildcard list
}

var (
	monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
	dayNames   = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

	fMinute = fieldDef{name: "minutes", min: 0, max: 59, slash: true}
	fHour   = fieldDef{name: "hours", min: 0, max: 23, slash: true}
	fDom    = fieldDef{name: "day-of-month", min: 1, max: 31, slash: true}
	fMonth  = fieldDef{name: "month", min: 1, max: 12, names: monthNames, slash: true}
	// The field table lists no "/" for day-of-week (", - * ? L #").
	fDow  = fieldDef{name: "day-of-week", min: 1, max: 7, names: dayNames}
	fYear = fieldDef{name: "year", min: minYear, max: maxYear, slash: true}
)

func parseCron(expr, body string) (Expression, error) {
	fields := strings.Fields(body)
	if len(fields) != 6 {
		// The Scheduler user guide calls the year optional, but its API reference and the
		// scheduled-rules guide require six fields; six is accepted by both.
		return nil, &ParseError{Expr: expr, Reason: fmt.Sprintf("cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d", len(fields))}
	}
	c := &Cron{expr: expr}
	fail := func(f fieldDef, v, reason string) error {
		return &ParseError{Expr: expr, Field: f.name, Value: v, Reason: reason}
	}
	for i, f := range []fieldDef{fMinute, fHour, fMonth, fYear} {
		raw := fields[[]int{0, 1, 3, 5}[i]]
		set, err := parseList(f, raw)
		if err != nil {
			return nil, fail(f, raw, err.Error())
		}
		switch i {
		case 0:
			c.minutes = set[0]
		case 1:
			c.hours = uint32(set[0])
		case 2:
			c.months = uint16(set[0])
		case 3:
			c.years = set
		}
	}
	var err error
	if c.dom, err = parseDom(fields[2]); err != nil {
		return nil, fail(fDom, fields[2], err.Error())
	}
	if c.dow, err = parseDow(fields[4]); err != nil {
		return nil, fail(fDow, fields[4], err.Error())
	}
	// "You can't use * in both the Day-of-month and Day-of-week fields. If you use it in one,
	// you must use ? in the other."
	switch {
	case !c.dom.any && !c.dow.any:
		return nil, &ParseError{Expr: expr, Field: "day-of-month/day-of-week", Value: fields[2] + " " + fields[4],
			Reason: "one of day-of-month and day-of-week must be ? (e.g. cron(0 10 * * ? *) or cron(0 10 ? * MON-FRI *))"}
	case c.dom.any && c.dow.any:
		return nil, &ParseError{Expr: expr, Field: "day-of-month/day-of-week", Value: fields[2] + " " + fields[4],
			Reason: "day-of-month and day-of-week cannot both be ?: set one of them (e.g. * for every day)"}
	}
	return c, nil
}

// parseValue reads a number or (where the field has names) a three-letter name.
func parseValue(f fieldDef, s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("missing value")
	}
	if f.names != nil {
		if v, ok := f.names[strings.ToUpper(s)]; ok {
			return v, nil
		}
	}
	for _, ch := range s {
		if ch < '0' || ch > '9' {
			if f.names != nil {
				return 0, fmt.Errorf("%q is not a number %d-%d or a name (%s)", s, f.min, f.max, nameHint(f))
			}
			return 0, fmt.Errorf("%q is not a number %d-%d", s, f.min, f.max)
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		return 0, fmt.Errorf("%s is out of range %d-%d", s, f.min, f.max)
	}
	return v, nil
}

func nameHint(f fieldDef) string {
	if f.max == 12 {
		return "JAN-DEC"
	}
	return "SUN-SAT"
}

// parseList parses a comma-separated list of *, v, v-w, v/s, v-w/s and */s into a bit set.
// A range whose end is before its start wraps around (FRI-MON, 22-2), as in Quartz, whose syntax
// AWS cron follows; years do not wrap.
func parseList(f fieldDef, raw string) ([4]uint64, error) {
	var set [4]uint64
	// Bit v is value v, except years, where bit i is minYear+i.
	base := 0
	if f.min == minYear {
		base = minYear
	}
	add := func(v int) { i := v - base; set[i/64] |= 1 << (i % 64) }
	for item := range strings.SplitSeq(raw, ",") {
		if item == "" {
			return set, fmt.Errorf("empty list item")
		}
		if item == "?" {
			return set, fmt.Errorf("? is only allowed in day-of-month or day-of-week")
		}
		rng, stepStr, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			if !f.slash {
				return set, fmt.Errorf("/ increments are not allowed in %s", f.name)
			}
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 || n > f.max-f.min+1 || strings.TrimLeft(stepStr, "0123456789") != "" {
				return set, fmt.Errorf("increment %q must be a number 1-%d", stepStr, f.max-f.min+1)
			}
			step = n
		}
		lo, hi := f.min, f.max
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = parseValue(f, a); err != nil {
				return set, err
			}
			if hi, err = parseValue(f, b); err != nil {
				return set, err
			}
			if hi < lo && f.min == minYear {
				return set, fmt.Errorf("range %s ends before it starts", rng)
			}
		default:
			v, err := parseValue(f, rng)
			if err != nil {
				return set, err
			}
			lo = v
			if !hasStep {
				hi = v
			}
		}
		span := hi - lo
		if hi < lo {
			span += f.max - f.min + 1
		}
		for i := 0; i <= span; i += step {
			v := lo + i
			if v > f.max {
				v -= f.max - f.min + 1
			}
			add(v)
		}
	}
	return set, nil
}

func parseDom(raw string) (domSpec, error) {
	var d domSpec
	u := strings.ToUpper(raw)
	switch {
	case raw == "?":
		d.any = true
		return d, nil
	case strings.Contains(raw, "#"):
		return d, fmt.Errorf("# is only allowed in day-of-week")
	case u == "L":
		d.last = true
		return d, nil
	case u == "LW":
		d.lastWeek = true
		return d, nil
	case strings.HasPrefix(u, "L-"):
		n, err := strconv.Atoi(u[2:])
		if err != nil || n < 0 || n > 30 || strings.TrimLeft(u[2:], "0123456789") != "" {
			return d, fmt.Errorf("L-n needs n in 0-30")
		}
		d.last, d.lastOff = true, n
		return d, nil
	case strings.HasSuffix(u, "W"):
		n, err := parseValue(fDom, raw[:len(raw)-1])
		if err != nil {
			return d, fmt.Errorf("W needs a single day 1-31 before it (e.g. 15W): %v", err)
		}
		d.nearestW = n
		return d, nil
	case strings.ContainsAny(u, "LW"):
		return d, fmt.Errorf("L and W must stand alone (L, LW, L-n or nW), not in a list or range")
	}
	set, err := parseList(fDom, raw)
	if err != nil {
		return d, err
	}
	d.days = uint32(set[0])
	return d, nil
}

func parseDow(raw string) (dowSpec, error) {
	var d dowSpec
	u := strings.ToUpper(raw)
	switch {
	case raw == "?":
		d.any = true
		return d, nil
	case strings.Contains(u, "#"):
		// "If you use a '#' character, you can define only one expression in the day-of-week
		// field. For example, "3#1,6#3" is not valid."
		if strings.ContainsAny(u, ",-/L*") {
			return d, fmt.Errorf("# allows only one expression in day-of-week (e.g. 3#2), not a list or range")
		}
		a, b, _ := strings.Cut(u, "#")
		day, err := parseValue(fDow, a)
		if err != nil {
			return d, err
		}
		k, err := strconv.Atoi(b)
		if err != nil || k < 1 || k > 5 || strings.TrimLeft(b, "0123456789") != "" {
			return d, fmt.Errorf("the occurrence after # must be 1-5")
		}
		d.nth, d.nthIndex = day, k
		return d, nil
	case u == "L":
		// "The L wildcard in the ... Day-of-week field specifies the last day of the week":
		// weeks run SUN (1) to SAT (7).
		d.days = 1 << 7
		return d, nil
	case strings.HasSuffix(u, "L"):
		if strings.ContainsAny(u, ",-/*") {
			return d, fmt.Errorf("nL (last weekday n of the month, e.g. 6L) must stand alone, not in a list or range")
		}
		day, err := parseValue(fDow, raw[:len(raw)-1])
		if err != nil {
			return d, err
		}
		d.lastOf = day
		return d, nil
	case strings.Contains(u, "L"):
		return d, fmt.Errorf("L must be alone (L) or follow one weekday (e.g. 6L)")
	}
	set, err := parseList(fDow, raw)
	if err != nil {
		return d, err
	}
	d.days = uint8(set[0])
	return d, nil
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// weekday returns 1 (SUN) to 7 (SAT).
func weekday(y, m, d int) int {
	return int(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
}

// dayMask returns the days of month m of year y the expression fires on (bit d = day d).
func (c *Cron) dayMask(y, m int) uint32 {
	n := daysIn(y, m)
	all := uint32(1)<<(n+1) - 2
	if !c.dom.any {
		d := c.dom
		switch {
		case d.last:
			if day := n - d.lastOff; day >= 1 {
				return 1 << day
			}
			return 0
		case d.lastWeek:
			day := n
			switch weekday(y, m, n) {
			case 1:
				day -= 2
			case 7:
				day--
			}
			return 1 << day
		case d.nearestW > 0:
			// Nearest weekday within the same month (Quartz): 1W on a Saturday is Monday the
			// 3rd, the last day on a Sunday is the Friday before. A day past the month's end
			// does not occur that month.
			day := d.nearestW
			if day > n {
				return 0
			}
			switch weekday(y, m, day) {
			case 7:
				if day == 1 {
					day += 2
				} else {
					day--
				}
			case 1:
				if day == n {
					day -= 2
				} else {
					day++
				}
			}
			return 1 << day
		}
		return d.days & all
	}
	w1 := weekday(y, m, 1) // weekday of the 1st
	first := func(wd int) int { return 1 + (wd-w1+7)%7 }
	d := c.dow
	switch {
	case d.lastOf > 0:
		day := first(d.lastOf)
		for day+7 <= n {
			day += 7
		}
		return 1 << day
	case d.nth > 0:
		day := first(d.nth) + 7*(d.nthIndex-1)
		if day > n {
			return 0
		}
		return 1 << day
	}
	var mask uint32
	for wd := 1; wd <= 7; wd++ {
		if d.days&(1<<wd) != 0 {
			for day := first(wd); day <= n; day += 7 {
				mask |= 1 << day
			}
		}
	}
	return mask
}

func (c *Cron) hasYear(y int) bool {
	i := y - minYear
	return c.years[i/64]&(1<<(i%64)) != 0
}

// nextBit returns the lowest set bit >= from, or -1.
func nextBit(mask uint64, from int) int {
	if from >= 64 {
		return -1
	}
	m := mask >> from << from
	if m == 0 {
		return -1
	}
	return bits.TrailingZeros64(m)
}

// nextCivil returns the first wall-clock minute at or after c (seconds ignored, c assumed at
// second 0) that matches the expression, jumping field by field rather than scanning minutes.
func (c *Cron) nextCivil(from civil) (civil, bool) {
	y, mo, d, h, mi := from.y, from.mo, from.d, from.h, from.mi
	if y < minYear {
		y, mo, d, h, mi = minYear, 1, 1, 0, 0
	}
	for ; y <= maxYear; y, mo, d, h, mi = y+1, 1, 1, 0, 0 {
		if !c.hasYear(y) {
			continue
		}
		for ; mo <= 12; mo, d, h, mi = mo+1, 1, 0, 0 {
			if c.months&(1<<mo) == 0 {
				continue
			}
			days := uint64(c.dayMask(y, mo))
			for {
				nd := nextBit(days, d)
				if nd < 0 {
					break
				}
				if nd != d {
					d, h, mi = nd, 0, 0
				}
				for {
					nh := nextBit(uint64(c.hours), h)
					if nh < 0 {
						break
					}
					if nh != h {
						h, mi = nh, 0
					}
					if nm := nextBit(c.minutes, mi); nm >= 0 {
						return civil{y, mo, d, h, nm, 0}, true
					}
					h, mi = h+1, 0
				}
				d, h, mi = d+1, 0, 0
			}
		}
	}
	return civil{}, false
}

// Next returns the first fire time strictly after `after` and not before start. Candidate wall
// times are enumerated in loc; a wall time skipped by a DST change is skipped, and a repeated
// one fires only at its first instance, so a slot already passed in the first instance is not
// fired again in the second.
func (c *Cron) Next(after time.Time, loc *time.Location, start time.Time) (time.Time, bool) {
	if loc == nil {
		loc = time.UTC
	}
	if !start.IsZero() && !after.After(start.Add(-time.Nanosecond)) {
		after = start.Add(-time.Nanosecond)
	}
	wall := civilOf(after.In(loc))
	wall.s = 0
	for range 100_000 { // each iteration passes a slot; the bound only guards against zone oddities
		cand, ok := c.nextCivil(wall)
		if !ok {
			return time.Time{}, false
		}
		if t, exists := resolve(cand, loc); exists && t.After(after) {
			return t.UTC(), true
		}
		wall = civilOf(cand.naive().Add(time.Minute))
	}
	return time.Time{}, false
}
