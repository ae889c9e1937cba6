// Command load-aws drives the AWS twin (package twin) with leads at a fixed rate and reports
// leads/s through the AWS design and where the backlog forms (make load-aws RATE=N).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/dealflow/dealflow/twin"
)

func main() {
	rate := flag.Int("rate", 100, "leads per second")
	dur := flag.Duration("duration", 60*time.Second, "how long to send")
	drain := flag.Duration("drain", 90*time.Second, "how long to wait for the backlog afterwards")
	ddb := flag.Duration("dynamodb-latency", 5*time.Millisecond, "injected per DynamoDB call")
	lam := flag.Duration("lambda-latency", 20*time.Millisecond, "injected per Lambda invoke")
	conc := flag.Int("concurrency", 64, "execution environments per function")
	cdk := flag.String("cdk-out", "infra/cdk.out", "cloud assembly")
	boot := flag.String("bootstraps", "bin/lambda-amd64", "linux/amd64 bootstraps")
	flag.Parse()
	tw, err := twin.Start(context.Background(), twin.Options{CDKOut: *cdk, BootstrapDir: *boot, Concurrency: *conc,
		Latency: twin.Latency{DynamoDB: *ddb, Lambda: *lam},
		Secrets: map[string]string{"lead-signing-keys": `["load-key"]`, "link-signing-key": "load-link-key-0123456789abcdef0123456789"}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer tw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The schedules run on the wall clock as on AWS: the outbox-relay sweeper once a minute.
	tw.RunSchedules(ctx)
	fmt.Printf("load: %d leads/s for %s; injected latency: DynamoDB %s/call, Lambda %s/invoke; %d environments per function\n", *rate, *dur, *ddb, *lam, *conc)
	rep := tw.Load(ctx, twin.LoadConfig{Rate: *rate, Duration: *dur, Drain: *drain, Key: "load-key", Out: os.Stdout})
	rep.Print(os.Stdout, tw)
}
