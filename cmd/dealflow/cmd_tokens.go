package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func init() {
	register("tokens create", "create an API token for an integration (shown once)", runTokensCreate)
	register("tokens list", "list API tokens (names, scopes, revoked or not; never the secrets)", runTokensList)
	register("tokens revoke", "revoke an API token by id", runTokensRevoke)
}

// cliActor is who the audit trail names for a change made with the CLI on this machine.
func cliActor() store.Actor {
	u := os.Getenv("USER")
	if u == "" {
		u = "unknown"
	}
	return store.Actor{Name: "cli:" + u, Kind: "system"}
}

// dealflow tokens create --name NAME --scopes S[,S...] [--db FILE]
func runTokensCreate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokens create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the API client the token is for, e.g. zapier")
	scopes := fs.String("scopes", "", "comma-separated: leads:write, deals:write, activities:write, read, admin")
	db := fs.String("db", "./data/dealflow.db", "the SQLite file holding all state")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	sc, err := identity.ParseScopes(*scopes)
	if err != nil {
		fmt.Fprintf(stderr, "tokens create: --scopes: %v\n", err)
		return 2
	}
	if strings.TrimSpace(*name) == "" {
		fmt.Fprintln(stderr, "tokens create: --name is required (the API client the token is for)")
		return 2
	}
	st, err := sqlite.Open(*db)
	if err != nil {
		fmt.Fprintf(stderr, "tokens create: %v\n", err)
		return 1
	}
	defer st.Close()
	ctx := store.WithActor(context.Background(), cliActor())
	t, secret, err := identity.CreateToken(ctx, st, *name, sc, cliActor().Name, clock.Real{}.Now())
	if err != nil {
		fmt.Fprintf(stderr, "tokens create: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s\n", secret)
	fmt.Fprintf(stderr, "token %s (%s) with scopes %s created. It is shown only now: send it as \"Authorization: Bearer <token>\".\n",
		t.ID, t.Name, strings.Join(t.Scopes, ","))
	return 0
}

// dealflow tokens list [--db FILE]
func runTokensList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokens list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "./data/dealflow.db", "the SQLite file holding all state")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	st, err := sqlite.Open(*db)
	if err != nil {
		fmt.Fprintf(stderr, "tokens list: %v\n", err)
		return 1
	}
	defer st.Close()
	ts, err := store.AppendAll(nil, func(p store.Page) ([]domain.APIToken, string, error) {
		return st.ListAPITokens(context.Background(), p)
	})
	if err != nil {
		fmt.Fprintf(stderr, "tokens list: %v\n", err)
		return 1
	}
	for _, t := range ts {
		state := "active"
		if t.RevokedAt != nil {
			state = "revoked " + t.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, strings.Join(t.Scopes, ","), t.CreatedAt.Format(time.RFC3339), state)
	}
	return 0
}

// dealflow tokens revoke --id ID [--db FILE]
func runTokensRevoke(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokens revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("id", "", "the token's id (tokens list)")
	db := fs.String("db", "./data/dealflow.db", "the SQLite file holding all state")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *id == "" {
		fmt.Fprintln(stderr, "tokens revoke: --id is required (see dealflow tokens list)")
		return 2
	}
	st, err := sqlite.Open(*db)
	if err != nil {
		fmt.Fprintf(stderr, "tokens revoke: %v\n", err)
		return 1
	}
	defer st.Close()
	t, err := identity.RevokeToken(store.WithActor(context.Background(), cliActor()), st, *id, clock.Real{}.Now())
	if err != nil {
		fmt.Fprintf(stderr, "tokens revoke: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "token %s (%s) revoked\n", t.ID, t.Name)
	return 0
}
