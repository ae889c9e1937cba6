package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/schedexpr"
)

func init() {
	register("schedule next", "print the next fire times of a cron()/rate()/at() expression", runScheduleNext)
}

// runScheduleNext implements the stable CLI contract (main.go):
// dealflow schedule next --expr EXPR [--tz ZONE] [--from RFC3339] [--start RFC3339] [--count N]
func runScheduleNext(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schedule next", flag.ContinueOnError)
	fs.SetOutput(stderr)
	expr := fs.String("expr", "", "schedule expression: cron(...), rate(...) or at(...)")
	tz := fs.String("tz", "UTC", "IANA time zone the expression is evaluated in (ScheduleExpressionTimezone)")
	fromS := fs.String("from", "", "list fire times strictly after this RFC3339 time (default now)")
	startS := fs.String("start", "", "the schedule's StartDate, RFC3339 (a rate() first fires at it; default --from)")
	count := fs.Int("count", 5, "how many fire times to print")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "schedule next: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *expr == "" {
		fmt.Fprintln(stderr, "schedule next: --expr is required")
		return 2
	}
	if *count < 1 {
		fmt.Fprintf(stderr, "schedule next: --count must be at least 1, got %d\n", *count)
		return 2
	}
	e, err := schedexpr.Parse(*expr)
	if err != nil {
		fmt.Fprintf(stderr, "schedule next: %v\n", err)
		return 2
	}
	loc, err := schedexpr.LoadZone(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "schedule next: --tz: %v\n", err)
		return 2
	}
	from := clock.Real{}.Now()
	if *fromS != "" {
		if from, err = time.Parse(time.RFC3339, *fromS); err != nil {
			fmt.Fprintf(stderr, "schedule next: --from %q is not an RFC3339 time: %v\n", *fromS, err)
			return 2
		}
	}
	start := from
	if *startS != "" {
		if start, err = time.Parse(time.RFC3339, *startS); err != nil {
			fmt.Fprintf(stderr, "schedule next: --start %q is not an RFC3339 time: %v\n", *startS, err)
			return 2
		}
	} else if _, isRate := e.(schedexpr.Rate); !isRate {
		start = time.Time{} // only a rate() needs an anchor; cron() without StartDate is unbounded
	}
	for _, t := range schedexpr.Upcoming(e, loc, from, start, *count) {
		fmt.Fprintln(stdout, t.UTC().Format(time.RFC3339))
	}
	return 0
}
