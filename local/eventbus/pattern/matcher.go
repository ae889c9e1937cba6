package pattern

import (
	"encoding/json"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// opKind says which test a matcher applies to one event value.
type opKind uint8

const (
	opString                opKind = iota // exact string
	opIP                                  // exact string that is an IP address: equal addresses match
	opNumber                              // exact number: same text or same value
	opTrue                                // JSON true
	opFalse                               // JSON false
	opNull                                // JSON null
	opPrefix                              // string starting with str
	opSuffix                              // string ending with str
	opEqualsIgnoreCase                    // string equal to fold, ignoring case
	opPrefixIgnoreCase                    // string starting with fold, ignoring case
	opSuffixIgnoreCase                    // string ending with fold, ignoring case
	opWildcard                            // string matching wild
	opNumeric                             // number inside rng
	opCIDR                                // string that is an IP address inside [lo, hi]
	opExists                              // any value, null included
	opAnythingBut                         // anything except the strings strs
	opAnythingButNumber                   // anything except the numbers nums
	opAnythingButPrefix                   // anything except strings starting with one of strs
	opAnythingButSuffix                   // anything except strings ending with one of strs
	opAnythingButIgnoreCase               // anything except strings equal to one of folds, ignoring case
	opAnythingButWildcard                 // anything except strings matching one of wilds
)

// matcher is one alternative in a field's value list.
type matcher struct {
	op    opKind
	str   string
	num   float64
	numOK bool // num holds the value of str (opNumber)
	fold  fold
	wild  *wildcard
	rng   numRange
	lo    netip.Addr
	hi    netip.Addr
	strs  []string
	nums  []float64
	folds []fold
	wilds []*wildcard
}

var (
	negInf = math.Inf(-1)
	posInf = math.Inf(1)
)

// numRange is an interval of numbers; open ends exclude the bound.
type numRange struct {
	lo, hi         float64
	loOpen, hiOpen bool
}

func (r numRange) contains(f float64) bool {
	if f < r.lo || (r.loOpen && f == r.lo) {
		return false
	}
	if f > r.hi || (r.hiOpen && f == r.hi) {
		return false
	}
	return true
}

// parseNumber reads a JSON number as a double. Values that overflow a double are refused, so
// they are neither compared nor matched numerically.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func exactString(s string) matcher {
	// event-ruler turns a string that is an IP address into an address match, so
	// "10.0.0.1" also matches the same address written as an IPv6-mapped or zero-compressed form.
	if a, ok := parseIP(s); ok {
		return matcher{op: opIP, str: s, lo: a}
	}
	return matcher{op: opString, str: s}
}

func exactNumber(text string) matcher {
	f, ok := parseNumber(text)
	return matcher{op: opNumber, str: text, num: f, numOK: ok}
}

// numberValue returns the JSON text (if known) and the double of an event number.
func numberValue(v any) (text string, f float64, ok bool, isNum bool) {
	switch n := v.(type) {
	case json.Number:
		f, ok := parseNumber(string(n))
		return string(n), f, ok, true
	case float64:
		return "", n, !math.IsInf(n, 0) && !math.IsNaN(n), true
	case float32:
		return "", float64(n), true, true
	case int:
		return "", float64(n), true, true
	case int64:
		return "", float64(n), true, true
	case int32:
		return "", float64(n), true, true
	case uint64:
		return "", float64(n), true, true
	case uint32:
		return "", float64(n), true, true
	case uint:
		return "", float64(n), true, true
	}
	return "", 0, false, false
}

// match tells whether the event leaf value v satisfies m. v is a string, a number (json.Number,
// float64 or an integer type), a bool or nil; objects and arrays never reach a matcher.
func (m *matcher) match(v any) bool {
	switch m.op {
	case opString:
		s, ok := v.(string)
		return ok && s == m.str
	case opIP:
		s, ok := v.(string)
		if !ok {
			return false
		}
		if s == m.str {
			return true
		}
		a, ok := parseIP(s)
		return ok && a == m.lo
	case opNumber:
		text, f, ok, isNum := numberValue(v)
		if !isNum {
			return false
		}
		return (text != "" && text == m.str) || (ok && m.numOK && f == m.num)
	case opTrue:
		b, ok := v.(bool)
		return ok && b
	case opFalse:
		b, ok := v.(bool)
		return ok && !b
	case opNull:
		return v == nil
	case opPrefix:
		s, ok := v.(string)
		return ok && strings.HasPrefix(s, m.str)
	case opSuffix:
		s, ok := v.(string)
		return ok && strings.HasSuffix(s, m.str)
	case opEqualsIgnoreCase:
		s, ok := v.(string)
		return ok && m.fold.equal(s)
	case opPrefixIgnoreCase:
		s, ok := v.(string)
		return ok && m.fold.prefixOf(s)
	case opSuffixIgnoreCase:
		s, ok := v.(string)
		return ok && m.fold.suffixOf(s)
	case opWildcard:
		s, ok := v.(string)
		return ok && m.wild.match(s)
	case opNumeric:
		// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-numeric-matching
		// numeric matching applies to JSON numbers only; "5" is a string.
		_, f, ok, _ := numberValue(v)
		return ok && m.rng.contains(f)
	case opCIDR:
		s, ok := v.(string)
		if !ok {
			return false
		}
		a, ok := parseIP(s)
		return ok && a.Is4() == m.lo.Is4() && a.Compare(m.lo) >= 0 && a.Compare(m.hi) <= 0
	case opExists:
		return true
	case opAnythingBut:
		s, ok := v.(string)
		if !ok {
			return true
		}
		for _, x := range m.strs {
			if s == x {
				return false
			}
		}
		return true
	case opAnythingButNumber:
		_, f, ok, _ := numberValue(v)
		if !ok {
			return true
		}
		for _, x := range m.nums {
			if f == x {
				return false
			}
		}
		return true
	case opAnythingButPrefix:
		s, ok := v.(string)
		if !ok {
			return true
		}
		for _, x := range m.strs {
			if strings.HasPrefix(s, x) {
				return false
			}
		}
		return true
	case opAnythingButSuffix:
		s, ok := v.(string)
		if !ok {
			return true
		}
		for _, x := range m.strs {
			if strings.HasSuffix(s, x) {
				return false
			}
		}
		return true
	case opAnythingButIgnoreCase:
		s, ok := v.(string)
		if !ok {
			return true
		}
		for i := range m.folds {
			if m.folds[i].equal(s) {
				return false
			}
		}
		return true
	case opAnythingButWildcard:
		s, ok := v.(string)
		if !ok {
			return true
		}
		for _, w := range m.wilds {
			if w.match(s) {
				return false
			}
		}
		return true
	}
	return false
}

