package sfn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// execChoice evaluates the rules in order and transitions to the first match, else Default
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html).
func (sc *stateCtx) execChoice() stateResult {
	st := sc.st
	if sc.jsonata() {
		scope := sc.statesVar(sc.rawInput, nil, false, nil)
		for i, r := range st.Choices {
			field := fmt.Sprintf("Choices[%d].Condition", i)
			v, f := sc.jsonataEval(field, r.Condition, scope)
			if f != nil {
				return stateResult{fail: f}
			}
			b, ok := v.(bool)
			if !ok {
				return stateResult{fail: sc.failEval(field, fmt.Sprintf("The JSONata expression '%s' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '%s' for value: %s",
					jsonataBody(r.Condition), jsonTypeName(v), encodeJSON(v)))}
			}
			if b {
				return sc.choiceOut(r.Next, r.Assign, r.HasAssign, r.Output, r.HasOutput, scope)
			}
		}
		if st.Default != "" {
			return sc.choiceOut(st.Default, st.Assign, st.HasAssign, st.Output, st.HasOutput, scope)
		}
		return stateResult{fail: newFailure(ErrNoChoiceMatched, fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). No Choice Rules matched and no Default was specified.", st.Name, sc.enteredID))}
	}
	in, f := sc.inputPath(sc.rawInput)
	if f != nil {
		return stateResult{fail: f}
	}
	for _, r := range st.Choices {
		ok, f := sc.evalRule(r, in)
		if f != nil {
			return stateResult{fail: f}
		}
		if ok {
			return sc.choiceOutPath(r.Next, r.Assign, r.HasAssign, in)
		}
	}
	if st.Default != "" {
		return sc.choiceOutPath(st.Default, st.Assign, st.HasAssign, in)
	}
	return stateResult{fail: newFailure(ErrNoChoiceMatched, fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). No Choice Rules matched and no Default was specified.", st.Name, sc.enteredID))}
}

func (sc *stateCtx) choiceOut(next string, assign any, hasAssign bool, output any, hasOutput bool, scope expr.JSONataScope) stateResult {
	if f := sc.prepareAssign(assign, hasAssign, nil, scope); f != nil {
		return stateResult{fail: f}
	}
	out := sc.rawInput
	if hasOutput {
		var f *failure
		if out, f = sc.jsonataEval("Output", output, scope); f != nil {
			return stateResult{fail: f}
		}
	}
	sc.exit(out)
	return stateResult{output: out, next: next}
}

func (sc *stateCtx) choiceOutPath(next string, assign any, hasAssign bool, in any) stateResult {
	if f := sc.prepareAssign(assign, hasAssign, in, expr.JSONataScope{}); f != nil {
		return stateResult{fail: f}
	}
	out, f := sc.outputPath(in)
	if f != nil {
		return stateResult{fail: f}
	}
	sc.exit(out)
	return stateResult{output: out, next: next}
}

func jsonataBody(v any) string {
	s, _ := v.(string)
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "{%")
	s = strings.TrimSuffix(s, "%}")
	return strings.TrimSpace(s)
}

// evalRule evaluates a JSONPath Choice rule against the state input.
func (sc *stateCtx) evalRule(r *ChoiceRule, in any) (bool, *failure) {
	switch r.Operator {
	case "And":
		for _, c := range r.And {
			ok, f := sc.evalRule(c, in)
			if f != nil || !ok {
				return false, f
			}
		}
		return true, nil
	case "Or":
		for _, c := range r.Or {
			ok, f := sc.evalRule(c, in)
			if f != nil || ok {
				return ok, f
			}
		}
		return false, nil
	case "Not":
		ok, f := sc.evalRule(r.Not, in)
		return !ok, f
	}
	scope := sc.scope(in)
	v, err := expr.Resolve(r.Variable, scope)
	present := err == nil
	if err != nil {
		var nf *expr.NotFoundError
		if !errors.As(err, &nf) {
			return false, fromExpr(sc.st, sc.enteredID, err, "Variable")
		}
	}
	if r.Operator == "IsPresent" {
		want, _ := r.Operand.(bool)
		return present == want, nil
	}
	if !present {
		return false, sc.fail(ErrRuntime, fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", r.Variable))
	}
	op := r.Operator
	operand := r.Operand
	if strings.HasSuffix(op, "Path") {
		p, _ := operand.(string)
		ov, err := expr.Resolve(p, scope)
		if err != nil {
			var nf *expr.NotFoundError
			if errors.As(err, &nf) {
				return false, sc.fail(ErrRuntime, fmt.Sprintf("Invalid path '%s': The choice state's condition path references an invalid value.", p))
			}
			return false, fromExpr(sc.st, sc.enteredID, err, op)
		}
		operand = ov
		op = strings.TrimSuffix(op, "Path")
	}
	return compare(op, v, operand), nil
}

// compare applies one comparison operator; mismatched types compare false, as in AWS.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		want, _ := operand.(bool)
		return (v == nil) == want
	case "IsNumeric":
		want, _ := operand.(bool)
		_, isNum := asFloat(v)
		return isNum == want
	case "IsString":
		want, _ := operand.(bool)
		_, isStr := v.(string)
		return isStr == want
	case "IsBoolean":
		want, _ := operand.(bool)
		_, isBool := v.(bool)
		return isBool == want
	case "IsTimestamp":
		want, _ := operand.(bool)
		s, isStr := v.(string)
		_, err := parseTimestamp(s)
		return (isStr && err == nil) == want
	case "StringMatches":
		s, ok1 := v.(string)
		pat, ok2 := operand.(string)
		return ok1 && ok2 && stringMatches(s, pat)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	}
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(op[len("String"):], strings.Compare(a, b))
	case strings.HasPrefix(op, "Numeric"):
		// Fast path: both integral.
		if an, ok := v.(json.Number); ok {
			if bn, ok := operand.(json.Number); ok {
				ai, err1 := strconv.ParseInt(string(an), 10, 64)
				bi, err2 := strconv.ParseInt(string(bn), 10, 64)
				if err1 == nil && err2 == nil {
					return ordered(op[len("Numeric"):], cmpInt(ai, bi))
				}
			}
		}
		a, ok1 := numberRat(v)
		b, ok2 := numberRat(operand)
		if !ok1 || !ok2 {
			return false
		}
		return ordered(op[len("Numeric"):], a.Cmp(b))
	case strings.HasPrefix(op, "Timestamp"):
		as, ok1 := v.(string)
		bs, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		a, err1 := parseTimestamp(as)
		b, err2 := parseTimestamp(bs)
		if err1 != nil || err2 != nil {
			return false
		}
		return ordered(op[len("Timestamp"):], a.Compare(b))
	}
	return false
}

