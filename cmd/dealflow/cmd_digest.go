package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/platform"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func init() {
	register("digest preview", "render a manager's digest from the database (--manager EMAIL [--period last-week] [--out FILE.html])", runDigestPreview)
	register("digest send-now", "send a manager's digest of a past period now, once per period (--manager EMAIL [--period last-week|2026-W47] [--force])", runDigestSendNow)
}

type digestFlags struct {
	fs                           *flag.FlagSet
	manager, period, cfg, db, at *string
}

func newDigestFlags(name string, stderr io.Writer) digestFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return digestFlags{fs: fs,
		manager: fs.String("manager", "", "the manager's email or rep id (required)"),
		period:  fs.String("period", "last-week", digest.PeriodNames),
		cfg:     fs.String("config", "examples/org.yaml", "the org file"),
		db:      fs.String("db", "./data/dealflow.db", "the SQLite file holding all state"),
		at:      fs.String("at", "", "compute as of this RFC3339 time instead of now"),
	}
}

// deps opens the org file and the database the way serve does.
func (f digestFlags) deps(stderr io.Writer) (*digest.Service, func(), bool) {
	if *f.manager == "" {
		fmt.Fprintln(stderr, f.fs.Name()+": --manager is required")
		return nil, nil, false
	}
	org, err := config.Load(*f.cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	if _, err := os.Stat(*f.db); err != nil {
		fmt.Fprintf(stderr, "%s: %v (run dealflow serve once, or pass --db)\n", f.fs.Name(), err)
		return nil, nil, false
	}
	st, err := sqlite.Open(*f.db)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	ob, err := notify.OpenOutbox(st.DB(), clock.Real{})
	if err != nil {
		st.Close()
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	return digest.New(&platform.Deps{Store: st, Org: org, Clock: clock.Real{}, Mailer: ob}, charts.Draw), func() { st.Close() }, true
}

func (f digestFlags) asOf(stderr io.Writer) (time.Time, bool) {
	if *f.at == "" {
		return clock.Real{}.Now(), true
	}
	t, err := time.Parse(time.RFC3339, *f.at)
	if err != nil {
		fmt.Fprintf(stderr, "%s: --at %q: want RFC3339, e.g. 2026-11-23T08:00:00+01:00\n", f.fs.Name(), *f.at)
		return t, false
	}
	return t, true
}

func runDigestPreview(args []string, stdout, stderr io.Writer) int {
	f := newDigestFlags("digest preview", stderr)
	out := f.fs.String("out", "", "write the HTML (images embedded) to this file; without it the subject and text part are printed")
	asJSON := f.fs.Bool("json", false, "print the metrics as JSON")
	if err := f.fs.Parse(args); err != nil {
		return 2
	}
	at, ok := f.asOf(stderr)
	if !ok {
		return 2
	}
	d, closeFn, ok := f.deps(stderr)
	if !ok {
		return 1
	}
	defer closeFn()
	_, r, e, err := d.DigestPreview(context.Background(), *f.manager, *f.period, at)
	if err != nil {
		fmt.Fprintln(stderr, "digest preview:", err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		return 0
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(e.PreviewHTML()), 0o644); err != nil {
			fmt.Fprintln(stderr, "digest preview:", err)
			return 1
		}
		fmt.Fprintf(stdout, "Subject: %s\nwrote %s (%d charts)\n", e.Subject, *out, len(e.Images))
		return 0
	}
	fmt.Fprintf(stdout, "Subject: %s\n\n%s", e.Subject, e.Text)
	return 0
}

// runDigestSendNow sends a digest that has not gone out, typically after its scheduled run
// failed: `dealflow digest send-now --manager M --period 2026-W47`. A period whose digest was
// recorded as sent is refused unless --force, which sends it again and says so.
func runDigestSendNow(args []string, stdout, stderr io.Writer) int {
	f := newDigestFlags("digest send-now", stderr)
	force := f.fs.Bool("force", false, "send the period's digest again although it already went out")
	if err := f.fs.Parse(args); err != nil {
		return 2
	}
	at, ok := f.asOf(stderr)
	if !ok {
		return 2
	}
	d, closeFn, ok := f.deps(stderr)
	if !ok {
		return 1
	}
	defer closeFn()
	res, err := d.SendDigestNow(context.Background(), *f.manager, *f.period, at, *force)
	var already digest.ErrDigestAlreadySent
	if errors.As(err, &already) {
		fmt.Fprintf(stderr, "digest send-now: not sent: %v; pass --force to send it again\n", err)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "digest send-now:", err)
		return 1
	}
	if res.Resent {
		fmt.Fprintf(stdout, "re-sent the %s digest of %s as %s (it first went out at %s as %s)\n", res.PeriodKey, res.Manager, res.MessageID,
			res.Previous.SentAt.UTC().Format(time.RFC3339), res.Previous.MessageID)
		return 0
	}
	fmt.Fprintf(stdout, "sent the %s digest of %s as %s and recorded it (the scheduled run will not send it again)\n", res.PeriodKey, res.Manager, res.MessageID)
	return 0
}