// fold is a string prepared for case-insensitive comparison. Like event-ruler, each pattern
// character matches its own lower-case or upper-case form (Java's per-character toLowerCase and
// toUpperCase), so "ß" matches "ß" and "SS", while "SS" does not match "ß".
type fold struct {
	lower, upper []rune      // per pattern character, when every form is a single character
	forms        [][2]string // per pattern character, when some form is longer (rare)
}

// specialUpper and specialLower are the unconditional one-to-many mappings of Unicode's
// SpecialCasing.txt that Java applies and unicode.ToUpper/ToLower (simple mappings) do not.
var specialUpper = map[rune]string{
	'ß': "SS", 'ŉ': "ʼN", 'ǰ': "J̌", 'ΐ': "Ϊ́", 'ΰ': "Ϋ́", 'և': "ԵՒ",
	'ẖ': "H̱", 'ẗ': "T̈", 'ẘ': "W̊", 'ẙ': "Y̊", 'ẚ': "Aʾ",
	'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
}

var specialLower = map[rune]string{'İ': "i̇"}

func newFold(s string) fold {
	var f fold
	for _, r := range s {
		lo, up := string(unicode.ToLower(r)), string(unicode.ToUpper(r))
		if x, ok := specialLower[r]; ok {
			lo = x
		}
		if x, ok := specialUpper[r]; ok {
			up = x
		}
		f.forms = append(f.forms, [2]string{lo, up})
	}
	for _, p := range f.forms {
		if utf8.RuneCountInString(p[0]) != 1 || utf8.RuneCountInString(p[1]) != 1 {
			return f
		}
	}
	for _, p := range f.forms {
		lo, _ := utf8.DecodeRuneInString(p[0])
		up, _ := utf8.DecodeRuneInString(p[1])
		f.lower = append(f.lower, lo)
		f.upper = append(f.upper, up)
	}
	f.forms = nil
	return f
}

// prefixLen reports whether s starts with f and how many bytes of s that takes.
func (f *fold) prefixLen(s string) (int, bool) {
	if f.forms != nil {
		ends := f.reach(s, false)
		if len(ends) == 0 {
			return 0, false
		}
		return ends[len(ends)-1], true
	}
	n := 0
	for i := range f.lower {
		if n >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if r != f.lower[i] && r != f.upper[i] {
			return 0, false
		}
		n += size
	}
	return n, true
}

func (f *fold) prefixOf(s string) bool {
	_, ok := f.prefixLen(s)
	return ok
}

func (f *fold) equal(s string) bool {
	if f.forms != nil {
		for _, e := range f.reach(s, false) {
			if e == len(s) {
				return true
			}
		}
		return false
	}
	n, ok := f.prefixLen(s)
	return ok && n == len(s)
}

func (f *fold) suffixOf(s string) bool {
	if f.forms != nil {
		return len(f.reach(s, true)) > 0
	}
	n := len(s)
	for i := len(f.lower) - 1; i >= 0; i-- {
		if n <= 0 {
			return false
		}
		r, size := utf8.DecodeLastRuneInString(s[:n])
		if r != f.lower[i] && r != f.upper[i] {
			return false
		}
		n -= size
	}
	return true
}

// reach returns the byte offsets of s that the pattern characters can consume up to, walking
// forwards from the start or backwards from the end. Forms of different lengths can lead to
// several offsets, so all are carried (sorted, without duplicates).
func (f *fold) reach(s string, backwards bool) []int {
	cur := []int{0}
	if backwards {
		cur[0] = len(s)
	}
	for k := range f.forms {
		i := k
		if backwards {
			i = len(f.forms) - 1 - k
		}
		var next []int
		for _, off := range cur {
			for _, form := range f.forms[i] {
				switch {
				case !backwards && strings.HasPrefix(s[off:], form):
					next = appendUnique(next, off+len(form))
				case backwards && strings.HasSuffix(s[:off], form):
					next = appendUnique(next, off-len(form))
				}
			}
		}
		if len(next) == 0 {
			return nil
		}
		cur = next
	}
	sort.Ints(cur)
	return cur
}

func appendUnique(xs []int, x int) []int {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}
