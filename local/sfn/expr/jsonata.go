package expr

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	jsonata "github.com/blues/jsonata-go"
	"github.com/blues/jsonata-go/jparse"
	"github.com/blues/jsonata-go/jtypes"
	"github.com/google/uuid"
)

// JSONata support uses github.com/blues/jsonata-go (JSONata 1.5 semantics) plus the functions
// Step Functions adds ($partition, $range, $hash, $random, $uuid, $parse), as described in
// "Transforming data with JSONata in Step Functions"
// (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html).
// README.md lists what the library cannot do.

func isJSONataString(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

func jsonataBody(s string) string { return strings.TrimSpace(s[2 : len(s)-2]) }

// compiled caches parsed expressions. An *Expr must not be evaluated concurrently once
// variables are registered on it, so evaluation works on a copy (see evalExpr).
var compiled boundedCache // string -> *jsonata.Expr

func compileJSONata(src string) (*jsonata.Expr, error) {
	if e, ok := compiled.load(src); ok {
		return e.(*jsonata.Expr), nil
	}
	node, err := parseSafely(src)
	if err != nil {
		return nil, err
	}
	if hasRecursion(node) {
		return nil, errors.New(errRecursion)
	}
	e, err := compileSafely(src)
	if err != nil {
		return nil, err
	}
	compiled.store(src, e)
	return e, nil
}

// parseSafely parses an expression for inspection, turning a parser panic into an error.
func parseSafely(src string) (n jparse.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("S0201: Syntax error: %v", r)
		}
	}()
	return jparse.Parse(src)
}

// compileSafely turns a parser panic into an error.
func compileSafely(src string) (e *jsonata.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("S0201: Syntax error: %v", r)
		}
	}()
	return jsonata.Compile(src)
}

func evalJSONataTemplate(field string, t any, sc JSONataScope) (any, error) {
	return walkJSONata(field, t, sc, true)
}

func walkJSONata(loc string, t any, sc JSONataScope, top bool) (any, error) {
	switch x := t.(type) {
	case string:
		if !isJSONataString(x) {
			return x, nil
		}
		return evalExpr(loc, jsonataBody(x), sc)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			val, err := walkJSONata(loc+"/"+k, v, sc, false)
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			val, err := walkJSONata(fmt.Sprintf("%s[%d]", loc, i), v, sc, false)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return t, nil
}

func evalJSONataAs(field string, t any, sc JSONataScope, want string) (any, error) {
	v, err := evalJSONataTemplate(field, t, sc)
	if err != nil {
		return nil, err
	}
	if got := typeName(v); got != want {
		src := MarshalString(t)
		if s, ok := t.(string); ok && isJSONataString(s) {
			src = jsonataBody(s)
		}
		return nil, &Error{Name: ErrQueryEvaluation, Location: field, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' returned an unexpected result type. Expected '%s', but was '%s' for value: %s",
			src, field, want, got, MarshalString(v))}
	}
	return v, nil
}

