package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dealflow/dealflow/local/sfn"
)

// sfnFunctions are the Lambda handlers `dealflow sfn run` resolves Task resources against.
// The project's handlers register here; tests add fixtures.
var sfnFunctions = sfn.NewRegistry()

func init() {
	register("sfn run", "run a state machine locally and print status, output and history", runSfn)
}

func runSfn(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sfn run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defPath := fs.String("definition", "", "state machine definition (ASL JSON)")
	inPath := fs.String("input", "", "execution input (JSON file; default {})")
	subs := map[string]string{}
	fs.Func("sub", "definition substitution NAME=VALUE for ${NAME} (repeatable)", func(s string) error {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return fmt.Errorf("want NAME=VALUE, got %q", s)
		}
		subs[k] = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *defPath == "" {
		fmt.Fprintln(stderr, "sfn run: --definition is required")
		return 2
	}
	def, err := os.ReadFile(*defPath)
	if err != nil {
		fmt.Fprintf(stderr, "sfn run: %v\n", err)
		return 2
	}
	if def, err = sfn.Substitute(def, *defPath, subs); err != nil {
		fmt.Fprintf(stderr, "sfn run: %v\n", err)
		return 1
	}
	input := "{}"
	if *inPath != "" {
		b, err := os.ReadFile(*inPath)
		if err != nil {
			fmt.Fprintf(stderr, "sfn run: %v\n", err)
			return 2
		}
		input = string(b)
	}
	eng, err := sfn.New(sfn.WithFunctions(sfnFunctions))
	if err != nil {
		fmt.Fprintf(stderr, "sfn run: %v\n", err)
		return 1
	}
	res, err := eng.RunOnce(context.Background(), def, *defPath, input)
	if err != nil {
		fmt.Fprintf(stderr, "sfn run: %v\n", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "sfn run: %v\n", err)
		return 1
	}
	return 0
}
