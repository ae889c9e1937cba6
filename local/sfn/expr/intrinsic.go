package expr

import (
	"fmt"
	"strings"
)

// Intrinsic calls follow the grammar of the AWS developer guide
// (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html):
// States.Name(arg, ...) where an argument is a 'string' (with \' \{ \} \\ escapes), a number,
// true/false/null, a path ($..., $$..., $var...) or another intrinsic call; up to 10 calls
// may be nested.

const maxIntrinsicDepth = 10

type argKind int

const (
	argLiteral argKind = iota
	argPath
	argCall
)

type intrinsicArg struct {
	kind  argKind
	value any      // literal value (string, json.Number, bool, nil)
	raw   string   // for string literals: the text between quotes, escapes kept (Format needs them)
	path  string   // for argPath
	call  *callAST // for argCall
}

type callAST struct {
	name string // e.g. "States.Format"
	args []intrinsicArg
}

type intrinsicParser struct {
	src string
	i   int
}

func (ip *intrinsicParser) fail(format string, a ...any) error {
	return &Error{Name: ErrIntrinsicFailure, Cause: fmt.Sprintf("Invalid intrinsic function %q: %s", ip.src, fmt.Sprintf(format, a...))}
}

func (ip *intrinsicParser) skipSpaces() {
	for ip.i < len(ip.src) && (ip.src[ip.i] == ' ' || ip.src[ip.i] == '\t' || ip.src[ip.i] == '\n' || ip.src[ip.i] == '\r') {
		ip.i++
	}
}

func isIntrinsic(s string) bool {
	s = strings.TrimSpace(s)
	return strings.HasPrefix(s, "States.") && strings.HasSuffix(s, ")") && strings.Contains(s, "(")
}

var intrinsicCache boundedCache

// looksIntrinsic reports whether s was meant as an intrinsic call, for load-time messages
// about malformed calls ("States.Format('{}'" lacks its parenthesis but is no path either).
func looksIntrinsic(s string) bool { return strings.HasPrefix(strings.TrimSpace(s), "States.") }

// parseIntrinsic parses a complete call expression; results are cached and immutable.
func parseIntrinsic(src string) (*callAST, error) {
	if c, ok := intrinsicCache.load(src); ok {
		return c.(*callAST), nil
	}
	c, err := parseIntrinsicUncached(src)
	if err == nil {
		intrinsicCache.store(src, c)
	}
	return c, err
}

func parseIntrinsicUncached(src string) (*callAST, error) {
	ip := &intrinsicParser{src: src}
	ip.skipSpaces()
	c, err := ip.call(1)
	if err != nil {
		return nil, err
	}
	ip.skipSpaces()
	if ip.i != len(ip.src) {
		return nil, ip.fail("unexpected text %q after the call", ip.src[ip.i:])
	}
	return c, nil
}

func (ip *intrinsicParser) call(depth int) (*callAST, error) {
	if depth > maxIntrinsicDepth {
		return nil, ip.fail("more than %d nested intrinsic functions", maxIntrinsicDepth)
	}
	start := ip.i
	for ip.i < len(ip.src) && (isIdentByte(ip.src[ip.i]) || ip.src[ip.i] == '.') {
		ip.i++
	}
	name := ip.src[start:ip.i]
	if _, ok := intrinsics[name]; !ok {
		return nil, ip.fail("unknown function %q", name)
	}
	ip.skipSpaces()
	if ip.i >= len(ip.src) || ip.src[ip.i] != '(' {
		return nil, ip.fail("expected '(' after %s", name)
	}
	ip.i++
	c := &callAST{name: name}
	ip.skipSpaces()
	if ip.i < len(ip.src) && ip.src[ip.i] == ')' {
		ip.i++
		return c, nil
	}
	for {
		ip.skipSpaces()
		a, err := ip.arg(depth)
		if err != nil {
			return nil, err
		}
		c.args = append(c.args, a)
		ip.skipSpaces()
		if ip.i >= len(ip.src) {
			return nil, ip.fail("missing ')'")
		}
		switch ip.src[ip.i] {
		case ',':
			ip.i++
			continue
		case ')':
			ip.i++
			return c, nil
		}
		return nil, ip.fail("expected ',' or ')' at offset %d", ip.i)
	}
}

