package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/dealflow/dealflow/local/eventbus"
	"github.com/dealflow/dealflow/local/eventbus/pattern"
	"github.com/dealflow/dealflow/local/server"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func init() {
	registerCheck("project", func(root string) (string, []fileProblem) {
		p, probs := server.LoadProject(root)
		var out []fileProblem
		for _, line := range probs {
			out = append(out, fileProblem{Message: line})
		}
		if p == nil {
			return "", out
		}
		return p.Summary(), out
	})
	register("events dlq", "list or redrive the dead-letter queue: events dlq list | events dlq redrive [ID...]", runEventsDLQ)
	register("events replay", "re-deliver archived events: events replay --from T --to T [--rule R]", runEventsReplay)
}

// openBus opens the bus tables of a dealflow database for the operator commands. Deliveries are
// made by the running `dealflow serve` (or at its next start): these commands only queue them.
func openBus(db, root string, stderr io.Writer) (*eventbus.Bus, func(), bool) {
	p, probs := server.LoadProject(root)
	if len(probs) > 0 {
		for _, l := range probs {
			fmt.Fprintln(stderr, l)
		}
		return nil, nil, false
	}
	st, err := sqlite.Open(db)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, false
	}
	compile := func(b []byte) (eventbus.Matcher, error) { return pattern.Compile(b) }
	noDelivery := eventbus.InvokerFunc(func(context.Context, string, events.Target, []byte) error {
		return errors.New("operator commands do not deliver")
	})
	bus, err := eventbus.New(st.DB(), p.Rules, compile, noDelivery)
	if err != nil {
		fmt.Fprintln(stderr, err)
		st.Close()
		return nil, nil, false
	}
	return bus, func() { st.Close() }, true
}

func runEventsDLQ(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "redrive") {
		fmt.Fprintln(stderr, "usage: dealflow events dlq list|redrive [--db FILE] [ID...]")
		return 2
	}
	fs := flag.NewFlagSet("events dlq "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "./data/dealflow.db", "the dealflow database")
	root := fs.String("root", ".", "project folder with statemachines/ and events/")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	bus, closeFn, ok := openBus(*db, *root, stderr)
	if !ok {
		return 1
	}
	defer closeFn()
	ctx := context.Background()
	if args[0] == "list" {
		dls, err := bus.DeadLetters(ctx, 1000)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		enc := json.NewEncoder(stdout)
		for _, d := range dls {
			_ = enc.Encode(d)
		}
		return 0
	}
	var ids []int64
	for _, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "events dlq redrive: %q is not a dead-letter id (see events dlq list)\n", a)
			return 2
		}
		ids = append(ids, id)
	}
	n, err := bus.Redrive(ctx, ids...)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "redriven: %d\n", n)
	return 0
}

func runEventsReplay(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("events replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "./data/dealflow.db", "the dealflow database")
	root := fs.String("root", ".", "project folder with statemachines/ and events/")
	from := fs.String("from", "", "start of the window (RFC 3339), inclusive")
	to := fs.String("to", "", "end of the window (RFC 3339), exclusive")
	rule := fs.String("rule", "", "replay to this rule only")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	f, err1 := time.Parse(time.RFC3339, *from)
	t, err2 := time.Parse(time.RFC3339, *to)
	if err1 != nil || err2 != nil || !t.After(f) {
		fmt.Fprintln(stderr, "events replay: --from and --to must be RFC 3339 times with --to after --from")
		return 2
	}
	bus, closeFn, ok := openBus(*db, *root, stderr)
	if !ok {
		return 1
	}
	defer closeFn()
	n, err := bus.Replay(context.Background(), f, t, *rule)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "queued %d deliveries\n", n)
	return 0
}
