package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/dealflow/dealflow/shared/account"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func init() {
	register("accounts import", "create or update accounts from a CSV file (domain,name,owner,segment,territory) [--config ORG] [--db FILE]", runAccountsImport)
}

func runAccountsImport(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("accounts import", flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfg := fl.String("config", "examples/org.yaml", "the org file (owners, segments and territories are checked against it)")
	db := fl.String("db", "./data/dealflow.db", "the SQLite file holding all state")
	usage := func() int {
		fmt.Fprintln(stderr, "usage: dealflow accounts import FILE.csv [--config ORG] [--db FILE]")
		return 2
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() < 1 {
		return usage()
	}
	file := fl.Arg(0)
	if err := fl.Parse(fl.Args()[1:]); err != nil || fl.NArg() > 0 { // flags after the file
		return usage()
	}
	org, err := config.Load(*cfg)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintln(stderr, "accounts import:", err)
		return 1
	}
	defer f.Close()
	rows, err := account.ParseCSV(f)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", file, err)
		return 1
	}
	st, err := sqlite.Open(*db)
	if err != nil {
		fmt.Fprintln(stderr, "accounts import:", err)
		return 1
	}
	defer st.Close()
	svc := lead.New(&platform.Deps{Store: st, Org: org, Clock: clock.Real{}})
	res, err := svc.PutAccounts(context.Background(), rows, "import")
	if err != nil {
		fmt.Fprintln(stderr, "accounts import:", err)
		return 1
	}
	created, updated, failed := 0, 0, 0
	for _, r := range res {
		switch {
		case len(r.Errors) > 0:
			failed++
			for _, e := range r.Errors {
				fmt.Fprintf(stdout, "%s:%d: %s: %s\n", file, r.Line, e.Field, e.Reason)
			}
		case r.Created:
			created++
		default:
			updated++
		}
	}
	fmt.Fprintf(stdout, "%d created, %d updated, %d refused\n", created, updated, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