func validJSONataTemplate(field string, t any) error {
	switch x := t.(type) {
	case string:
		if isJSONataString(x) {
			if _, err := compileJSONata(jsonataBody(x)); err != nil {
				return &TemplateError{Field: field, Reason: fmt.Sprintf("the JSONata expression '%s' is not valid: %s", jsonataBody(x), jsonataErrorText(err))}
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			if err := validJSONataTemplate(field+"/"+k, x[k]); err != nil {
				return err
			}
		}
	case []any:
		for i, v := range x {
			if err := validJSONataTemplate(fmt.Sprintf("%s[%d]", field, i), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// isSimplePath reports whether an expression only navigates object fields from a variable,
// such as "$states.input.items" or "$order.id" (ASCII identifiers, no spaces).
func isSimplePath(src string) bool {
	if len(src) < 2 || src[0] != '$' {
		return false
	}
	start := true // at the first byte of an identifier
	for i := 1; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '.':
			if start {
				return false
			}
			start = true
		case c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			start = false
		case c >= '0' && c <= '9':
			if start {
				return false
			}
		default:
			return false
		}
	}
	return !start
}

// evalSimplePath evaluates a simplePath directly on the documents. It keeps values the library
// would lose: JSON null, empty arrays (the library treats a path to [] as undefined, AWS
// returns []) and the exact text of numbers. ok is false when the library must decide
// (the path walks through an array, where JSONata maps over the elements).
func evalSimplePath(src string, sc JSONataScope) (v any, found, ok bool) {
	parts := strings.Split(src[1:], ".")
	var cur any
	if parts[0] == "states" {
		if sc.States == nil {
			return nil, false, true
		}
		cur = sc.States
	} else {
		if sc.Vars == nil {
			return nil, false, true
		}
		var exists bool
		cur, exists = sc.Vars(parts[0])
		if !exists {
			return nil, false, true
		}
	}
	for _, p := range parts[1:] {
		switch m := cur.(type) {
		case map[string]any:
			next, exists := m[p]
			if !exists {
				return nil, false, true
			}
			cur = next
		case []any:
			return nil, false, false
		default:
			return nil, false, true
		}
	}
	return cur, true, true
}

// evalExpr evaluates one expression body; loc names the field for error causes.
func evalExpr(loc, src string, sc JSONataScope) (any, error) {
	if isSimplePath(src) {
		if v, found, ok := evalSimplePath(src, sc); ok {
			if !found {
				return nil, &Error{Name: ErrQueryEvaluation, Location: loc, Cause: fmt.Sprintf(
					"The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", src, loc)}
			}
			return v, nil
		}
	}
	cached, err := compileJSONata(src)
	if err != nil {
		return nil, &Error{Name: ErrQueryEvaluation, Location: loc, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s", src, loc, jsonataErrorText(err))}
	}
	e := *cached // a private copy: RegisterVars below must not touch the cache
	vars := map[string]any{}
	names := referencedVars(src)
	if sc.States != nil && slices.Contains(names, "states") {
		vars["states"] = statesForJSONata(src, sc.States)
	}
	if sc.Vars != nil {
		for _, name := range names {
			if name == "states" {
				continue
			}
			if v, ok := sc.Vars(name); ok {
				vars[name] = toJSONata(v)
			}
		}
	}
	if exts := awsExtensions(sc, names); len(exts) > 0 {
		if err := e.RegisterExts(exts); err != nil {
			return nil, fmt.Errorf("register JSONata functions: %w", err)
		}
	}
	if err := e.RegisterVars(vars); err != nil {
		return nil, fmt.Errorf("bind JSONata variables: %w", err)
	}
	v, err := evalSafely(&e)
	if errors.Is(err, jsonata.ErrUndefined) {
		return nil, &Error{Name: ErrQueryEvaluation, Location: loc, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", src, loc)}
	}
	if err != nil {
		return nil, &Error{Name: ErrQueryEvaluation, Location: loc, Cause: fmt.Sprintf(
			"The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %s", src, loc, jsonataErrorText(err))}
	}
	return fromJSONata(v)
}

// evalSafely turns a panic inside the library into an error so that one bad expression
// cannot take down the engine.
func evalSafely(e *jsonata.Expr) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("D3000: internal JSONata error: %v", r)
		}
	}()
	return e.Eval(nil)
}

// statesForJSONata converts only the parts of $states the expression names
// ("$states.input", "$states.context", ...); large contexts and inputs are not copied for
// expressions that do not read them.
func statesForJSONata(src string, states map[string]any) map[string]any {
	out := make(map[string]any, len(states))
	rest := src
	for {
		i := strings.Index(rest, "$states")
		if i < 0 {
			return out
		}
		rest = rest[i+len("$states"):]
		if !strings.HasPrefix(rest, ".") {
			// $states used as a whole (or with a computed key): convert everything.
			for k, v := range states {
				out[k] = toJSONata(v)
			}
			return out
		}
		j := 1
		for j < len(rest) && isIdentByte(rest[j]) {
			j++
		}
		key := rest[1:j]
		if v, ok := states[key]; ok {
			if _, done := out[key]; !done {
				out[key] = toJSONata(v)
			}
		}
	}
}

// referencedVars lists the $names an expression mentions, so only those variables are
// converted and bound.
func referencedVars(src string) []string {
	var out []string
	seen := map[string]bool{}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\'', '"':
			q := src[i]
			for i++; i < len(src) && src[i] != q; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case '$':
			j := i + 1
			for j < len(src) && (isIdentByte(src[j]) || src[j] >= 0x80) {
				j++
			}
			if name := src[i+1 : j]; validLibraryName(name) && !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
			i = j - 1
		}
	}
	return out
}

