package pattern

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxBranches bounds the expansion of $or into branches; EventBridge refuses patterns with "more
// than 1000 rule combinations", and the bound keeps nested $or from growing without limit.
const maxBranches = 1000

// orKeyword introduces an OR of objects. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-complex-example-or
const orKeyword = "$or"

// reservedInOr are the names event-ruler refuses as field names inside a $or branch
// (Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP), so a misplaced operator is reported
// instead of being read as a field.
var reservedInOr = map[string]bool{
	"exactly": true, "equals-ignore-case": true, "prefix": true, "suffix": true,
	"anything-but": true, "exists": true, "wildcard": true, "numeric": true, "cidr": true,
	"=": true, "<": true, "<=": true, ">": true, ">=": true, "regex": true,
	"not-wildcard": true, "not-equals-ignore-case": true, "date-after": true,
	"date-on-or-after": true, "date-before": true, "date-on-or-before": true,
	"in-date-range": true, "ip-address-in-range": true, "ip-address-not-in-range": true,
}

// rule is one branch under construction, keyed by dotted field name. A later field with the same
// name replaces the earlier one, as in event-ruler.
type rule map[string]*field

func copyRules(rs []rule) []rule {
	out := make([]rule, len(rs))
	for i, r := range rs {
		n := make(rule, len(r))
		for k, v := range r {
			n[k] = v
		}
		out[i] = n
	}
	return out
}

// compiler walks the pattern token by token, mirroring event-ruler's JsonRuleCompiler so that
// the same patterns are rejected for the same reasons.
type compiler struct {
	dec  *json.Decoder
	path []string
}

// fail builds the *InvalidPatternError that the recursive descent returns unchanged.
func (c *compiler) fail(format string, args ...any) error {
	return &InvalidPatternError{Reason: fmt.Sprintf(format, args...), Offset: c.dec.InputOffset()}
}

func (c *compiler) next() (json.Token, error) {
	t, err := c.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, c.fail("malformed JSON: unexpected end of input")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, &InvalidPatternError{Reason: "malformed JSON: " + se.Error(), Offset: se.Offset}
		}
		return nil, c.fail("malformed JSON: %v", err)
	}
	return t, nil
}

func (c *compiler) compile() ([]rule, error) {
	t, err := c.next()
	if err != nil {
		return nil, err
	}
	if t != json.Delim('{') {
		return nil, c.fail("Filter is not an object")
	}
	var rules []rule
	if err := c.parseObject(&rules, false); err != nil {
		return nil, err
	}
	if _, err := c.dec.Token(); !errors.Is(err, io.EOF) {
		return nil, c.fail("malformed JSON: unexpected data after the pattern object")
	}
	return rules, nil
}

// parseObject reads the members of an object whose '{' was consumed.
func (c *compiler) parseObject(rules *[]rule, inOr bool) error {
	present := false
	for {
		t, err := c.next()
		if err != nil {
			return err
		}
		if t == json.Delim('}') {
			break
		}
		present = true
		key := t.(string) // inside an object the decoder only yields string keys
		if key == orKeyword {
			if err := c.parseOr(rules); err != nil {
				return err
			}
			continue
		}
		if inOr && reservedInOr[key] {
			return c.fail("%s is Ruler reserved fieldName which cannot be used inside %s.", key, orKeyword)
		}
		t, err = c.next()
		if err != nil {
			return err
		}
		switch t {
		case json.Delim('{'):
			c.path = append(c.path, key)
			err = c.parseObject(rules, inOr)
			c.path = c.path[:len(c.path)-1]
		case json.Delim('['):
			err = c.writeField(rules, key)
		default:
			err = c.fail("%q must be an object or an array", key)
		}
		if err != nil {
			return err
		}
	}
	if !present {
		return c.fail("Empty objects are not allowed")
	}
	return nil
}

// parseOr expands "$or": [ {...}, {...} ] into one branch per element, each carrying the fields
// seen so far; fields that follow are added to every branch.
func (c *compiler) parseOr(rules *[]rule) error {
	current := copyRules(*rules)
	*rules = (*rules)[:0]
	t, err := c.next()
	if err != nil {
		return err
	}
	if t != json.Delim('[') {
		return c.fail("It must be an Array followed with %s.", orKeyword)
	}
	n := 0
	for {
		t, err := c.next()
		if err != nil {
			return err
		}
		if t == json.Delim(']') {
			break
		}
		n++
		if t != json.Delim('{') {
			return c.fail("Only JSON object is allowed in array of %s relationship.", orKeyword)
		}
		branchRules := copyRules(current)
		if len(branchRules) == 0 {
			branchRules = append(branchRules, rule{})
		}
		if err := c.parseObject(&branchRules, true); err != nil {
			return err
		}
		*rules = append(*rules, branchRules...)
		if len(*rules) > maxBranches {
			return c.fail("Event pattern contains more than %d rule combinations", maxBranches)
		}
	}
	if n < 2 {
		return c.fail("There must have at least 2 Objects in %s relationship.", orKeyword)
	}
	return nil
}

