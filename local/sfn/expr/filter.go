package expr

import (
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strings"
)

// Filter expressions ([?(...)]) follow Jayway's predicate language: comparisons (== != < <= >
// >= =~ in nin subsetof anyof noneof size empty contains), existence tests (@.x), && || !
// and parentheses. A path that selects nothing makes its comparison false.

type filterNode interface{ isFilter() }

type filterAnd struct{ l, r filterNode }
type filterOr struct{ l, r filterNode }
type filterNot struct{ x filterNode }
type filterCmp struct {
	op   string // "" means an existence/truthiness test of l
	l, r operand
}

func (filterAnd) isFilter() {}
func (filterOr) isFilter()  {}
func (filterNot) isFilter() {}
func (filterCmp) isFilter() {}

type operand struct {
	rel   bool // path relative to the current item ("@")
	abs   bool // path on the document root ("$")
	path  *path
	value any
	regex *regexp.Regexp
}

func (pp *pathParser) filterOr() (filterNode, error) {
	l, err := pp.filterAnd()
	if err != nil {
		return nil, err
	}
	for {
		pp.skipSpaces()
		if !strings.HasPrefix(pp.s[pp.i:], "||") {
			return l, nil
		}
		pp.i += 2
		r, err := pp.filterAnd()
		if err != nil {
			return nil, err
		}
		l = filterOr{l, r}
	}
}

func (pp *pathParser) filterAnd() (filterNode, error) {
	l, err := pp.filterUnary()
	if err != nil {
		return nil, err
	}
	for {
		pp.skipSpaces()
		if !strings.HasPrefix(pp.s[pp.i:], "&&") {
			return l, nil
		}
		pp.i += 2
		r, err := pp.filterUnary()
		if err != nil {
			return nil, err
		}
		l = filterAnd{l, r}
	}
}

func (pp *pathParser) filterUnary() (filterNode, error) {
	pp.skipSpaces()
	if pp.peek() == '!' && !strings.HasPrefix(pp.s[pp.i:], "!=") {
		pp.i++
		x, err := pp.filterUnary()
		if err != nil {
			return nil, err
		}
		return filterNot{x}, nil
	}
	if pp.peek() == '(' {
		pp.i++
		x, err := pp.filterOr()
		if err != nil {
			return nil, err
		}
		pp.skipSpaces()
		if pp.peek() != ')' {
			return nil, pp.fail("expected ')'")
		}
		pp.i++
		return x, nil
	}
	l, err := pp.operand()
	if err != nil {
		return nil, err
	}
	pp.skipSpaces()
	op := ""
	for _, cand := range []string{"==", "!=", "<=", ">=", "=~", "<", ">", " in ", " nin ", " subsetof ", " anyof ", " noneof ", " size ", " empty ", " contains ", "in ", "nin ", "subsetof ", "anyof ", "noneof ", "size ", "empty", "contains "} {
		if strings.HasPrefix(pp.s[pp.i:], strings.TrimLeft(cand, " ")) {
			op = strings.TrimSpace(cand)
			pp.i += len(strings.TrimLeft(cand, " "))
			break
		}
	}
	if op == "" {
		if l.path == nil {
			return nil, pp.fail("expected a comparison operator")
		}
		return filterCmp{l: l}, nil
	}
	pp.skipSpaces()
	r, err := pp.operand()
	if err != nil {
		return nil, err
	}
	if op == "=~" && r.regex == nil {
		return nil, pp.fail("=~ needs a /regex/ on its right")
	}
	return filterCmp{op: op, l: l, r: r}, nil
}

