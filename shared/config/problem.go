// Package config owns the org file (examples/org.yaml): it decodes the YAML into the domain org
// types keeping every value's line and column, rejects unknown keys, fills defaults, and checks
// the file's values and cross-references, reporting every problem as file:line:col: path: message.
package config

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
)

// Org is the validated org file.
type Org = domain.Org

// Problem is one thing wrong with the org file, located at a YAML node.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Path    string `json:"path"` // e.g. reps[3].timezone
	Message string `json:"message"`
	// Warning marks configuration that is valid but can never take effect.
	Warning bool `json:"warning,omitempty"`

	// missing marks "required" problems, which are dropped inside YAML that was recovered from
	// a syntax error (the field may well be on the line that was skipped).
	missing bool
}

func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "(document)"
	}
	if p.Warning {
		return fmt.Sprintf("%s:%d:%d: warning: %s: %s", p.File, p.Line, p.Col, path, p.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", p.File, p.Line, p.Col, path, p.Message)
}

// Problems is a list of problems; as an error it prints one per line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortProblems orders problems by position so the output reads top to bottom.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Col < ps[j].Col
	})
}

// Load reads, decodes and validates an org file. The error is a Problems value when the file
// was read but is not valid.
func Load(path string) (*Org, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load org file: %w", err)
	}
	org, problems := Parse(path, data)
	if len(problems) > 0 {
		return nil, Problems(problems)
	}
	return org, nil
}