// validLibraryName mirrors the library's rule for bindable names (letters, digits, '_').
func validLibraryName(name string) bool {
	if name == "" || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// jsonataErrorText renders a library error with the JSONata error code AWS shows
// (e.g. "T1006: Attempted to invoke a non-function").
func jsonataErrorText(err error) string {
	var ee *jsonata.EvalError
	if errors.As(err, &ee) {
		switch ee.Type {
		case jsonata.ErrNonCallable, jsonata.ErrNonCallableApply, jsonata.ErrNonCallablePartial:
			return "T1006: Attempted to invoke a non-function"
		case jsonata.ErrNonNumberLHS:
			return fmt.Sprintf("T2001: The left side of the %s operator must evaluate to a number", ee.Value)
		case jsonata.ErrNonNumberRHS:
			return fmt.Sprintf("T2002: The right side of the %s operator must evaluate to a number", ee.Value)
		case jsonata.ErrNonIntegerLHS:
			return "T2003: The left side of the range operator (..) must evaluate to an integer"
		case jsonata.ErrNonIntegerRHS:
			return "T2004: The right side of the range operator (..) must evaluate to an integer"
		case jsonata.ErrTypeMismatch:
			return fmt.Sprintf("T2009: The values either side of operator %s must be of the same data type", ee.Value)
		case jsonata.ErrNonComparableLHS, jsonata.ErrNonComparableRHS:
			return fmt.Sprintf("T2010: The expressions either side of operator %s must evaluate to numeric or string values", ee.Value)
		case jsonata.ErrNumberInf, jsonata.ErrNumberNaN:
			return "D1001: Number out of range"
		case jsonata.ErrMaxRangeItems:
			return "D2014: The size of the sequence allocated by the range operator (..) must not exceed 1e7"
		case jsonata.ErrDuplicateKey:
			return fmt.Sprintf("D1009: Multiple key definitions evaluate to same key: %s", ee.Value)
		case jsonata.ErrIllegalKey:
			return fmt.Sprintf("T1003: Key in object structure must evaluate to a string; got: %s", ee.Value)
		}
		return ee.Error()
	}
	var ae *jsonata.ArgTypeError
	if errors.As(err, &ae) {
		return fmt.Sprintf("T0410: Argument %d of function %s does not match function signature", ae.Which, ae.Func)
	}
	var ce *jsonata.ArgCountError
	if errors.As(err, &ce) {
		return fmt.Sprintf("T0410: Argument count of function %s does not match function signature", ce.Func)
	}
	var pe *jparse.Error
	if errors.As(err, &pe) {
		return "S0201: Syntax error: " + pe.Error()
	}
	return err.Error()
}

// jsonataNull is how the library represents JSON null (a nil value would read as undefined).
var jsonataNull *any

// toJSONata converts a document to the library's representation (float64 numbers, typed nil
// for null).
func toJSONata(v any) any {
	switch x := v.(type) {
	case nil:
		return jsonataNull
	case json.Number:
		f, _ := numberFloat(x)
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toJSONata(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toJSONata(e)
		}
		return out
	}
	return v
}

// fromJSONata converts a library result back to a document. Whole numbers print as integers,
// as AWS's JSONata does.
func fromJSONata(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool, json.Number:
		return v, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, &Error{Name: ErrQueryEvaluation, Cause: "D1001: Number out of range"}
		}
		return floatNumber(x, false), nil
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromJSONata(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	// Functions and other library values have no JSON form; reflect over the rest.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			c, err := fromJSONata(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case reflect.Map:
		out := map[string]any{}
		for _, k := range rv.MapKeys() {
			c, err := fromJSONata(rv.MapIndex(k).Interface())
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k.Interface())] = c
		}
		return out, nil
	case reflect.Float32, reflect.Float64:
		return fromJSONata(rv.Float())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(rv.Int(), 10)), nil
	case reflect.Ptr:
		if rv.IsNil() {
			return nil, nil
		}
		return fromJSONata(rv.Elem().Interface())
	case reflect.Func, reflect.Struct:
		// A function value serialises as "" in JSONata's JSON output.
		return "", nil
	}
	return nil, fmt.Errorf("JSONata returned an unsupported value of type %T", v)
}

