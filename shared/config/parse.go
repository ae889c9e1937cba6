package config

import (
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxSyntaxRecoveries bounds how many syntax errors one file reports: after a few, the later
// ones are more likely echoes of the first than real mistakes.
const maxSyntaxRecoveries = 3

// Parse decodes and validates an org file. It always returns an Org (possibly partial) so that
// callers can show what was understood; the file is valid only when no problem is returned.
//
// A YAML syntax error does not end the check. The error is reported on the line it is on, then
// the line is repaired for the rest of the run — the repair among a few likely ones (close a
// quote or bracket, add a missing colon, fix the indentation, or drop the line) that leaves the
// fewest other problems — and the file is parsed again. So one run shows the syntax error and
// the problems elsewhere in the file, without a cascade of echoes of the syntax error.
func Parse(filename string, data []byte) (*Org, []Problem) {
	org, problems, _ := ParseWithWarnings(filename, data)
	return org, problems
}

// ParseWithWarnings is Parse that also returns the warnings about a valid file: configuration
// that can never take effect (lint.go). Warnings are computed only when there is no problem.
func ParseWithWarnings(filename string, data []byte) (*Org, []Problem, []Problem) {
	// CRLF files: YAML counts \r\n as one line break, and so do the line numbers here.
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var syntax []Problem
	dropped := map[int]bool{}
	for {
		root, err := unmarshal(lines)
		if err == nil {
			org, d := check(filename, root, lines)
			problems := finish(syntax, d, dropped)
			if len(problems) > 0 {
				return org, problems, nil
			}
			sortProblems(d.warnings)
			return org, nil, d.warnings
		}
		line := locateSyntaxError(lines, reportedLine(err))
		syntax = append(syntax, Problem{File: filename, Line: line, Col: firstColumn(lines, line),
			Message: "YAML syntax error: " + yamlLinePrefix.ReplaceAllString(err.Error(), "")})
		if len(syntax) > maxSyntaxRecoveries || line < 1 || line > len(lines) {
			syntax = append(syntax, Problem{File: filename, Line: len(lines), Col: 1,
				Message: "too many YAML syntax errors; fix these, then validate again to see the rest"})
			return &Org{}, finish(syntax, newDecoder(filename), nil), nil
		}
		fix, blank := repair(filename, lines, line)
		lines[line-1] = fix
		if blank {
			dropped[line] = true
		}
	}
}

func unmarshal(lines []string) (*yaml.Node, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines, "\n")), &root); err != nil {
		return nil, err
	}
	return &root, nil
}

// check decodes, defaults and validates a parsed document.
func check(filename string, root *yaml.Node, lines []string) (*Org, *decoder) {
	org := &Org{}
	d := newDecoder(filename)
	d.lines = lines
	if len(root.Content) == 0 || (root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null") {
		d.problems = append(d.problems, Problem{File: filename, Line: 1, Col: 1, Message: "the org file is empty"})
		return org, d
	}
	d.decode(root.Content[0], reflect.ValueOf(org).Elem(), "")
	applyDefaults(org, d)
	validate(org, d)
	if len(d.problems) == 0 {
		lint(org, d)
	}
	return org, d
}

// finish merges syntax and other problems: syntax errors get the path of the node around them,
// and "required" problems inside a node that lost a line to recovery are dropped.
func finish(syntax []Problem, d *decoder, dropped map[int]bool) []Problem {
	v := &validator{decoder: d}
	problems := make([]Problem, 0, len(syntax)+len(d.problems))
	for _, p := range syntax {
		p.Path = enclosingPath(d.pos, p.Line)
		problems = append(problems, p)
	}
	for _, p := range d.problems {
		if p.missing && spansDropped(v.at(p.Path), dropped) {
			continue
		}
		problems = append(problems, p)
	}
	sortProblems(problems)
	return problems
}

var yamlLinePrefix = regexp.MustCompile(`^yaml: (line \d+: )?`)

// maxLocateLines bounds the file size for which locateSyntaxError searches for the exact line.
const maxLocateLines = 5000

