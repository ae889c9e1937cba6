package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/dealflow/dealflow/bench/loadgen"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/domain"
)

func init() {
	register("load", "send signed leads at a fixed rate to a local dealflow serve and measure webhook→routed", runLoad)
}

func runLoad(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rate := fs.Float64("rate", 200, "requests per second (open model: sent on schedule, whatever the answers)")
	dur := fs.Duration("duration", 10*time.Second, "how long to send")
	mix := fs.String("mix", "leads", "request kinds and weights: leads | leads=8,deals=2 | leads,handoffs,deals")
	url := fs.String("url", "http://127.0.0.1:8080", "the dealflow serve to load (loopback only)")
	secret := fs.String("secret", "", "Dealflow-Signature secret (default $DEALFLOW_LEADS_SECRET)")
	token := fs.String("token", "", "API token with deals:write for the deals and handoffs kinds (default $DEALFLOW_API_TOKEN; dealflow tokens create)")
	db := fs.String("db", "./data/dealflow.db", "the server's SQLite file (read for routing times and commit counts)")
	drain := fs.Duration("drain", 60*time.Second, "how long to wait for accepted leads to be routed")
	commitRate := fs.Duration("commit-rate", time.Second, "measure this machine's SQLite commit rate for this long first (0 skips)")
	out := fs.String("json", "", "also write the result as JSON to this file (input of `dealflow cost --from-run`)")
	search := fs.Bool("search-max", false, "find the highest rate with p99 webhook→routed ≤ --max-p99 and no errors")
	maxP99 := fs.Duration("max-p99", 50*time.Millisecond, "p99 target for --search-max")
	cfgFile := fs.String("config", "examples/org.yaml", "the server's org file (read when the mix has deals or handoffs)")
	pid := fs.Int("server-pid", 0, "process id of the dealflow serve under load, to measure its CPU per lead (Linux)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *secret == "" {
		*secret = os.Getenv("DEALFLOW_LEADS_SECRET")
	}
	if *token == "" {
		*token = os.Getenv("DEALFLOW_API_TOKEN")
	}
	m, err := loadgen.ParseMix(*mix)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	if _, err := loadgen.CheckLoopback(*url); err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	var org *domain.Org
	if m["deals"] > 0 || m["handoffs"] > 0 {
		if org, err = config.Load(*cfgFile); err != nil {
			fmt.Fprintln(stderr, err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := loadgen.Config{URL: *url, Rate: *rate, Duration: *dur, Mix: m, Secret: *secret, Token: *token, DB: *db, Drain: *drain, CommitRate: *commitRate, ServerPID: *pid, Org: org, Log: stderr}
	var result any
	if *search {
		s, err := loadgen.SearchMax(ctx, cfg, *maxP99)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprint(stdout, s.Text())
		result = s
	} else {
		r, err := loadgen.Run(ctx, cfg)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprint(stdout, r.Text())
		result = r
	}
	if *out != "" {
		b, _ := json.MarshalIndent(result, "", "  ")
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	return 0
}
