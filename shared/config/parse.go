package config

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxSyntaxRecoveries bounds how many syntax errors one file reports: after a few, the later
// ones are more likely echoes of the first than real mistakes.
const maxSyntaxRecoveries = 3

// Parse decodes and validates an org file. It always returns an Org (possibly partial) so that
// callers can show what was understood; the file is valid only when no problem is returned.
//
// A YAML syntax error does not end the check: the offending line is reported, blanked out, and
// the file parsed again, so that one run shows the syntax error and the problems after it. Inside
// YAML recovered that way, "missing field" problems whose node spans the blanked line are dropped,
// since the field may well be on that line.
func Parse(filename string, data []byte) (*Org, []Problem) {
	org := &Org{}
	root, syntax, blanked := parseYAML(filename, data)
	d := newDecoder(filename)
	if root != nil {
		if len(root.Content) == 0 || (root.Content[0].Kind == yaml.ScalarNode && root.Content[0].Tag == "!!null") {
			d.problems = append(d.problems, Problem{File: filename, Line: 1, Col: 1, Message: "the org file is empty"})
		} else {
			d.decode(root.Content[0], reflect.ValueOf(org).Elem(), "")
		}
		applyDefaults(org, d)
		validate(org, d)
	}
	problems := make([]Problem, 0, len(syntax)+len(d.problems))
	for _, p := range syntax {
		p.Path = enclosingPath(d.pos, p.Line)
		problems = append(problems, p)
	}
	for _, p := range d.problems {
		if p.missing && spansBlanked(d.pos[p.Path], blanked) {
			continue
		}
		problems = append(problems, p)
	}
	sortProblems(problems)
	return org, problems
}

var yamlLinePrefix = regexp.MustCompile(`^yaml: (line \d+: )?`)

// parseYAML parses data into a document node, recovering from up to maxSyntaxRecoveries syntax
// errors by blanking the line each one is on. It returns nil when the file cannot be recovered.
func parseYAML(filename string, data []byte) (*yaml.Node, []Problem, map[int]bool) {
	lines := bytes.Split(data, []byte("\n"))
	blanked := map[int]bool{}
	var problems []Problem
	for range maxSyntaxRecoveries + 1 {
		var root yaml.Node
		err := yaml.Unmarshal(bytes.Join(lines, []byte("\n")), &root)
		if err == nil {
			return &root, problems, blanked
		}
		if len(problems) == maxSyntaxRecoveries {
			break
		}
		line := locateSyntaxError(lines)
		msg := yamlLinePrefix.ReplaceAllString(err.Error(), "")
		problems = append(problems, Problem{File: filename, Line: line, Col: firstColumn(lines, line),
			Message: "YAML syntax error: " + msg})
		if line < 1 || line > len(lines) || blanked[line] {
			break
		}
		lines[line-1] = nil
		blanked[line] = true
	}
	problems = append(problems, Problem{File: filename, Line: problems[len(problems)-1].Line, Col: 1,
		Message: "too many YAML syntax errors; fix these first, then validate again to see the rest"})
	return nil, problems, blanked
}

// locateSyntaxError finds the line a syntax error is on. yaml.v3 reports the line of the enclosing
// block rather than the offending line, so instead find the longest prefix of the file that still
// parses: the error is on the next line.
func locateSyntaxError(lines [][]byte) int {
	for n := len(lines) - 1; n >= 0; n-- {
		var root yaml.Node
		if yaml.Unmarshal(bytes.Join(lines[:n], []byte("\n")), &root) == nil {
			return n + 1
		}
	}
	return 1
}

func firstColumn(lines [][]byte, line int) int {
	if line < 1 || line > len(lines) {
		return 1
	}
	s := string(lines[line-1])
	return len(s) - len(strings.TrimLeft(s, " ")) + 1
}

// enclosingPath names the innermost decoded node that spans line.
func enclosingPath(positions map[string]pos, line int) string {
	best, bestLine := "", -1
	for path, p := range positions {
		if path == "" || p.line > line || p.end < line {
			continue
		}
		if p.line > bestLine || (p.line == bestLine && len(path) > len(best)) {
			best, bestLine = path, p.line
		}
	}
	return best
}

func spansBlanked(p pos, blanked map[int]bool) bool {
	for l := range blanked {
		if l >= p.line && l <= p.end+1 {
			return true
		}
	}
	return false
}