func (pp *pathParser) operand() (operand, error) {
	pp.skipSpaces()
	c := pp.peek()
	switch {
	case c == '@' || c == '$':
		pp.i++
		segs, err := pp.segments(true)
		if err != nil {
			return operand{}, err
		}
		p := &path{src: pp.src, segs: segs, definite: true}
		for _, s := range segs {
			if !s.definite() {
				p.definite = false
			}
		}
		return operand{rel: c == '@', abs: c == '$', path: p}, nil
	case c == '\'' || c == '"':
		s, err := pp.quoted()
		if err != nil {
			return operand{}, err
		}
		return operand{value: s}, nil
	case c == '/':
		end := pp.i + 1
		for end < len(pp.s) && pp.s[end] != '/' {
			if pp.s[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(pp.s) {
			return operand{}, pp.fail("unterminated regex")
		}
		pat := pp.s[pp.i+1 : end]
		pp.i = end + 1
		flags := ""
		for !pp.eof() && strings.ContainsRune("imsx", rune(pp.peek())) {
			flags += string(pp.peek())
			pp.i++
		}
		if flags != "" {
			pat = "(?" + strings.ReplaceAll(flags, "x", "") + ")" + pat
		}
		re, err := regexp.Compile("^(?:" + pat + ")$")
		if err != nil {
			return operand{}, pp.fail("bad regex: %v", err)
		}
		return operand{regex: re}, nil
	case c == '[' || c == '{':
		// A JSON literal: find its end by bracket depth, honouring quoted strings.
		depth, end := 0, pp.i
		for ; end < len(pp.s); end++ {
			ch := pp.s[end]
			if ch == '\'' || ch == '"' {
				q := ch
				for end++; end < len(pp.s) && pp.s[end] != q; end++ {
					if pp.s[end] == '\\' {
						end++
					}
				}
				continue
			}
			if ch == '[' || ch == '{' {
				depth++
			} else if ch == ']' || ch == '}' {
				depth--
				if depth == 0 {
					break
				}
			}
		}
		if end >= len(pp.s) {
			return operand{}, pp.fail("unterminated JSON literal")
		}
		text := strings.ReplaceAll(pp.s[pp.i:end+1], "'", "\"")
		v, err := decode([]byte(text))
		if err != nil {
			return operand{}, pp.fail("bad JSON literal: %v", err)
		}
		pp.i = end + 1
		return operand{value: v}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := pp.i
		pp.i++
		for !pp.eof() && strings.ContainsRune("0123456789.eE+-", rune(pp.peek())) {
			pp.i++
		}
		v, err := decode([]byte(pp.s[start:pp.i]))
		if err != nil {
			return operand{}, pp.fail("bad number %q", pp.s[start:pp.i])
		}
		return operand{value: v}, nil
	}
	for _, lit := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(pp.s[pp.i:], lit.s) {
			pp.i += len(lit.s)
			return operand{value: lit.v}, nil
		}
	}
	return operand{}, pp.fail("expected a value in filter")
}

// resolveOperand returns the operand's value and whether it exists.
func resolveOperand(o operand, item, root any) (any, bool) {
	if o.path == nil {
		return o.value, true
	}
	base := item
	if o.abs {
		base = root
	}
	v, err := o.path.get(base)
	if err != nil {
		return nil, false
	}
	if !o.path.definite {
		if a, ok := v.([]any); ok && len(a) == 0 {
			return nil, false
		}
	}
	return v, true
}

func evalFilter(f filterNode, item, root any) bool {
	switch x := f.(type) {
	case filterAnd:
		return evalFilter(x.l, item, root) && evalFilter(x.r, item, root)
	case filterOr:
		return evalFilter(x.l, item, root) || evalFilter(x.r, item, root)
	case filterNot:
		return !evalFilter(x.x, item, root)
	case filterCmp:
		l, lok := resolveOperand(x.l, item, root)
		if x.op == "" {
			if x.l.path == nil {
				b, _ := l.(bool)
				return b
			}
			return lok
		}
		if !lok {
			return false
		}
		if x.op == "=~" {
			s, ok := l.(string)
			return ok && x.r.regex.MatchString(s)
		}
		r, rok := resolveOperand(x.r, item, root)
		if !rok {
			return false
		}
		return compareOp(x.op, l, r)
	}
	return false
}

func compareOp(op string, l, r any) bool {
	switch op {
	case "==":
		return jsonEqual(l, r)
	case "!=":
		return !jsonEqual(l, r)
	case "<", "<=", ">", ">=":
		c, ok := order(l, r)
		if !ok {
			return false
		}
		switch op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		}
		return c >= 0
	case "in", "nin":
		a, ok := r.([]any)
		if !ok {
			return false
		}
		found := false
		for _, e := range a {
			if jsonEqual(l, e) {
				found = true
				break
			}
		}
		return found == (op == "in")
	case "subsetof", "anyof", "noneof":
		la, lok := l.([]any)
		ra, rok := r.([]any)
		if !lok || !rok {
			return false
		}
		count := 0
		for _, e := range la {
			for _, f := range ra {
				if jsonEqual(e, f) {
					count++
					break
				}
			}
		}
		switch op {
		case "subsetof":
			return count == len(la)
		case "anyof":
			return count > 0
		}
		return count == 0
	case "contains":
		switch a := l.(type) {
		case []any:
			for _, e := range a {
				if jsonEqual(e, r) {
					return true
				}
			}
		case string:
			s, ok := r.(string)
			return ok && strings.Contains(a, s)
		}
		return false
	case "size":
		n, ok := r.(json.Number)
		if !ok {
			return false
		}
		want, err := n.Int64()
		if err != nil {
			return false
		}
		switch a := l.(type) {
		case []any:
			return int64(len(a)) == want
		case string:
			return int64(len([]rune(a))) == want
		}
		return false
	case "empty":
		want, _ := r.(bool)
		switch a := l.(type) {
		case []any:
			return (len(a) == 0) == want
		case string:
			return (len(a) == 0) == want
		}
		return false
	}
	return false
}

// order compares two numbers or two strings.
func order(l, r any) (int, bool) {
	if ln, ok := l.(json.Number); ok {
		rn, ok := r.(json.Number)
		if !ok {
			return 0, false
		}
		return compareNumbers(ln, rn), true
	}
	if ls, ok := l.(string); ok {
		rs, ok := r.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(ls, rs), true
	}
	return 0, false
}

// jsonEqual is deep equality on documents, with numbers compared by value (1 == 1.0).
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && compareNumbers(x, y) == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

func compareNumbers(a, b json.Number) int {
	if ai, err := a.Int64(); err == nil {
		if bi, err := b.Int64(); err == nil {
			switch {
			case ai < bi:
				return -1
			case ai > bi:
				return 1
			}
			return 0
		}
	}
	af, _ := a.Float64()
	bf, _ := b.Float64()
	switch {
	case af < bf:
		return -1
	case af > bf:
		return 1
	}
	return 0
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// isIntegral reports whether n is written as an integer (no fraction or exponent).
func isIntegral(n json.Number) bool {
	return !strings.ContainsAny(string(n), ".eE")
}

// floatNumber prints f as a JSON number. Whole values print as integers unless keepDecimal,
// which mimics Java doubles ("3.0").
func floatNumber(f float64, keepDecimal bool) json.Number {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return json.Number("0")
	}
	if f == 0 {
		f = 0 // JSON has no negative zero: -0 prints as 0, as JSON.stringify does
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		s := json.Number(formatInt(f))
		if keepDecimal {
			return s + ".0"
		}
		return s
	}
	return json.Number(formatFloat(f))
}

func sqrt(x float64) float64 { return math.Sqrt(math.Max(0, x)) }
