package expr

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Each function follows its entry in the AWS developer guide, "Intrinsic functions for
// JSONPath states" (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html).

type intrinsicFunc struct {
	min, max int // argument count bounds; -1 means unbounded
	fn       func(c *callAST, args []any) (any, error)
}

var intrinsics map[string]intrinsicFunc

func init() {
	intrinsics = map[string]intrinsicFunc{
		"States.Format":         {1, -1, fnFormat},
		"States.StringToJson":   {1, 1, fnStringToJSON},
		"States.JsonToString":   {1, 1, fnJSONToString},
		"States.Array":          {0, -1, fnArray},
		"States.ArrayPartition": {2, 2, fnArrayPartition},
		"States.ArrayContains":  {2, 2, fnArrayContains},
		"States.ArrayRange":     {3, 3, fnArrayRange},
		"States.ArrayGetItem":   {2, 2, fnArrayGetItem},
		"States.ArrayLength":    {1, 1, fnArrayLength},
		"States.ArrayUnique":    {1, 1, fnArrayUnique},
		"States.Base64Encode":   {1, 1, fnBase64Encode},
		"States.Base64Decode":   {1, 1, fnBase64Decode},
		"States.Hash":           {2, 2, fnHash},
		"States.JsonMerge":      {3, 3, fnJSONMerge},
		"States.MathRandom":     {2, 3, fnMathRandom},
		"States.MathAdd":        {2, 2, fnMathAdd},
		"States.StringSplit":    {2, 2, fnStringSplit},
		"States.UUID":           {0, 0, fnUUID},
	}
}

// maxIntrinsicString is the 10,000-character limit on Base64 and Hash inputs.
const maxIntrinsicString = 10000

func fnFormat(c *callAST, args []any) (any, error) {
	tmpl, ok := args[0].(string)
	if !ok {
		return nil, intrinsicErr(c.name, "the format string must be a string, but was %s", typeName(args[0]))
	}
	raw := tmpl
	if c.args[0].kind == argLiteral {
		raw = c.args[0].raw
	}
	var b strings.Builder
	next := 1
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		if ch == '\\' && i+1 < len(raw) && c.args[0].kind == argLiteral {
			b.WriteByte(raw[i+1])
			i++
			continue
		}
		if ch == '{' && i+1 < len(raw) && raw[i+1] == '}' {
			if next >= len(args) {
				return nil, intrinsicErr(c.name, "the format string has more placeholders than the %d arguments given", len(args)-1)
			}
			b.WriteString(formatValue(args[next]))
			next++
			i++
			continue
		}
		b.WriteByte(ch)
	}
	if next != len(args) {
		return nil, intrinsicErr(c.name, "the format string has %d placeholders but %d arguments were given", next-1, len(args)-1)
	}
	return b.String(), nil
}

// formatValue renders a value the way AWS's Java runtime prints it in States.Format: strings
// bare, objects as {k=v, ...}, arrays as [a, b], other values as JSON.
func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, k+"="+formatValue(x[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return MarshalString(v)
}

func fnStringToJSON(c *callAST, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, intrinsicErr(c.name, "expected a string but got %s", typeName(args[0]))
	}
	// AWS returns null for an empty or blank string (recorded in LocalStack's AWS snapshots
	// for test_string_to_json).
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := decode([]byte(s))
	if err != nil {
		return nil, intrinsicErr(c.name, "the string is not valid JSON: %s", s)
	}
	return javaNumbers(v), nil
}

func fnJSONToString(_ *callAST, args []any) (any, error) {
	return MarshalString(args[0]), nil
}

func fnArray(_ *callAST, args []any) (any, error) {
	return append([]any{}, args...), nil
}

func argArray(c *callAST, v any, which string) ([]any, error) {
	a, ok := v.([]any)
	if !ok {
		return nil, intrinsicErr(c.name, "the %s argument must be an array, but was %s", which, typeName(v))
	}
	return a, nil
}

// argInt accepts a JSON number with an integer value (AWS rejects fractions here).
func argInt(c *callAST, v any, which string) (int64, error) {
	n, ok := v.(json.Number)
	if ok {
		if i, err := n.Int64(); err == nil {
			return i, nil
		}
		if f, ok := numberFloat(n); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
	}
	return 0, intrinsicErr(c.name, "the %s argument must be an integer, but was %s", which, MarshalString(v))
}

func fnArrayPartition(c *callAST, args []any) (any, error) {
	a, err := argArray(c, args[0], "first")
	if err != nil {
		return nil, err
	}
	size, err := argInt(c, args[1], "second")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, intrinsicErr(c.name, "the chunk size must be a positive integer, but was %d", size)
	}
	out := []any{}
	for i := 0; i < len(a); i += int(size) {
		end := min(len(a), i+int(size))
		out = append(out, append([]any{}, a[i:end]...))
	}
	return out, nil
}

