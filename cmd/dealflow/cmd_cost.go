package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dealflow/dealflow/bench/loadgen"
	"github.com/dealflow/dealflow/local/server"
	"github.com/dealflow/dealflow/shared/cost"
)

func init() {
	register("cost", "the AWS bill per 1,000 leads from a local run's counts, at dated us-east-1 prices", runCost)
}

func runCost(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fromRun := fs.String("from-run", "", "a `dealflow load --json` result; without it, a short local run is made in a temporary folder")
	cfgFile := fs.String("config", "examples/org.yaml", "the org file (for the DynamoDB measurement and the local run)")
	root := fs.String("root", ".", "project folder with statemachines/ and events/")
	sample := fs.Int("sample", 200, "leads sent through the AWS code path on an in-process DynamoDB to count request units")
	lambdaMs := fs.Float64("lambda-ms", cost.DefaultAssumptions.LambdaMs, "assumed billed duration of one Lambda invocation on AWS")
	out := fs.String("json", "", "also write the bill as JSON to this file")
	logLevel := fs.String("log-level", "ERROR", "what the stack logs (infra -c logLevel): ERROR or ALL; the other level's total is reported too")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctx := context.Background()
	var u cost.Usage
	var err error
	if *fromRun != "" {
		u, err = usageFromFile(*fromRun)
	} else {
		u, err = localRun(ctx, *root, *cfgFile, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	lp, err := cost.MeasureLeadPath(ctx, *cfgFile, *sample)
	if err != nil {
		fmt.Fprintf(stderr, "measure DynamoDB request units: %v\n", err)
		return 1
	}
	level := strings.ToUpper(*logLevel)
	if level != "ERROR" && level != "ALL" {
		fmt.Fprintf(stderr, "--log-level %s: want ERROR or ALL\n", *logLevel)
		return 2
	}
	a := cost.DefaultAssumptions
	a.LambdaMs = *lambdaMs
	bills := map[string]*cost.Bill{}
	for _, l := range []string{"ERROR", "ALL"} {
		a.LogLevel = l
		if bills[l], err = cost.Estimate(u, lp, a, cost.USEast1); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	bill := bills[level]
	bill.ByLogLevel = map[string]float64{"ERROR": bills["ERROR"].LeadWorkflowPer1000, "ALL": bills["ALL"].LeadWorkflowPer1000}
	fmt.Fprint(stdout, bill.Text())
	fmt.Fprintf(stdout, "  lead workflow per 1,000 leads by log level: ERROR $%.5f, ALL $%.5f\n", bill.ByLogLevel["ERROR"], bill.ByLogLevel["ALL"])
	if *out != "" {
		b, _ := json.MarshalIndent(bill, "", "  ")
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	return 0
}

// usageFromFile reads the usage of a load result, or of the best step of a --search-max result.
func usageFromFile(path string) (cost.Usage, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return cost.Usage{}, err
	}
	var f struct {
		Sent  int         `json:"sent"`
		Usage *cost.Usage `json:"usage"`
		Best  *struct {
			Sent  int
			Usage *cost.Usage
		} `json:"best"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return cost.Usage{}, fmt.Errorf("%s: not a `dealflow load --json` result: %w", path, err)
	}
	u, sent := f.Usage, f.Sent
	if u == nil && f.Best != nil {
		u, sent = f.Best.Usage, f.Best.Sent
	}
	if u == nil || u.Leads == 0 {
		return cost.Usage{}, fmt.Errorf("%s: no usage counts with leads in it (write one with `dealflow load --json FILE`)", path)
	}
	if u.HTTPRequests == 0 {
		u.HTTPRequests = sent
	}
	return *u, nil
}

// localRun sends 200 leads through the local runtime in a temporary folder and returns its usage.
func localRun(ctx context.Context, root, cfgFile string, stderr io.Writer) (cost.Usage, error) {
	dir, err := os.MkdirTemp("", "dealflow-cost-")
	if err != nil {
		return cost.Usage{}, err
	}
	defer os.RemoveAll(dir)
	db := filepath.Join(dir, "dealflow.db")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	const secret = "dealflow-cost-run"
	env := func(k string) string {
		if k == "DEALFLOW_LEADS_SECRET" {
			return secret
		}
		return os.Getenv(k)
	}
	rt, err := server.New(ctx, server.Config{Root: root, OrgFile: cfgFile, DBPath: db, Env: env, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return cost.Usage{}, err
	}
	if err := rt.Start(ctx); err != nil {
		return cost.Usage{}, err
	}
	srv := httptest.NewServer(rt.Handler())
	defer func() { srv.Close(); cancel(); rt.Close() }()
	fmt.Fprintln(stderr, "no --from-run: sending 200 leads through a local runtime in", dir)
	res, err := loadgen.Run(ctx, loadgen.Config{URL: srv.URL, Rate: 100, Duration: 2 * time.Second, Secret: secret, DB: db, Drain: 30 * time.Second})
	if err != nil {
		return cost.Usage{}, err
	}
	b, _ := json.Marshal(res)
	f := filepath.Join(dir, "run.json")
	if err := os.WriteFile(f, b, 0o644); err != nil {
		return cost.Usage{}, err
	}
	return usageFromFile(f)
}