func isIdentByte(b byte) bool {
	return b == '_' || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

func (ip *intrinsicParser) arg(depth int) (intrinsicArg, error) {
	if ip.i >= len(ip.src) {
		return intrinsicArg{}, ip.fail("missing argument")
	}
	rest := ip.src[ip.i:]
	switch c := rest[0]; {
	case c == '\'':
		return ip.stringLit()
	case c == '$':
		end, err := ip.pathEnd()
		if err != nil {
			return intrinsicArg{}, err
		}
		p := strings.TrimRight(ip.src[ip.i:end], " \t")
		ip.i = end
		if _, err := parseAnyPath(p); err != nil {
			return intrinsicArg{}, ip.fail("bad path %q: %v", p, err)
		}
		return intrinsicArg{kind: argPath, path: p}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		start := ip.i
		ip.i++
		for ip.i < len(ip.src) && strings.IndexByte("0123456789.eE+-", ip.src[ip.i]) >= 0 {
			ip.i++
		}
		v, err := decode([]byte(ip.src[start:ip.i]))
		if err != nil {
			return intrinsicArg{}, ip.fail("bad number %q", ip.src[start:ip.i])
		}
		return intrinsicArg{kind: argLiteral, value: v}, nil
	case strings.HasPrefix(rest, "States."):
		c, err := ip.call(depth + 1)
		if err != nil {
			return intrinsicArg{}, err
		}
		return intrinsicArg{kind: argCall, call: c}, nil
	}
	for _, lit := range []struct {
		s string
		v any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, lit.s) && (len(rest) == len(lit.s) || !isIdentByte(rest[len(lit.s)])) {
			ip.i += len(lit.s)
			return intrinsicArg{kind: argLiteral, value: lit.v}, nil
		}
	}
	return intrinsicArg{}, ip.fail("unexpected argument at offset %d", ip.i)
}

// pathEnd finds where a path argument ends: the first ',' or ')' outside brackets, quotes
// and filter parentheses.
func (ip *intrinsicParser) pathEnd() (int, error) {
	depth := 0
	for j := ip.i; j < len(ip.src); j++ {
		switch ch := ip.src[j]; ch {
		case '\'', '"':
			for j++; j < len(ip.src) && ip.src[j] != ch; j++ {
				if ip.src[j] == '\\' {
					j++
				}
			}
			if j >= len(ip.src) {
				return 0, ip.fail("unterminated quote in path")
			}
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				return j, nil
			}
			depth--
		case ',':
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, ip.fail("missing ')'")
}

func (ip *intrinsicParser) stringLit() (intrinsicArg, error) {
	ip.i++ // opening quote
	start := ip.i
	var b strings.Builder
	for ip.i < len(ip.src) {
		c := ip.src[ip.i]
		if c == '\\' {
			if ip.i+1 >= len(ip.src) {
				break
			}
			b.WriteByte(ip.src[ip.i+1])
			ip.i += 2
			continue
		}
		if c == '\'' {
			raw := ip.src[start:ip.i]
			ip.i++
			return intrinsicArg{kind: argLiteral, value: b.String(), raw: raw}, nil
		}
		b.WriteByte(c)
		ip.i++
	}
	return intrinsicArg{}, ip.fail("unterminated string literal")
}

// evalIntrinsic parses and evaluates one call.
func evalIntrinsic(src string, sc Scope) (any, error) {
	c, err := parseIntrinsic(src)
	if err != nil {
		return nil, err
	}
	return c.eval(sc)
}

func (c *callAST) eval(sc Scope) (any, error) {
	args := make([]any, len(c.args))
	for i, a := range c.args {
		switch a.kind {
		case argLiteral:
			args[i] = a.value
		case argPath:
			v, err := resolve(a.path, sc)
			if err != nil {
				return nil, err
			}
			args[i] = v
		case argCall:
			v, err := a.call.eval(sc)
			if err != nil {
				return nil, err
			}
			args[i] = v
		}
	}
	f := intrinsics[c.name]
	if f.min >= 0 && len(args) < f.min || f.max >= 0 && len(args) > f.max {
		return nil, intrinsicErr(c.name, "%s", argCountText(f.min, f.max, len(args)))
	}
	v, err := f.fn(c, args)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func argCountText(lo, hi, got int) string {
	switch {
	case lo == hi:
		return fmt.Sprintf("expected %d arguments but got %d", lo, got)
	case hi < 0:
		return fmt.Sprintf("expected at least %d arguments but got %d", lo, got)
	}
	return fmt.Sprintf("expected %d to %d arguments but got %d", lo, hi, got)
}

func intrinsicErr(name, format string, a ...any) error {
	return &Error{Name: ErrIntrinsicFailure, Cause: "Invalid arguments in " + name + ": " + fmt.Sprintf(format, a...)}
}

// validIntrinsic checks syntax at load time.
func validIntrinsic(src string) error {
	_, err := parseIntrinsic(src)
	return err
}