// awsExtensions returns the functions Step Functions adds to JSONata that the expression
// mentions (registering costs reflection work, so unused ones are skipped).
func awsExtensions(sc JSONataScope, names []string) map[string]jsonata.Extension {
	now := time.Now
	if sc.Now != nil {
		now = sc.Now
	}
	out := map[string]jsonata.Extension{}
	for _, n := range names {
		if ext, ok := extensionsFor(now)[n]; ok {
			out[n] = ext
		}
	}
	return out
}

func extensionsFor(now func() time.Time) map[string]jsonata.Extension {
	return map[string]jsonata.Extension{
		"partition": {Func: jPartition},
		"range":     {Func: jRange},
		"hash":      {Func: jHash},
		"random":    {Func: jRandom},
		"uuid":      {Func: func() string { return uuid.NewString() }},
		"parse":     {Func: jParse},
		// $now and $millis read the engine's clock so tests and replays are deterministic.
		"millis": {Func: func() int64 { return now().UnixMilli() }},
		"now":    {Func: func(picture, tz jtypes.OptionalString) (string, error) { return formatNow(now(), picture, tz) }},
	}
}

func jPartition(arr []any, size float64) ([]any, error) {
	if size <= 0 || size != math.Trunc(size) {
		return nil, fmt.Errorf("$partition: the chunk size must be a positive integer, but was %v", size)
	}
	n := int(size)
	out := []any{}
	for i := 0; i < len(arr); i += n {
		out = append(out, append([]any{}, arr[i:min(len(arr), i+n)]...))
	}
	return out, nil
}

// jRange returns a JSONata sequence: a single element is returned on its own, as AWS's
// $range(1, 9, 9) yields 1.
func jRange(start, end, step float64) (any, error) {
	if step == 0 {
		return nil, fmt.Errorf("$range: the step must not be zero")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) == 1000 {
			return nil, fmt.Errorf("$range: the range would have more than 1000 elements")
		}
		out = append(out, v)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

func jHash(data any, alg jtypes.OptionalString) (string, error) {
	s, ok := data.(string)
	if !ok {
		b, err := json.Marshal(data)
		if err != nil {
			return "", err
		}
		s = string(b)
	}
	a := "SHA-256"
	if alg.IsSet() {
		a = alg.String
	}
	h := newHash(a)
	if h == nil {
		return "", fmt.Errorf("$hash: unsupported hash algorithm %q; use one of %s", a, hashAlgorithms)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jRandom(seed jtypes.OptionalFloat64) float64 {
	if seed.IsSet() {
		return rand.New(rand.NewPCG(uint64(int64(seed.Float64)), 0)).Float64()
	}
	return rand.Float64()
}

func jParse(s string) (any, error) {
	v, err := decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("$parse: the string is not valid JSON: %s", s)
	}
	return toJSONata(v), nil
}

func formatNow(t time.Time, picture, tz jtypes.OptionalString) (string, error) {
	if picture.IsSet() || tz.IsSet() {
		// The library formats pictures; reuse it through its $fromMillis.
		e, err := jsonata.Compile("$fromMillis($m, $p, $z)")
		if err != nil {
			return "", err
		}
		vars := map[string]any{"m": float64(t.UnixMilli())}
		if picture.IsSet() {
			vars["p"] = picture.String
		}
		if tz.IsSet() {
			vars["z"] = tz.String
		}
		if err := e.RegisterVars(vars); err != nil {
			return "", err
		}
		v, err := e.Eval(nil)
		if err != nil {
			return "", err
		}
		s, _ := v.(string)
		return s, nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
}
