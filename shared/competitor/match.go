// Package competitor finds mentions of the org's competitors in free text (deal fields, activity
// notes, handoff notes). Matching is pure: whole words, case-insensitive and umlaut-insensitive,
// so "Müller Soft", "MUELLER soft" and "mueller-soft's offer" all name the alias "Müller Soft".
package competitor

import (
	"strings"
	"unicode"

	"github.com/dealflow/dealflow/shared/domain"
)

// Matcher finds the competitors a text mentions.
type Matcher struct {
	terms []term
}

type term struct {
	id   string
	text string // folded
}

// New builds a matcher over the competitors' names, aliases and domains.
func New(cs []domain.Competitor) *Matcher {
	m := &Matcher{}
	for _, c := range cs {
		for _, s := range append(append([]string{c.Name}, c.Aliases...), c.Domains...) {
			if f := strings.TrimSpace(Fold(s)); f != "" {
				m.terms = append(m.terms, term{id: c.ID, text: f})
			}
		}
	}
	return m
}

// Find returns the ids of the competitors text mentions, in the org file's order, each once.
func (m *Matcher) Find(text string) []string {
	if m == nil || len(m.terms) == 0 || strings.TrimSpace(text) == "" {
		return nil
	}
	f := Fold(text)
	var out []string
	for _, t := range m.terms {
		if len(out) > 0 && out[len(out)-1] == t.id {
			continue // already found through another of its names
		}
		if containsWord(f, t.text) {
			out = append(out, t.id)
		}
	}
	return out
}

// containsWord reports whether w occurs in s with no letter or digit right before or after it.
func containsWord(s, w string) bool {
	for from := 0; from <= len(s)-len(w); {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		if !wordRuneBefore(s, i) && !wordRuneAt(s, end) {
			return true
		}
		from = i + 1
	}
	return false
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func wordRuneBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r := []rune(s[:i])
	return isWord(r[len(r)-1])
}

func wordRuneAt(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	for _, r := range s[i:] {
		return isWord(r)
	}
	return false
}

// fold maps letters onto the spelling people type without them: German umlauts and ß as in
// German (ä = ae, ß = ss), other accents dropped (é = e), so both ways of writing a name match.
var fold = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'æ': "ae", 'ø': "oe", 'œ': "oe",
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'å': "a",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ù': "u", 'ú': "u", 'û': "u", 'ý': "y", 'ÿ': "y",
}

// combining marks of decomposed text (NFD): the diaeresis makes a/o/u an umlaut, the others
// are dropped like precomposed accents.
const combiningDiaeresis = '\u0308'

// Fold lower-cases s and spells out umlauts and accents (ä → ae, é → e), for comparing names.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	var prev rune
	for _, r := range strings.ToLower(s) {
		switch {
		case r == combiningDiaeresis:
			if prev == 'a' || prev == 'o' || prev == 'u' {
				b.WriteByte('e')
			}
		case unicode.Is(unicode.Mn, r):
			// another combining accent: dropped
		default:
			if f, ok := fold[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		}
		prev = r
	}
	return b.String()
}
