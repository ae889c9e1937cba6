package expr

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Step Functions evaluates JSONPath with the Jayway implementation
// (https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html),
// so this file follows Jayway's grammar and its definite/indefinite rules: a definite path
// (no wildcard, deep scan, filter, slice or list of keys/indexes) yields one value or an
// error; an indefinite path yields the (possibly empty) list of matches.

type segKind int

const (
	segProp   segKind = iota // .name, ['a'], ['a','b']
	segIndex                 // [0], [-1], [0,2]
	segSlice                 // [1:3], [:2], [-1:]
	segWild                  // .* or [*]
	segFilter                // [?(...)]
	segFunc                  // .length() etc.; always last
)

type segment struct {
	kind     segKind
	deep     bool // preceded by ".."
	names    []string
	indexes  []int
	from, to *int
	filter   filterNode
	fn       string
}

func (s segment) definite() bool {
	switch s.kind {
	case segProp:
		return !s.deep && len(s.names) == 1
	case segIndex:
		return !s.deep && len(s.indexes) == 1
	case segFunc:
		return true
	}
	return false
}

// fragment is the canonical Jayway form of the segment, used in error messages.
func (s segment) fragment() string {
	var b strings.Builder
	if s.deep {
		b.WriteString("..")
	}
	switch s.kind {
	case segProp:
		b.WriteByte('[')
		for i, n := range s.names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("'" + n + "'")
		}
		b.WriteByte(']')
	case segIndex:
		b.WriteByte('[')
		for i, n := range s.indexes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(']')
	case segSlice:
		b.WriteByte('[')
		if s.from != nil {
			b.WriteString(strconv.Itoa(*s.from))
		}
		b.WriteByte(':')
		if s.to != nil {
			b.WriteString(strconv.Itoa(*s.to))
		}
		b.WriteByte(']')
	case segWild:
		b.WriteString("[*]")
	case segFilter:
		b.WriteString("[?]")
	case segFunc:
		b.WriteString("." + s.fn + "()")
	}
	return b.String()
}

type path struct {
	src      string
	segs     []segment
	definite bool
	// props is set when the path is only single, non-deep property names ($.a.b): the common
	// case is walked directly, without the node lists of eval.
	props []string
}

// Canonical returns Jayway's canonical form of a path ($['a'][0]), which AWS quotes in some
// messages; an unparsable path is returned unchanged.
func Canonical(p string) string {
	pp, err := parsePath(p)
	if err != nil {
		return p
	}
	return pp.canonical(len(pp.segs))
}

func (p *path) canonical(n int) string {
	var b strings.Builder
	b.WriteByte('$')
	for _, s := range p.segs[:n] {
		b.WriteString(s.fragment())
	}
	return b.String()
}

// PathError reports a JSONPath that does not parse.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("invalid JSONPath %q: %s", e.Path, e.Reason)
}

type pathParser struct {
	src string
	s   string
	i   int
}

func (pp *pathParser) fail(format string, a ...any) error {
	return &PathError{Path: pp.src, Reason: fmt.Sprintf(format, a...) + fmt.Sprintf(" at offset %d", pp.i)}
}

func (pp *pathParser) eof() bool { return pp.i >= len(pp.s) }

func (pp *pathParser) peek() byte {
	if pp.eof() {
		return 0
	}
	return pp.s[pp.i]
}

func (pp *pathParser) skipSpaces() {
	for !pp.eof() && pp.s[pp.i] == ' ' {
		pp.i++
	}
}

// pathCache holds parsed paths; paths come from state machine definitions, so the set is
// small, but it is capped so that unusual callers cannot grow it without bound.
var pathCache boundedCache

// parsePath parses a path rooted at "$" (not "$$" or "$var": see parseAnyPath). Parsed paths
// are immutable and shared.
func parsePath(src string) (*path, error) {
	if p, ok := pathCache.load(src); ok {
		return p.(*path), nil
	}
	p, err := parsePathUncached(src)
	if err == nil {
		pathCache.store(src, p)
	}
	return p, err
}

func parsePathUncached(src string) (*path, error) {
	pp := &pathParser{src: src, s: src}
	if !strings.HasPrefix(src, "$") {
		return nil, pp.fail("a path must start with '$'")
	}
	pp.i = 1
	segs, err := pp.segments(false)
	if err != nil {
		return nil, err
	}
	if !pp.eof() {
		return nil, pp.fail("unexpected %q", pp.s[pp.i:])
	}
	p := &path{src: src, segs: segs, definite: true}
	simple := true
	for _, s := range segs {
		if !s.definite() {
			p.definite = false
		}
		if s.kind != segProp || s.deep || len(s.names) != 1 {
			simple = false
		}
	}
	if simple {
		p.props = make([]string, len(segs))
		for i, s := range segs {
			p.props[i] = s.names[0]
		}
	}
	return p, nil
}

