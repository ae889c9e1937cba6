package pattern

import "strings"

// wildcard is a parsed wildcard operand: the literal text between its '*' characters. A value
// matches when it is parts joined by any (possibly empty) strings.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html#eb-filtering-wildcard-matching
type wildcard struct {
	parts []string // len(parts)-1 stars; a single part means no star at all
}

// parseWildcard splits s at its unescaped '*'. "\*" is a literal star and "\\" a literal
// backslash; any other backslash, and two stars in a row, are errors reported with the byte
// position in s, as event-ruler's WildcardParser does.
func parseWildcard(s string) (w *wildcard, pos int, reason string) {
	w = &wildcard{}
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '*':
			if i+1 < len(s) && s[i+1] == '*' {
				return nil, i, "Consecutive wildcard characters"
			}
			w.parts = append(w.parts, cur.String())
			cur.Reset()
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '\\') {
				cur.WriteByte(s[i+1])
				i++
				continue
			}
			return nil, i, "Invalid escape character"
		default:
			cur.WriteByte(c)
		}
	}
	w.parts = append(w.parts, cur.String())
	return w, 0, ""
}

// match reports whether s matches. The first part anchors at the start, the last at the end, and
// the ones between are found leftmost-first, which is enough for '*'-only patterns and never
// backtracks.
func (w *wildcard) match(s string) bool {
	n := len(w.parts)
	if n == 1 {
		return s == w.parts[0]
	}
	first, last := w.parts[0], w.parts[n-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, p := range w.parts[1 : n-1] {
		i := strings.Index(mid, p)
		if i < 0 {
			return false
		}
		mid = mid[i+len(p):]
	}
	return true
}
