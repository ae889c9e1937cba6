package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanLine makes s safe to show on one line of an email subject, a Slack message or a console
// cell: invalid UTF-8 dropped, line breaks, tabs and other control characters turned into single
// spaces, bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and other
// invisible format characters removed (they can make "exe.pdf" read as "fdp.exe"), trimmed.
func CleanLine(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		case unicode.Is(unicode.Cf, r): // format characters: bidi controls, zero-width joiners, BOM
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}
