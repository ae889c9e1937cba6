package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

func init() {
	register("events test-pattern", "test an event against an EventBridge event pattern (true/false)", runEventsTestPattern)
}

// runEventsTestPattern is `dealflow events test-pattern --pattern FILE --event FILE`: it prints
// true or false like `aws events test-event-pattern`. Exit 2 for an invalid pattern (with the
// reason) or bad usage, 1 when a file cannot be read or the event is not a valid envelope.
func runEventsTestPattern(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("events test-pattern", flag.ContinueOnError)
	fs.SetOutput(stderr)
	patternFile := fs.String("pattern", "", "`FILE` holding the event pattern (JSON)")
	eventFile := fs.String("event", "", "`FILE` holding the event: a full envelope with id, account, source, time, region, resources, detail-type")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dealflow events test-pattern --pattern FILE --event FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *patternFile == "" || *eventFile == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	src, err := os.ReadFile(*patternFile)
	if err != nil {
		fmt.Fprintf(stderr, "dealflow: %v\n", err)
		return 1
	}
	p, err := pattern.Compile(src)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *patternFile, err)
		return 2
	}
	ev, err := os.ReadFile(*eventFile)
	if err != nil {
		fmt.Fprintf(stderr, "dealflow: %v\n", err)
		return 1
	}
	ok, err := p.TestEvent(ev)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", *eventFile, err)
		return 1
	}
	fmt.Fprintln(stdout, ok)
	return 0
}