func ordered(rel string, c int) bool {
	switch rel {
	case "Equals":
		return c == 0
	case "LessThan":
		return c < 0
	case "GreaterThan":
		return c > 0
	case "LessThanEquals":
		return c <= 0
	case "GreaterThanEquals":
		return c >= 0
	}
	return false
}

// numberRat reads a JSON number exactly, so 1 and 1.0 compare equal and large integers stay exact.
func numberRat(v any) (*big.Rat, bool) {
	switch t := v.(type) {
	case string, bool, nil, map[string]any, []any:
		return nil, false
	default:
		_ = t
	}
	s := fmt.Sprint(v)
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// stringMatches implements StringMatches: '*' matches any run of characters, '\*' a literal star.
func stringMatches(s, pat string) bool {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\' && i+1 < len(pat) && (pat[i+1] == '*' || pat[i+1] == '\\'):
			b.WriteString(regexp.QuoteMeta(string(pat[i+1])))
			i++
		case c == '*':
			b.WriteString("(?s:.*)")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	return err == nil && re.MatchString(s)
}

// parseTimestamp accepts the RFC 3339 profile of ISO 8601 that Step Functions requires
// (upper-case T and Z or a numeric offset).
func parseTimestamp(s string) (time.Time, error) {
	if !timestampRE.MatchString(s) {
		return time.Time{}, fmt.Errorf("not an ISO-8601 extended offset date-time: %q", s)
	}
	return time.Parse(time.RFC3339Nano, s)
}

var timestampRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
