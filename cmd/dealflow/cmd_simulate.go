package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/dealflow/dealflow/local/server"
	"github.com/dealflow/dealflow/local/simulate"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
)

func init() {
	register("simulate", "fill a database with simulated days of leads, deals and activities (fake clock)", runSimulate)
}

func runSimulate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	days := fs.Int("days", 30, "simulated days")
	perDay := fs.Int("leads-per-day", 200, "leads arriving on a working day (a quarter of that at weekends)")
	seed := fs.Uint64("seed", 1, "random seed: the same seed gives the same leads")
	cfgFile := fs.String("config", "examples/org.yaml", "the org file")
	db := fs.String("db", "./data/dealflow.db", "the SQLite file to fill (dealflow serve --db shows it)")
	root := fs.String("root", ".", "project folder with statemachines/ and events/")
	startFlag := fs.String("start", "", "first simulated day, RFC3339 (default: --days before today, so the simulation ends now)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	dayTimes := fs.String("day-times", "", "write each simulated day's wall time to this file (day,seconds per line)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *days < 1 || *perDay < 0 {
		fmt.Fprintln(stderr, "simulate: --days must be at least 1 and --leads-per-day not negative")
		return 2
	}
	start := time.Now().AddDate(0, 0, -*days)
	if *startFlag != "" {
		t, err := time.Parse(time.RFC3339, *startFlag)
		if err != nil {
			fmt.Fprintf(stderr, "simulate: --start: %v\n", err)
			return 2
		}
		start = t
	}
	org, err := config.Load(*cfgFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// Leads are signed like any sender's: with the org's lead secret, or, when the environment
	// has none, with one made up for this run.
	env := os.Getenv
	secret := ""
	for _, name := range org.Webhooks.Leads.SecretEnv {
		if v := os.Getenv(name); v != "" {
			secret = v
			break
		}
	}
	if secret == "" {
		if len(org.Webhooks.Leads.SecretEnv) == 0 {
			fmt.Fprintln(stderr, "simulate: the org file names no lead secret (webhooks.leads.secret_env)")
			return 1
		}
		secret = fmt.Sprintf("simulate-%d-%d", *seed, time.Now().UnixNano())
		first := org.Webhooks.Leads.SecretEnv[0]
		env = func(n string) string {
			if n == first {
				return secret
			}
			return os.Getenv(n)
		}
	}
	simCfg := simulate.Config{Days: *days, LeadsPerDay: *perDay, Seed: *seed, Start: start, Secret: secret}
	if *dayTimes != "" {
		f, err := os.Create(*dayTimes)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer f.Close()
		simCfg.DayDone = func(day int, wall time.Duration) { fmt.Fprintf(f, "%d,%.3f\n", day, wall.Seconds()) }
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	clk := clock.NewFake(start)
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rt, err := server.New(ctx, server.Config{Root: *root, OrgFile: *cfgFile, DBPath: *db, Clock: clk, Log: log, Env: env})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	bg, cancel := context.WithCancel(context.Background())
	if err := rt.Start(bg); err != nil {
		fmt.Fprintln(stderr, err)
		cancel()
		rt.Close()
		return 1
	}
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}
	fmt.Fprintf(stdout, "simulating %d days from %s, %d leads per working day (seed %d)\n", *days, start.Format("2006-01-02"), *perDay, *seed)
	simCfg.Progress = progress
	res, err := simulate.New(rt, clk, simCfg).Run(ctx)
	cancel()
	closeErr := rt.Close()
	res.Summary(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "simulate: %v\n", err)
		return 1
	}
	if closeErr != nil {
		fmt.Fprintln(stderr, closeErr)
		return 1
	}
	fmt.Fprintf(stdout, "look at it: dealflow serve --db %s, then open http://127.0.0.1:8080/console/\n", *db)
	return 0
}
