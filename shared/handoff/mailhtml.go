package handoff

import (
	"strings"

	"github.com/dealflow/dealflow/shared/notify/mailhtml"
)

// html is the HTML part of a handoff email.
func (m handoffMailData) html() string {
	var b strings.Builder
	b.WriteString(mailhtml.Head)
	b.WriteString(`<tr><td style="padding:20px 24px;font-size:16px">` + mailhtml.Esc(m.Greeting) + `<br>` + mailhtml.Esc(m.Intro) + "</td></tr>\n")
	for _, s := range m.Sections {
		b.WriteString(`<tr><td style="padding:8px 24px 0;font-size:14px;font-weight:bold">` + mailhtml.Esc(s.Title) + `</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
`)
		for _, r := range s.Rows {
			b.WriteString(`<tr><td style="color:#52606d;padding-right:16px;vertical-align:top">` + mailhtml.Esc(r[0]) + `</td><td style="white-space:pre-wrap">` + mailhtml.Esc(r[1]) + `</td></tr>`)
		}
		b.WriteString("\n</table></td></tr>")
	}
	b.WriteString("\n")
	if len(m.Buttons) > 0 {
		b.WriteString(`<tr><td style="padding:16px 24px">`)
		for _, btn := range m.Buttons {
			b.WriteString(`<a href="` + mailhtml.EscURL(btn.URL) + `" style="display:inline-block;margin-right:12px;padding:10px 20px;background:` + mailhtml.EscCSS(btn.Color) + `;color:#ffffff;text-decoration:none;border-radius:4px">` + mailhtml.Esc(btn.Label) + `</a>`)
		}
		b.WriteString(`</td></tr>`)
	}
	b.WriteString("\n")
	for _, o := range m.Outro {
		b.WriteString(`<tr><td style="padding:4px 24px;font-size:14px">` + mailhtml.Esc(o) + `</td></tr>`)
	}
	b.WriteString("\n" + `<tr><td style="padding:16px 24px;font-size:12px;color:#7b8794">` + mailhtml.Esc(m.Footer) + `</td></tr>`)
	b.WriteString(mailhtml.Foot)
	return b.String()
}

// html is the page an Accept or Decline link shows.
func (p handoffPage) html() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + mailhtml.Esc(p.Lang) + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + mailhtml.Esc(p.Title) + `</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:520px;margin:40px auto;padding:0 16px">
<h1 style="font-size:20px">` + mailhtml.Esc(p.Title) + `</h1><p>` + mailhtml.Esc(p.Text) + "</p>\n")
	if p.Problem != "" {
		b.WriteString(`<p style="color:#9b2c2c">` + mailhtml.Esc(p.Problem) + `</p>`)
	}
	b.WriteString("\n")
	if p.Action != "" {
		b.WriteString(`<form method="post" action="` + mailhtml.EscURL(p.Action) + "\">\n")
		if p.ReasonLabel != "" {
			b.WriteString(`<p><label for="reason">` + mailhtml.Esc(p.ReasonLabel) + `</label><br><textarea id="reason" name="reason" rows="4" cols="50" maxlength="2000" required>` + mailhtml.Esc(p.Reason) + `</textarea></p>`)
		}
		b.WriteString("\n" + `<button type="submit" style="padding:8px 20px;font-size:16px">` + mailhtml.Esc(p.Button) + `</button></form>`)
	}
	b.WriteString("\n</body></html>")
	return b.String()
}