// writeField reads a value list whose '[' was consumed and stores it under key in every branch.
func (c *compiler) writeField(rules *[]rule, key string) error {
	f := &field{path: append(append([]string(nil), c.path...), key)}
	f.name = strings.Join(f.path, ".")
	for {
		t, err := c.next()
		if err != nil {
			return err
		}
		if t == json.Delim(']') {
			break
		}
		switch v := t.(type) {
		case json.Delim:
			if v != '{' {
				return c.fail("Match value must be String, number, true, false, or null")
			}
			m, absent, err := c.matchExpression()
			if err != nil {
				return err
			}
			if absent {
				f.absent = true
			} else {
				f.matchers = append(f.matchers, m)
			}
		case string:
			f.matchers = append(f.matchers, exactString(v))
		case json.Number:
			f.matchers = append(f.matchers, exactNumber(string(v)))
		case bool:
			if v {
				f.matchers = append(f.matchers, matcher{op: opTrue})
			} else {
				f.matchers = append(f.matchers, matcher{op: opFalse})
			}
		case nil:
			f.matchers = append(f.matchers, matcher{op: opNull})
		}
	}
	if len(f.matchers) == 0 && !f.absent {
		return c.fail("Empty arrays are not allowed")
	}
	if len(*rules) == 0 {
		*rules = append(*rules, rule{})
	}
	for _, r := range *rules {
		r[f.name] = f
	}
	return nil
}

// matchExpression reads one {"operator": operand} object whose '{' was consumed. absent reports
// {"exists": false}, which is not a value matcher.
func (c *compiler) matchExpression() (m matcher, absent bool, err error) {
	t, err := c.next()
	if err != nil {
		return m, false, err
	}
	op, ok := t.(string)
	if !ok {
		return m, false, c.fail("Match expression name not found")
	}
	switch op {
	case "prefix", "suffix":
		m, err = c.prefixOrSuffix(op)
		return m, false, err
	case "equals-ignore-case":
		s, err := c.stringOperand("equals-ignore-case match pattern must be a string")
		if err != nil {
			return m, false, err
		}
		return matcher{op: opEqualsIgnoreCase, fold: newFold(s)}, false, c.end()
	case "wildcard":
		s, err := c.stringOperand("wildcard match pattern must be a string")
		if err != nil {
			return m, false, err
		}
		w, err := c.wildcard(s)
		if err != nil {
			return m, false, err
		}
		return matcher{op: opWildcard, wild: w}, false, c.end()
	case "numeric":
		m, err = c.numeric()
		return m, false, err
	case "anything-but":
		m, err = c.anythingBut()
		return m, false, err
	case "exists":
		t, err := c.next()
		if err != nil {
			return m, false, err
		}
		b, ok := t.(bool)
		if !ok {
			return m, false, c.fail("exists match pattern must be either true or false.")
		}
		return matcher{op: opExists}, !b, c.end()
	case "cidr":
		s, err := c.stringOperand("cidr match pattern must be a string")
		if err != nil {
			return m, false, err
		}
		lo, hi, err := parseCIDR(s)
		if err != nil {
			return m, false, c.fail("%v", err)
		}
		return matcher{op: opCIDR, lo: lo, hi: hi}, false, c.end()
	default:
		// event-ruler also knows an undocumented "exactly"; AWS documents no such operator, so it
		// is rejected like any other unknown name.
		return m, false, c.fail("Unrecognized match type %s", op)
	}
}

// end consumes the '}' closing a one-key match expression.
func (c *compiler) end() error {
	t, err := c.next()
	if err != nil {
		return err
	}
	if t != json.Delim('}') {
		return c.fail("Only one key allowed in match expression")
	}
	return nil
}

func (c *compiler) stringOperand(reason string) (string, error) {
	t, err := c.next()
	if err != nil {
		return "", err
	}
	s, ok := t.(string)
	if !ok {
		return "", c.fail("%s", reason)
	}
	return s, nil
}

