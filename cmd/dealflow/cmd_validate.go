package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/dealflow/dealflow/shared/config"
)

// fileProblem is a problem found by a project check, printed as `file: path: message`.
type fileProblem struct {
	File, Path, Message string
}

// String is `file: path: message`; a check that already formatted its line (File and Path
// empty) gets it printed as is.
func (p fileProblem) String() string {
	parts := make([]string, 0, 3)
	for _, s := range []string{p.File, p.Path, p.Message} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ": ")
}

// projectCheck validates another part of the project for `dealflow validate`: the engine adds
// statemachines/, the bus events/. run gets the project root and returns a short summary of what
// it checked ("5 state machines") and its problems. A check whose folder is absent returns "".
type projectCheck struct {
	name string
	run  func(root string) (summary string, problems []fileProblem)
}

// projectChecks are appended to by other cmd files in init, through registerCheck.
var projectChecks []projectCheck

func registerCheck(name string, run func(root string) (string, []fileProblem)) {
	projectChecks = append(projectChecks, projectCheck{name: name, run: run})
}

func init() {
	register("validate", "check the org file (and statemachines/, events/): file:line:col: path: message", runValidate)
}

func runValidate(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("validate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	root := fl.String("root", ".", "project root holding statemachines/ and events/")
	strict := fl.Bool("strict", false, "treat warnings (configuration that can never take effect) as errors")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: dealflow validate [--root DIR] [--strict] [ORG_FILE]   (default examples/org.yaml)")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 1 {
		fl.Usage()
		return 2
	}
	file := "examples/org.yaml"
	if fl.NArg() == 1 {
		file = fl.Arg(0)
	}

	failed := false
	var summaries []string
	data, err := os.ReadFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		fmt.Fprintf(stdout, "%s: (file): no such file\n", file)
		failed = true
	case err != nil:
		fmt.Fprintf(stdout, "%s: (file): %v\n", file, err)
		failed = true
	default:
		org, problems, warnings := config.ParseWithWarnings(file, data)
		for _, p := range problems {
			fmt.Fprintln(stdout, p.String())
		}
		for _, w := range warnings {
			if *strict {
				w.Warning = false // printed as the error it now is
			}
			fmt.Fprintln(stdout, w.String())
		}
		failed = len(problems) > 0 || *strict && len(warnings) > 0
		for _, d := range org.Deprecations {
			fmt.Fprintln(stderr, "warning: "+d)
		}
		summaries = append(summaries, file+": "+config.Summary(org))
	}
	for _, c := range projectChecks {
		summary, problems := c.run(*root)
		for _, p := range problems {
			fmt.Fprintln(stdout, p.String())
		}
		failed = failed || len(problems) > 0
		if summary != "" {
			summaries = append(summaries, summary)
		}
	}
	if failed {
		fmt.Fprintln(stderr, "validate: invalid")
		return 1
	}
	fmt.Fprintln(stdout, "valid: "+strings.Join(summaries, "; "))
	return 0
}
