// Package mailhtml holds the escaping every hand-written HTML email and link page uses, and the
// frame of an email's HTML part. The renderers are written with strings.Builder and the escaping
// rules of html/template (text, attribute, URL and CSS contexts); each renderer's test renders it
// with the html/template it replaces and requires the same bytes (mailhtmltest).
package mailhtml

import (
	"fmt"
	"strings"
)

// Esc escapes s for HTML text, RCDATA (title, textarea) and quoted attribute values, exactly
// as html/template does (htmlReplacementTable: NUL, ", &, ', +, <, >).
func Esc(s string) string {
	if !strings.ContainsAny(s, "\x00\"&'+<>") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 0:
			b.WriteString("\uFFFD")
		case '"':
			b.WriteString("&#34;")
		case '&':
			b.WriteString("&amp;")
		case '\'':
			b.WriteString("&#39;")
		case '+':
			b.WriteString("&#43;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// EscURL is html/template's treatment of a whole URL attribute value (href, action): a scheme
// other than http, https or mailto becomes "#ZgotmplZ", bytes outside the URL character set are
// percent-encoded, then the result is attribute-escaped.
func EscURL(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return "#ZgotmplZ"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]): // a valid escape stays (html/template's bound, too)
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return Esc(b.String())
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// EscCSS is html/template's treatment of a value inside a style attribute: anything that
// could leave the value (quotes, parentheses, semicolons, comments, backslashes, ...) becomes
// "ZgotmplZ".
func EscCSS(s string) string {
	lower := strings.ToLower(s)
	if strings.ContainsAny(s, "\x00\"'()/;@[\\]`{}<>") || strings.Contains(s, "--") ||
		strings.Contains(lower, "expression") || strings.Contains(lower, "mozbinding") {
		return "ZgotmplZ"
	}
	return Esc(s)
}

// Head opens an email's HTML part: a 600 px table layout that renders in Gmail and Outlook.
const Head = `<!DOCTYPE html>
<html><body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #d9dee3">
`

// Foot closes what Head opened.
const Foot = `
</table></td></tr></table></body></html>`