var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+):`)

func reportedLine(err error) int {
	m := yamlErrorLine.FindStringSubmatch(err.Error())
	if m == nil {
		return 1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// locateSyntaxError finds the line a syntax error is on. yaml.v3 reports the line of the enclosing
// block rather than the offending line, so instead find the longest prefix of the file that still
// parses: the error is on the next line.
func locateSyntaxError(lines []string, reported int) int {
	if len(lines) > maxLocateLines {
		return reported // the search is quadratic; a generated giant file gets yaml.v3's line
	}
	for n := len(lines) - 1; n >= 0; n-- {
		if _, err := unmarshal(lines[:n]); err == nil {
			return n + 1
		}
	}
	return 1
}

var (
	bareKey     = regexp.MustCompile(`^(\s*(?:-\s+)?)([A-Za-z0-9_][\w.-]*)(?:\s+(\S.*))?$`)
	keyAndValue = regexp.MustCompile(`^(\s*(?:-\s+)?[\w.-]+:\s+)(.*)$`)
)

// repair returns the replacement for the broken line that leaves the fewest problems, and
// whether that replacement dropped the line.
func repair(filename string, lines []string, line int) (string, bool) {
	orig := lines[line-1]
	indent := func(s string) string { return s[:len(s)-len(strings.TrimLeft(s, " \t"))] }
	body := strings.TrimLeft(orig, " \t")
	var cands []string
	if strings.HasPrefix(indent(orig), "\t") || strings.Contains(indent(orig), "\t") {
		cands = append(cands, strings.ReplaceAll(indent(orig), "\t", "  ")+body, strings.ReplaceAll(indent(orig), "\t", "    ")+body)
	}
	closers := ""
	if strings.Count(orig, `"`)%2 == 1 {
		closers += `"`
	} else if strings.Count(orig, `'`)%2 == 1 {
		closers += `'`
	}
	for i := strings.Count(orig, "{") - strings.Count(orig, "}"); i > 0; i-- {
		closers += "}"
	}
	for i := strings.Count(orig, "[") - strings.Count(orig, "]"); i > 0; i-- {
		closers += "]"
	}
	if closers != "" {
		cands = append(cands, strings.TrimRight(orig, " ")+closers)
	}
	if m := bareKey.FindStringSubmatch(orig); m != nil && !strings.Contains(orig, ":") {
		cands = append(cands, strings.TrimRight(m[1]+m[2]+": "+m[3], " "))
	}
	if m := keyAndValue.FindStringSubmatch(orig); m != nil && !strings.HasPrefix(m[2], `"`) {
		cands = append(cands, m[1]+`"`+strings.ReplaceAll(m[2], `"`, `\"`)+`"`)
	}
	for _, near := range []int{line - 2, line} { // the previous and next non-blank lines
		step := -1
		if near >= line-1 {
			step = 1
		}
		for i := near; i >= 0 && i < len(lines); i += step {
			if strings.TrimSpace(lines[i]) != "" {
				cands = append(cands, indent(lines[i])+body)
				break
			}
		}
	}
	best, bestN, blank := "", -1, true
	for _, c := range cands {
		trial := append([]string(nil), lines...)
		trial[line-1] = c
		root, err := unmarshal(trial)
		if err != nil {
			continue
		}
		_, d := check(filename, root, trial)
		if bestN < 0 || len(d.problems) < bestN {
			best, bestN, blank = c, len(d.problems), false
		}
	}
	return best, blank
}

func firstColumn(lines []string, line int) int {
	if line < 1 || line > len(lines) {
		return 1
	}
	s := lines[line-1]
	return len(s) - len(strings.TrimLeft(s, " ")) + 1
}

// enclosingPath names the node a line belongs to: of the decoded nodes spanning it, the one that
// starts last, and of several starting on the same line (a flow mapping) the outermost.
func enclosingPath(positions map[string]pos, line int) string {
	best, bestLine := "", -1
	for path, p := range positions {
		if path == "" || p.keyLine > line || p.end < line {
			continue
		}
		if p.keyLine > bestLine || (p.keyLine == bestLine && len(path) < len(best)) {
			best, bestLine = path, p.keyLine
		}
	}
	return best
}

func spansDropped(p pos, dropped map[int]bool) bool {
	for l := range dropped {
		if l >= p.line && l <= p.end+1 {
			return true
		}
	}
	return false
}