func fnArrayContains(c *callAST, args []any) (any, error) {
	a, err := argArray(c, args[0], "first")
	if err != nil {
		return nil, err
	}
	for _, e := range a {
		if jsonEqual(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(c *callAST, args []any) (any, error) {
	var n [3]int64
	for i, w := range []string{"first", "second", "third"} {
		v, err := argInt(c, args[i], w)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, intrinsicErr(c.name, "the step must not be zero")
	}
	out := []any{}
	for v := start; (step > 0 && v <= end) || (step < 0 && v >= end); v += step {
		if len(out) == 1000 {
			return nil, intrinsicErr(c.name, "the range would have more than 1000 elements")
		}
		out = append(out, json.Number(strconv.FormatInt(v, 10)))
	}
	return out, nil
}

func fnArrayGetItem(c *callAST, args []any) (any, error) {
	a, err := argArray(c, args[0], "first")
	if err != nil {
		return nil, err
	}
	idx, err := argInt(c, args[1], "second")
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= int64(len(a)) {
		return nil, intrinsicErr(c.name, "index %d is out of bounds for an array of length %d", idx, len(a))
	}
	return a[idx], nil
}

func fnArrayLength(c *callAST, args []any) (any, error) {
	a, err := argArray(c, args[0], "first")
	if err != nil {
		return nil, err
	}
	return json.Number(strconv.Itoa(len(a))), nil
}

func fnArrayUnique(c *callAST, args []any) (any, error) {
	a, err := argArray(c, args[0], "first")
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, e := range a {
		dup := false
		for _, f := range out {
			if jsonEqual(e, f) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out, nil
}

func argString(c *callAST, v any, which string, limit int) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", intrinsicErr(c.name, "the %s argument must be a string, but was %s", which, typeName(v))
	}
	if limit > 0 && utf8.RuneCountInString(s) > limit {
		return "", intrinsicErr(c.name, "the %s argument is longer than %d characters", which, limit)
	}
	return s, nil
}

func fnBase64Encode(c *callAST, args []any) (any, error) {
	s, err := argString(c, args[0], "first", maxIntrinsicString)
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(c *callAST, args []any) (any, error) {
	s, err := argString(c, args[0], "first", maxIntrinsicString)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, intrinsicErr(c.name, "the argument is not valid Base64: %s", s)
	}
	return string(b), nil
}

func fnHash(c *callAST, args []any) (any, error) {
	if args[0] == nil {
		return nil, intrinsicErr(c.name, "the data to hash must not be null")
	}
	data, ok := args[0].(string)
	if !ok {
		data = MarshalString(args[0])
	}
	if utf8.RuneCountInString(data) > maxIntrinsicString {
		return nil, intrinsicErr(c.name, "the data to hash is longer than %d characters", maxIntrinsicString)
	}
	alg, err := argString(c, args[1], "second", 0)
	if err != nil {
		return nil, err
	}
	h := newHash(alg)
	if h == nil {
		return nil, intrinsicErr(c.name, "unsupported hash algorithm %q; use one of %s", alg, hashAlgorithms)
	}
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnJSONMerge(c *callAST, args []any) (any, error) {
	a, ok := args[0].(map[string]any)
	if !ok {
		return nil, intrinsicErr(c.name, "the first argument must be a JSON object, but was %s", typeName(args[0]))
	}
	b, ok := args[1].(map[string]any)
	if !ok {
		return nil, intrinsicErr(c.name, "the second argument must be a JSON object, but was %s", typeName(args[1]))
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, intrinsicErr(c.name, "the third argument must be a boolean, but was %s", typeName(args[2]))
	}
	if deep {
		// The guide: "Step Functions only supports the shallow merging mode; you must specify
		// the boolean value as false."
		return nil, intrinsicErr(c.name, "deep merge is not supported; the third argument must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

// roundJava is Java's Math.round: halves round towards positive infinity.
func roundJava(f float64) float64 { return math.Floor(f + 0.5) }

// argRoundedInt accepts any number and rounds it, as MathAdd and MathRandom do.
func argRoundedInt(c *callAST, v any, which string) (int64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, intrinsicErr(c.name, "the %s argument must be a number, but was %s", which, MarshalString(v))
	}
	if i, err := n.Int64(); err == nil {
		return i, nil
	}
	f, ok := numberFloat(n)
	if !ok {
		return 0, intrinsicErr(c.name, "the %s argument must be a number, but was %s", which, n)
	}
	return int64(roundJava(f)), nil
}

func fnMathAdd(c *callAST, args []any) (any, error) {
	var sum int64
	for i, w := range []string{"first", "second"} {
		v, err := argRoundedInt(c, args[i], w)
		if err != nil {
			return nil, err
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, intrinsicErr(c.name, "the %s argument %d is outside the range -2147483648 to 2147483647", w, v)
		}
		sum += v
	}
	return json.Number(strconv.FormatInt(sum, 10)), nil
}

func fnMathRandom(c *callAST, args []any) (any, error) {
	start, err := argRoundedInt(c, args[0], "first")
	if err != nil {
		return nil, err
	}
	end, err := argRoundedInt(c, args[1], "second")
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, intrinsicErr(c.name, "the end number %d must be greater than the start number %d", end, start)
	}
	r := rand.Int64N
	if len(args) == 3 {
		seed, err := argRoundedInt(c, args[2], "third")
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).Int64N
	}
	return json.Number(strconv.FormatInt(start+r(end-start), 10)), nil
}

func fnStringSplit(c *callAST, args []any) (any, error) {
	s, err := argString(c, args[0], "first", 0)
	if err != nil {
		return nil, err
	}
	delims, err := argString(c, args[1], "second", 0)
	if err != nil {
		return nil, err
	}
	// Every character of the second argument is a delimiter, and empty pieces are dropped
	// (AWS splits "a.b+c" on ".+" into three).
	parts := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) })
	out := make([]any, len(parts))
	for i, p := range parts {
		out[i] = p
	}
	return out, nil
}

func fnUUID(_ *callAST, _ []any) (any, error) {
	return uuid.NewString(), nil
}

// hashAlgorithms are the algorithms States.Hash and $hash accept.
// https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
const hashAlgorithms = "MD5, SHA-1, SHA-256, SHA-384, SHA-512"

// newHash returns the hash for an algorithm name, or nil for an unsupported one.
func newHash(alg string) hash.Hash {
	switch alg {
	case "MD5":
		return md5.New()
	case "SHA-1":
		return sha1.New()
	case "SHA-256":
		return sha256.New()
	case "SHA-384":
		return sha512.New384()
	case "SHA-512":
		return sha512.New()
	}
	return nil
}