// segments parses segments until the end of input or, inside a filter, a character that
// cannot continue a path.
func (pp *pathParser) segments(inFilter bool) ([]segment, error) {
	var segs []segment
	for !pp.eof() {
		c := pp.s[pp.i]
		switch {
		case c == '.':
			deep := false
			if strings.HasPrefix(pp.s[pp.i:], "..") {
				deep = true
				pp.i += 2
				if pp.peek() == '[' {
					seg, err := pp.bracket()
					if err != nil {
						return nil, err
					}
					seg.deep = true
					segs = append(segs, seg)
					continue
				}
			} else {
				pp.i++
			}
			if pp.peek() == '*' {
				pp.i++
				segs = append(segs, segment{kind: segWild, deep: deep})
				continue
			}
			start := pp.i
			for !pp.eof() && !strings.ContainsRune(".[( )]=!<>&|,", rune(pp.s[pp.i])) {
				pp.i++
			}
			name := pp.s[start:pp.i]
			if name == "" {
				return nil, pp.fail("empty property name")
			}
			if pp.peek() == '(' {
				if deep {
					return nil, pp.fail("function %s() cannot follow '..'", name)
				}
				if !strings.HasPrefix(pp.s[pp.i:], "()") {
					return nil, pp.fail("function %s() takes no arguments", name)
				}
				if !knownFunc(name) {
					return nil, pp.fail("unknown function %s()", name)
				}
				pp.i += 2
				segs = append(segs, segment{kind: segFunc, fn: name})
				if !pp.eof() && !inFilter {
					return nil, pp.fail("a function must end the path")
				}
				return segs, nil
			}
			if pp.peek() == ' ' && !inFilter {
				return nil, pp.fail("use bracket notation ['my prop'] for a property with spaces")
			}
			segs = append(segs, segment{kind: segProp, deep: deep, names: []string{name}})
		case c == '[':
			seg, err := pp.bracket()
			if err != nil {
				return nil, err
			}
			segs = append(segs, seg)
		default:
			if inFilter {
				return segs, nil
			}
			return nil, pp.fail("unexpected character %q", c)
		}
	}
	return segs, nil
}

func knownFunc(name string) bool {
	switch name {
	case "length", "size", "min", "max", "avg", "stddev", "sum", "keys", "first", "last":
		return true
	}
	return false
}

// bracket parses one [...] segment; pp.i is at '['.
func (pp *pathParser) bracket() (segment, error) {
	pp.i++
	pp.skipSpaces()
	switch c := pp.peek(); {
	case c == '*':
		pp.i++
		pp.skipSpaces()
		if pp.peek() != ']' {
			return segment{}, pp.fail("expected ']' after '*'")
		}
		pp.i++
		return segment{kind: segWild}, nil
	case c == '?':
		pp.i++
		pp.skipSpaces()
		if pp.peek() != '(' {
			return segment{}, pp.fail("expected '(' after '?'")
		}
		pp.i++
		f, err := pp.filterOr()
		if err != nil {
			return segment{}, err
		}
		pp.skipSpaces()
		if pp.peek() != ')' {
			return segment{}, pp.fail("expected ')' to close the filter")
		}
		pp.i++
		pp.skipSpaces()
		if pp.peek() != ']' {
			return segment{}, pp.fail("expected ']' after the filter")
		}
		pp.i++
		return segment{kind: segFilter, filter: f}, nil
	case c == '\'' || c == '"':
		var names []string
		for {
			pp.skipSpaces()
			q := pp.peek()
			if q != '\'' && q != '"' {
				return segment{}, pp.fail("expected a quoted property name")
			}
			name, err := pp.quoted()
			if err != nil {
				return segment{}, err
			}
			names = append(names, name)
			pp.skipSpaces()
			if pp.peek() == ',' {
				pp.i++
				continue
			}
			if pp.peek() != ']' {
				return segment{}, pp.fail("expected ']' after property name")
			}
			pp.i++
			return segment{kind: segProp, names: names}, nil
		}
	case c == '-' || c == ':' || (c >= '0' && c <= '9'):
		return pp.indexOrSlice()
	}
	return segment{}, pp.fail("unexpected %q in brackets", pp.peek())
}

// quoted reads a quoted string; pp.i is at the quote. As in Jayway, a backslash only escapes
// the quote character and another backslash; other backslashes are literal.
func (pp *pathParser) quoted() (string, error) {
	q := pp.s[pp.i]
	pp.i++
	var b strings.Builder
	for !pp.eof() {
		c := pp.s[pp.i]
		if c == '\\' && pp.i+1 < len(pp.s) && (pp.s[pp.i+1] == q || pp.s[pp.i+1] == '\\') {
			b.WriteByte(pp.s[pp.i+1])
			pp.i += 2
			continue
		}
		if c == q {
			pp.i++
			return b.String(), nil
		}
		b.WriteByte(c)
		pp.i++
	}
	return "", pp.fail("unterminated quoted name")
}

