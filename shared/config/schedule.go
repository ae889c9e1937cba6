package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/schedexpr"
)

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

// checkCronShape is the structural check of an EventBridge Scheduler cron() expression: six
// fields, one of day-of-month and day-of-week is "?", and a fixed day/month that exists.
// https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
func checkCronShape(expr string) error {
	body, ok := strings.CutPrefix(strings.TrimSpace(expr), "cron(")
	if !ok || !strings.HasSuffix(body, ")") {
		return fmt.Errorf("schedule %q must be a cron() expression, e.g. cron(0 8 ? * MON *)", expr)
	}
	f := strings.Fields(strings.TrimSuffix(body, ")"))
	if len(f) != 6 {
		return fmt.Errorf("schedule %q has %d fields; AWS cron() has 6: minutes hours day-of-month month day-of-week year", expr, len(f))
	}
	if (f[2] == "?") == (f[4] == "?") {
		return fmt.Errorf("schedule %q: exactly one of day-of-month and day-of-week must be \"?\"", expr)
	}
	days, okDays := plainList(f[2], nil, 1, 31)
	months, okMonths := plainList(f[3], monthNames, 1, 12)
	if !okDays || !okMonths {
		return nil // ranges, steps and L/W/# are for the full parser
	}
	for _, m := range months {
		for _, d := range days {
			// 2024 is a leap year: 29 February can fire.
			if d <= time.Date(2024, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
				return nil
			}
		}
	}
	return fmt.Errorf("schedule %q can never fire: day %s does not exist in month %s", expr, f[2], f[3])
}

// plainList parses a comma list of single values; ok is false for anything fancier.
func plainList(s string, names map[string]int, lo, hi int) ([]int, bool) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		v, err := strconv.Atoi(p)
		if err != nil {
			n, ok := names[strings.ToUpper(p)]
			if !ok {
				return nil, false
			}
			v = n
		}
		if v < lo || v > hi {
			return nil, false
		}
		out = append(out, v)
	}
	return out, true
}

// checkScheduleFires parses a digest's cron() expression with the full EventBridge Scheduler
// parser and checks that it fires at least once more in loc after now.
func checkScheduleFires(expr string, loc *time.Location, now time.Time) error {
	e, err := schedexpr.Parse(expr)
	if err != nil {
		return err
	}
	if _, ok := e.Next(now, loc, time.Time{}); !ok {
		return fmt.Errorf("schedule %q never fires again", expr)
	}
	return nil
}