// prefixOrSuffix reads {"prefix": "x"} or {"prefix": {"equals-ignore-case": "x"}} (and suffix).
func (c *compiler) prefixOrSuffix(op string) (matcher, error) {
	t, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	if t == json.Delim('{') {
		t, err := c.next()
		if err != nil {
			return matcher{}, err
		}
		inner, ok := t.(string)
		if !ok {
			return matcher{}, c.fail("%s%s expression name not found", strings.ToUpper(op[:1]), op[1:])
		}
		if inner != "equals-ignore-case" {
			return matcher{}, c.fail("Unsupported %s pattern: %s", op, inner)
		}
		s, err := c.stringOperand("equals-ignore-case match pattern must be a string")
		if err != nil {
			return matcher{}, err
		}
		if err := c.end(); err != nil {
			return matcher{}, err
		}
		m := matcher{op: opPrefixIgnoreCase, fold: newFold(s)}
		if op == "suffix" {
			m.op = opSuffixIgnoreCase
		}
		return m, c.end()
	}
	s, ok := t.(string)
	if !ok {
		return matcher{}, c.fail("%s match pattern must be a string", op)
	}
	m := matcher{op: opPrefix, str: s}
	if op == "suffix" {
		m.op = opSuffix
	}
	return m, c.end()
}

// numeric reads {"numeric": [op, n] | [">"|">=", n, "<"|"<=", m]}.
func (c *compiler) numeric() (matcher, error) {
	t, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	if t != json.Delim('[') {
		return matcher{}, c.fail("Value of numeric must be an array.")
	}
	t, err = c.next()
	if err != nil {
		return matcher{}, err
	}
	op, ok := t.(string)
	if !ok {
		return matcher{}, c.fail("Invalid member in numeric match: %s", tokenText(t))
	}
	var r numRange
	switch op {
	case "=", ">=", ">", "<=", "<":
	default:
		return matcher{}, c.fail("Unrecognized numeric range operator: %s", op)
	}
	v, err := c.numberOperand(op)
	if err != nil {
		return matcher{}, err
	}
	t, err = c.next()
	if err != nil {
		return matcher{}, err
	}
	switch op {
	case "=":
		r = numRange{lo: v, hi: v}
	case "<", "<=":
		r = numRange{lo: negInf, hi: v, hiOpen: op == "<"}
	case ">", ">=":
		r = numRange{lo: v, loOpen: op == ">", hi: posInf}
		if t != json.Delim(']') {
			// a lower bound may be followed by an upper bound
			top, ok := t.(string)
			if !ok {
				return matcher{}, c.fail("Bad value in numeric range: %s", tokenText(t))
			}
			if top != "<" && top != "<=" {
				return matcher{}, c.fail("Bad numeric range operator: %s", top)
			}
			hv, err := c.numberOperand(top)
			if err != nil {
				return matcher{}, err
			}
			if t, err = c.next(); err != nil {
				return matcher{}, err
			}
			if t != json.Delim(']') {
				return matcher{}, c.fail("Too many terms in numeric range expression")
			}
			if !(v < hv) {
				return matcher{}, c.fail("Bottom must be less than top")
			}
			r.hi, r.hiOpen = hv, top == "<"
		}
	}
	if t != json.Delim(']') {
		return matcher{}, c.fail("Too many elements in numeric expression")
	}
	return matcher{op: opNumeric, rng: r}, c.endNumeric()
}

func (c *compiler) numberOperand(op string) (float64, error) {
	t, err := c.next()
	if err != nil {
		return 0, err
	}
	n, ok := t.(json.Number)
	if !ok {
		if op == "=" {
			return 0, c.fail("Value of equals must be numeric")
		}
		return 0, c.fail("Value of %s must be numeric", op)
	}
	f, ok := parseNumber(string(n))
	if !ok {
		return 0, c.fail("Cannot compare number : %s", n)
	}
	return f, nil
}