func (pp *pathParser) int() (int, bool) {
	start := pp.i
	if pp.peek() == '-' {
		pp.i++
	}
	for !pp.eof() && pp.s[pp.i] >= '0' && pp.s[pp.i] <= '9' {
		pp.i++
	}
	n, err := strconv.Atoi(pp.s[start:pp.i])
	if err != nil {
		pp.i = start
		return 0, false
	}
	return n, true
}

func (pp *pathParser) indexOrSlice() (segment, error) {
	pp.skipSpaces()
	var from *int
	if pp.peek() != ':' {
		n, ok := pp.int()
		if !ok {
			return segment{}, pp.fail("expected an array index")
		}
		from = &n
	}
	pp.skipSpaces()
	if pp.peek() == ':' {
		pp.i++
		pp.skipSpaces()
		var to *int
		if pp.peek() != ']' {
			n, ok := pp.int()
			if !ok {
				return segment{}, pp.fail("expected a slice end")
			}
			to = &n
		}
		pp.skipSpaces()
		if pp.peek() != ']' {
			return segment{}, pp.fail("expected ']' after slice")
		}
		pp.i++
		if from == nil && to == nil {
			return segment{kind: segWild}, nil
		}
		return segment{kind: segSlice, from: from, to: to}, nil
	}
	idx := []int{*from}
	for pp.peek() == ',' {
		pp.i++
		pp.skipSpaces()
		n, ok := pp.int()
		if !ok {
			return segment{}, pp.fail("expected an array index after ','")
		}
		idx = append(idx, n)
		pp.skipSpaces()
	}
	if pp.peek() != ']' {
		return segment{}, pp.fail("expected ']' after index")
	}
	pp.i++
	return segment{kind: segIndex, indexes: idx}, nil
}

// get evaluates the path on doc.
func (p *path) get(doc any) (any, error) {
	if p.props != nil {
		if v, ok := walkProps(doc, p.props); ok {
			return v, nil
		}
		// Not found: eval gives the error, in AWS's wording.
	}
	v, err := p.eval(doc)
	if err != nil && !p.definite {
		// AWS answers an indefinite path that cannot be followed with an empty list.
		if _, ok := err.(*NotFoundError); ok {
			return []any{}, nil
		}
	}
	return v, err
}

// walkProps follows property names through objects; ok is false when one is missing or a
// value on the way is not an object.
func walkProps(doc any, props []string) (any, bool) {
	for _, name := range props {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, false
		}
		if doc, ok = m[name]; !ok {
			return nil, false
		}
	}
	return doc, true
}

func (p *path) eval(doc any) (any, error) {
	segs := p.segs
	var fn string
	if n := len(segs); n > 0 && segs[n-1].kind == segFunc {
		fn = segs[n-1].fn
		segs = segs[:n-1]
	}
	nodes := []any{doc}
	upstreamDefinite := true
	for i, s := range segs {
		leaf := i == len(segs)-1
		var next []any
		for _, n := range nodes {
			var err error
			next, err = p.step(next, s, n, i, leaf, upstreamDefinite, doc)
			if err != nil {
				return nil, err
			}
		}
		nodes = next
		if !s.definite() {
			upstreamDefinite = false
		}
	}
	definite := true
	for _, s := range segs {
		if !s.definite() {
			definite = false
		}
	}
	if fn != "" {
		var arg any
		if definite {
			if len(nodes) == 0 {
				return nil, &NotFoundError{Path: p.src, Detail: "No results for path: " + p.canonical(len(segs))}
			}
			arg = nodes[0]
		} else {
			arg = nodes
		}
		v, err := applyFunc(fn, arg)
		if err != nil {
			return nil, &NotFoundError{Path: p.src, Detail: err.Error()}
		}
		return v, nil
	}
	if definite {
		if len(nodes) == 0 {
			return nil, &NotFoundError{Path: p.src, Detail: "No results for path: " + p.canonical(len(segs))}
		}
		return nodes[0], nil
	}
	if nodes == nil {
		nodes = []any{}
	}
	return nodes, nil
}

