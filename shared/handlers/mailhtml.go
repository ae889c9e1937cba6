package handlers

import (
	"fmt"
	"strings"
)

// The emails and link pages below are written with strings.Builder and the escaping rules of
// html/template (text, attribute, URL and CSS contexts), not with html/template itself:
// template execution calls reflect's MethodByName, which makes the linker keep every exported
// method of every type in the binary — every operation of every SDK client, ~5 MB per Lambda
// bootstrap (infra/README.md "One bootstrap per function"). mailhtml_test.go renders each one
// with the html/template it replaces and requires the same bytes.

// escHTML escapes s for HTML text, RCDATA (title, textarea) and quoted attribute values, exactly
// as html/template does (htmlReplacementTable: NUL, ", &, ', +, <, >).
func escHTML(s string) string {
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

// escURL is html/template's treatment of a whole URL attribute value (href, action): a scheme
// other than http, https or mailto becomes "#ZgotmplZ", bytes outside the URL character set are
// percent-encoded, then the result is attribute-escaped.
func escURL(s string) string {
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
	return escHTML(b.String())
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escCSSValue is html/template's treatment of a value inside a style attribute: anything that
// could leave the value (quotes, parentheses, semicolons, comments, backslashes, ...) becomes
// "ZgotmplZ".
func escCSSValue(s string) string {
	lower := strings.ToLower(s)
	if strings.ContainsAny(s, "\x00\"'()/;@[\\]`{}<>") || strings.Contains(s, "--") ||
		strings.Contains(lower, "expression") || strings.Contains(lower, "mozbinding") {
		return "ZgotmplZ"
	}
	return escHTML(s)
}

const mailHead = `<!DOCTYPE html>
<html><body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #d9dee3">
`

const mailFoot = `
</table></td></tr></table></body></html>`

// leadMailHTML is the HTML part of the new-lead email (leadMessage).
func leadMailHTML(greeting, intro string, fields [][2]string, whyScore string, scoreLines []string, whyOwner, routing, footer string) string {
	var b strings.Builder
	b.WriteString(mailHead)
	b.WriteString(`<tr><td style="padding:20px 24px;font-size:16px">` + escHTML(greeting) + `<br>` + escHTML(intro) + `</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
`)
	for _, f := range fields {
		b.WriteString(`<tr><td style="color:#52606d;padding-right:16px">` + escHTML(f[0]) + `</td><td>` + escHTML(f[1]) + `</td></tr>`)
	}
	b.WriteString("\n</table></td></tr>\n")
	if len(scoreLines) > 0 {
		b.WriteString(`<tr><td style="padding:16px 24px 0;font-size:14px"><b>` + escHTML(whyScore) + `</b><ul style="margin:4px 0;padding-left:20px">`)
		for _, l := range scoreLines {
			b.WriteString(`<li>` + escHTML(l) + `</li>`)
		}
		b.WriteString(`</ul></td></tr>`)
	}
	b.WriteString("\n" + `<tr><td style="padding:16px 24px;font-size:14px"><b>` + escHTML(whyOwner) + `</b><br>` + escHTML(routing) + `</td></tr>
<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">` + escHTML(footer) + `</td></tr>`)
	b.WriteString(mailFoot)
	return b.String()
}

// html is the HTML part of a handoff email.
func (m handoffMailData) html() string {
	var b strings.Builder
	b.WriteString(mailHead)
	b.WriteString(`<tr><td style="padding:20px 24px;font-size:16px">` + escHTML(m.Greeting) + `<br>` + escHTML(m.Intro) + "</td></tr>\n")
	for _, s := range m.Sections {
		b.WriteString(`<tr><td style="padding:8px 24px 0;font-size:14px;font-weight:bold">` + escHTML(s.Title) + `</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
`)
		for _, r := range s.Rows {
			b.WriteString(`<tr><td style="color:#52606d;padding-right:16px;vertical-align:top">` + escHTML(r[0]) + `</td><td style="white-space:pre-wrap">` + escHTML(r[1]) + `</td></tr>`)
		}
		b.WriteString("\n</table></td></tr>")
	}
	b.WriteString("\n")
	if len(m.Buttons) > 0 {
		b.WriteString(`<tr><td style="padding:16px 24px">`)
		for _, btn := range m.Buttons {
			b.WriteString(`<a href="` + escURL(btn.URL) + `" style="display:inline-block;margin-right:12px;padding:10px 20px;background:` + escCSSValue(btn.Color) + `;color:#ffffff;text-decoration:none;border-radius:4px">` + escHTML(btn.Label) + `</a>`)
		}
		b.WriteString(`</td></tr>`)
	}
	b.WriteString("\n")
	for _, o := range m.Outro {
		b.WriteString(`<tr><td style="padding:4px 24px;font-size:14px">` + escHTML(o) + `</td></tr>`)
	}
	b.WriteString("\n" + `<tr><td style="padding:16px 24px;font-size:12px;color:#7b8794">` + escHTML(m.Footer) + `</td></tr>`)
	b.WriteString(mailFoot)
	return b.String()
}

// remindersMailHTML is the HTML part of the follow-up reminders email (reminderMessage).
func remindersMailHTML(greeting, intro, escalation string, lines []reminderLine, snooze, footer string) string {
	var b strings.Builder
	b.WriteString(mailHead)
	b.WriteString(`<tr><td style="padding:20px 24px;font-size:16px">` + escHTML(greeting) + `<br>` + escHTML(intro))
	if escalation != "" {
		b.WriteString(`<br><br><b>` + escHTML(escalation) + `</b>`)
	}
	b.WriteString("</td></tr>\n")
	for _, l := range lines {
		b.WriteString(`<tr><td style="padding:8px 24px;font-size:14px;border-top:1px solid #eef0f2"><b>` + escHTML(l.Title) + `</b> · ` + escHTML(l.Detail) + `<br>` + escHTML(l.Reason) + "\n")
		if l.Escalated != "" {
			b.WriteString(`<br><span style="color:#b42318">` + escHTML(l.Escalated) + `</span>`)
		}
		b.WriteString("\n" + `<br><span style="color:#52606d">` + escHTML(snooze) + `:</span>`)
		for _, s := range l.Snoozes {
			b.WriteString(` <a href="` + escURL(s.URL) + `">` + escHTML(s.Label) + `</a>`)
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString(`<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">` + escHTML(footer) + `</td></tr>`)
	b.WriteString(mailFoot)
	return b.String()
}

// html is the page an Accept or Decline link shows.
func (p handoffPage) html() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + escHTML(p.Lang) + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + escHTML(p.Title) + `</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:520px;margin:40px auto;padding:0 16px">
<h1 style="font-size:20px">` + escHTML(p.Title) + `</h1><p>` + escHTML(p.Text) + "</p>\n")
	if p.Problem != "" {
		b.WriteString(`<p style="color:#9b2c2c">` + escHTML(p.Problem) + `</p>`)
	}
	b.WriteString("\n")
	if p.Action != "" {
		b.WriteString(`<form method="post" action="` + escURL(p.Action) + "\">\n")
		if p.ReasonLabel != "" {
			b.WriteString(`<p><label for="reason">` + escHTML(p.ReasonLabel) + `</label><br><textarea id="reason" name="reason" rows="4" cols="50" maxlength="2000" required>` + escHTML(p.Reason) + `</textarea></p>`)
		}
		b.WriteString("\n" + `<button type="submit" style="padding:8px 20px;font-size:16px">` + escHTML(p.Button) + `</button></form>`)
	}
	b.WriteString("\n</body></html>")
	return b.String()
}

// html is the page a snooze link shows.
func (p snoozePage) html() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + escHTML(p.Lang) + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + escHTML(p.Title) + `</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:480px;margin:40px auto;padding:0 16px">
<h1 style="font-size:20px">` + escHTML(p.Title) + `</h1><p>` + escHTML(p.Text) + "</p>\n")
	if p.Action != "" {
		b.WriteString(`<form method="post" action="` + escURL(p.Action) + `"><button type="submit" style="padding:8px 20px;font-size:16px">` + escHTML(p.Button) + `</button></form>`)
	}
	b.WriteString("\n</body></html>")
	return b.String()
}