// anythingBut reads {"anything-but": v | [v...] | {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s | [s...]}}.
func (c *compiler) anythingBut() (matcher, error) {
	t, err := c.next()
	if err != nil {
		return matcher{}, err
	}
	kind := ""
	if t == json.Delim('{') {
		t, err := c.next()
		if err != nil {
			return matcher{}, err
		}
		inner, ok := t.(string)
		if !ok {
			return matcher{}, c.fail("Anything-But expression name not found")
		}
		switch inner {
		case "prefix", "suffix", "equals-ignore-case", "wildcard":
			kind = inner
		default:
			return matcher{}, c.fail("Unsupported anything-but pattern: %s", inner)
		}
		if t, err = c.next(); err != nil {
			return matcher{}, err
		}
		m, err := c.anythingButOf(kind, t)
		if err != nil {
			return matcher{}, err
		}
		if err := c.endNumeric(); err != nil {
			return matcher{}, err
		}
		return m, c.endNumeric()
	}
	m, err := c.anythingButOf("", t)
	if err != nil {
		return matcher{}, err
	}
	return m, c.endNumeric()
}

// endNumeric consumes the '}' closing a numeric or anything-but expression; event-ruler reports
// an extra key there with this wording.
func (c *compiler) endNumeric() error {
	t, err := c.next()
	if err != nil {
		return err
	}
	if t != json.Delim('}') {
		return c.fail("Too many elements in numeric expression")
	}
	return nil
}

// anythingButOf reads the operand t (already consumed) of anything-but or of its kind.
func (c *compiler) anythingButOf(kind string, t json.Token) (matcher, error) {
	var strs []string
	var nums []float64
	collect := func(t json.Token) error {
		switch v := t.(type) {
		case string:
			if kind == "" && nums != nil {
				return c.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
			}
			if (kind == "prefix" || kind == "suffix") && v == "" {
				return c.fail("Null prefix/suffix not allowed")
			}
			strs = append(strs, v)
		case json.Number:
			if kind != "" {
				return c.fail("%s", anythingButTypeReason(kind))
			}
			if strs != nil {
				return c.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
			}
			f, ok := parseNumber(string(v))
			if !ok {
				return c.fail("Cannot compare number : %s", v)
			}
			nums = append(nums, f)
		default:
			if kind != "" {
				return c.fail("%s", anythingButTypeReason(kind))
			}
			return c.fail("Inside anything but list, start|null|boolean is not supported.")
		}
		return nil
	}
	switch t.(type) {
	case string, json.Number:
		if err := collect(t); err != nil {
			return matcher{}, err
		}
	default:
		if t != json.Delim('[') {
			return matcher{}, c.fail("Value of anything-but must be an array or single string/number value.")
		}
		for {
			t, err := c.next()
			if err != nil {
				return matcher{}, err
			}
			if t == json.Delim(']') {
				break
			}
			if err := collect(t); err != nil {
				return matcher{}, err
			}
		}
		if strs == nil && nums == nil {
			if kind != "" {
				// event-ruler accepts an empty list here and then excludes nothing, turning the
				// rule into "match every value"; refusing it is the safer reading.
				return matcher{}, c.fail("Empty arrays are not allowed")
			}
			return matcher{}, c.fail("Inside anything but list, either all values are number or string, mixed type is not supported")
		}
	}
	switch kind {
	case "prefix":
		return matcher{op: opAnythingButPrefix, strs: strs}, nil
	case "suffix":
		return matcher{op: opAnythingButSuffix, strs: strs}, nil
	case "equals-ignore-case":
		m := matcher{op: opAnythingButIgnoreCase}
		for _, s := range strs {
			m.folds = append(m.folds, newFold(s))
		}
		return m, nil
	case "wildcard":
		m := matcher{op: opAnythingButWildcard}
		for _, s := range strs {
			w, err := c.wildcard(s)
			if err != nil {
				return matcher{}, err
			}
			m.wilds = append(m.wilds, w)
		}
		return m, nil
	}
	if nums != nil {
		return matcher{op: opAnythingButNumber, nums: nums}, nil
	}
	return matcher{op: opAnythingBut, strs: strs}, nil
}

func anythingButTypeReason(kind string) string {
	switch kind {
	case "equals-ignore-case":
		return "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."
	case "wildcard":
		return "wildcard match pattern must be a string"
	}
	return "prefix/suffix match pattern must be a string"
}

func (c *compiler) wildcard(s string) (*wildcard, error) {
	w, pos, reason := parseWildcard(s)
	if reason != "" {
		// event-ruler reports positions in the quoted value, one past ours.
		return nil, c.fail("%s at pos %d", reason, pos+1)
	}
	return w, nil
}

func tokenText(t json.Token) string {
	switch v := t.(type) {
	case json.Delim:
		return string(v)
	case string:
		return v
	case json.Number:
		return string(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(t)
}