func (p *path) step(out []any, s segment, n any, i int, leaf, upstreamDefinite bool, root any) ([]any, error) {
	if s.deep {
		return p.deepStep(out, s, n, root)
	}
	switch s.kind {
	case segProp:
		m, ok := n.(map[string]any)
		if !ok {
			if !upstreamDefinite || !s.definite() {
				return out, nil
			}
			return nil, &NotFoundError{Path: p.src, Detail: fmt.Sprintf(
				"Expected to find an object with property %s in path %s but found '%s'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'.",
				s.fragment(), p.canonical(i), javaClass(n))}
		}
		for _, name := range s.names {
			v, ok := m[name]
			if !ok {
				if leaf || !upstreamDefinite || !s.definite() {
					continue
				}
				return nil, &NotFoundError{Path: p.src, Detail: "Missing property in path " + p.canonical(i+1)}
			}
			out = append(out, v)
		}
		return out, nil
	case segIndex:
		a, ok := n.([]any)
		if !ok {
			if !upstreamDefinite || !s.definite() {
				return out, nil
			}
			return nil, &NotFoundError{Path: p.src, Detail: fmt.Sprintf(
				"Filter: %s can only be applied to arrays. Current context is: %s", s.fragment(), MarshalString(n))}
		}
		for _, idx := range s.indexes {
			if idx < 0 {
				idx += len(a)
			}
			if idx >= 0 && idx < len(a) {
				out = append(out, a[idx])
			}
		}
		return out, nil
	case segSlice:
		a, ok := n.([]any)
		if !ok {
			return out, nil
		}
		from, to := 0, len(a)
		if s.from != nil {
			from = *s.from
			if from < 0 {
				from = max(0, len(a)+from)
			}
		}
		if s.to != nil {
			to = *s.to
			if to < 0 {
				to = len(a) + to
			}
		}
		from = min(from, len(a))
		to = min(to, len(a))
		for j := from; j < to; j++ {
			out = append(out, a[j])
		}
		return out, nil
	case segWild:
		return appendChildren(out, n), nil
	case segFilter:
		switch x := n.(type) {
		case []any:
			for _, e := range x {
				if evalFilter(s.filter, e, root) {
					out = append(out, e)
				}
			}
		case map[string]any:
			if evalFilter(s.filter, x, root) {
				out = append(out, x)
			}
		}
		return out, nil
	}
	return out, nil
}

// deepStep applies s (without its deep flag) to n and every descendant of n, in document
// order (objects in sorted key order, since Go maps have none).
func (p *path) deepStep(out []any, s segment, n any, root any) ([]any, error) {
	flat := s
	flat.deep = false
	var walk func(v any) error
	walk = func(v any) error {
		var err error
		out, err = p.step(out, flat, v, 0, true, false, root)
		if err != nil {
			return err
		}
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				if err := walk(x[k]); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(n)
	return out, err
}

func appendChildren(out []any, n any) []any {
	switch x := n.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			out = append(out, x[k])
		}
	case []any:
		out = append(out, x...)
	}
	return out
}

func javaClass(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "java.lang.String"
	case bool:
		return "java.lang.Boolean"
	case json.Number:
		if isIntegral(v.(json.Number)) {
			return "java.lang.Integer"
		}
		return "java.lang.Double"
	case []any:
		return "net.minidev.json.JSONArray"
	}
	return "net.minidev.json.JSONObject"
}

func applyFunc(fn string, v any) (any, error) {
	switch fn {
	case "length", "size":
		switch x := v.(type) {
		case []any:
			return json.Number(strconv.Itoa(len(x))), nil
		case map[string]any:
			return json.Number(strconv.Itoa(len(x))), nil
		case string:
			return json.Number(strconv.Itoa(len([]rune(x)))), nil
		}
		return nil, fmt.Errorf("Aggregation function attempted to calculate value using empty array")
	case "keys":
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("keys() can only be applied to an object")
		}
		ks := sortedKeys(m)
		out := make([]any, len(ks))
		for i, k := range ks {
			out[i] = k
		}
		return out, nil
	case "first", "last":
		a, ok := v.([]any)
		if !ok || len(a) == 0 {
			return nil, fmt.Errorf("%s() requires a non-empty array", fn)
		}
		if fn == "first" {
			return a[0], nil
		}
		return a[len(a)-1], nil
	}
	// Numeric aggregations over an array of numbers.
	a, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s() can only be applied to an array", fn)
	}
	var nums []float64
	for _, e := range a {
		if n, ok := e.(json.Number); ok {
			f, err := n.Float64()
			if err == nil {
				nums = append(nums, f)
			}
		}
	}
	if len(nums) == 0 {
		return nil, fmt.Errorf("Aggregation function attempted to calculate value using empty array")
	}
	var r float64
	switch fn {
	case "min":
		r = nums[0]
		for _, x := range nums {
			r = min(r, x)
		}
	case "max":
		r = nums[0]
		for _, x := range nums {
			r = max(r, x)
		}
	case "sum", "avg", "stddev":
		var sum, sq float64
		for _, x := range nums {
			sum += x
			sq += x * x
		}
		switch fn {
		case "sum":
			r = sum
		case "avg":
			r = sum / float64(len(nums))
		default:
			mean := sum / float64(len(nums))
			r = sqrt(sq/float64(len(nums)) - mean*mean)
		}
	}
	// Jayway's aggregations return doubles.
	return floatNumber(r, true), nil
}
