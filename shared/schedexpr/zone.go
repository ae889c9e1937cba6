package schedexpr

import "time"

// civil is a wall-clock time with no zone (a LocalDateTime).
type civil struct{ y, mo, d, h, mi, s int }

func civilOf(t time.Time) civil {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return civil{y, int(mo), d, h, mi, s}
}

// naive is the wall time read as if it were UTC; it orders civil times and does their arithmetic.
func (c civil) naive() time.Time {
	return time.Date(c.y, time.Month(c.mo), c.d, c.h, c.mi, c.s, 0, time.UTC)
}

// resolve maps a wall time in loc to the instant AWS fires it at: a wall time that a DST change
// skips does not exist (ok=false, the invocation is skipped); a wall time that occurs twice maps
// to its first instance ("runs only once", https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#daylist-savings-time).
func resolve(c civil, loc *time.Location) (time.Time, bool) {
	t, ok, _ := resolveAll(c.naive(), loc)
	return t, ok
}

// resolveGap gives a non-existent wall time the instant java.time's ZonedDateTime.of would: the
// same wall time read with the offset in force before the gap (so 02:30 becomes 03:30).
func resolveGap(naive time.Time, loc *time.Location) time.Time {
	t, ok, before := resolveAll(naive, loc)
	if ok {
		return t
	}
	return before
}

// resolveAll walks the zone's offset periods around the wall time and returns the earliest
// instant u with u + offset(u) == wall. When there is none (a gap), gapT is the wall time read with
// the offset of the period just before the gap. Zone offsets stay within ±26h, so periods that
// start more than that away cannot hold a solution.
func resolveAll(naive time.Time, loc *time.Location) (t time.Time, ok bool, gapT time.Time) {
	if loc == nil || loc == time.UTC {
		return naive, true, naive
	}
	const reach = 26 * time.Hour
	w := naive.Unix()
	probe := naive.Add(-reach).In(loc)
	gapT = naive
	for range 16 { // a few periods at most; the bound only guards against odd zone data
		_, off := probe.Zone()
		start, end := probe.ZoneBounds()
		u := w - int64(off)
		afterStart := start.IsZero() || u >= start.Unix()
		beforeEnd := end.IsZero() || u < end.Unix()
		if afterStart && beforeEnd {
			return time.Unix(u, int64(naive.Nanosecond())).In(loc), true, time.Time{}
		}
		if !beforeEnd {
			gapT = time.Unix(u, int64(naive.Nanosecond())).In(loc)
		}
		if end.IsZero() || end.After(naive.Add(reach)) {
			break
		}
		probe = end.In(loc)
	}
	return time.Time{}, false, gapT
}
