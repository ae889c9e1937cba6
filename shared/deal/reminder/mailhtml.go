package reminder

import (
	"strings"

	"github.com/dealflow/dealflow/shared/notify/mailhtml"
)

// remindersMailHTML is the HTML part of the follow-up reminders email (reminderMessage).
func remindersMailHTML(greeting, intro, escalation string, lines []reminderLine, snooze, footer string) string {
	var b strings.Builder
	b.WriteString(mailhtml.Head)
	b.WriteString(`<tr><td style="padding:20px 24px;font-size:16px">` + mailhtml.Esc(greeting) + `<br>` + mailhtml.Esc(intro))
	if escalation != "" {
		b.WriteString(`<br><br><b>` + mailhtml.Esc(escalation) + `</b>`)
	}
	b.WriteString("</td></tr>\n")
	for _, l := range lines {
		b.WriteString(`<tr><td style="padding:8px 24px;font-size:14px;border-top:1px solid #eef0f2"><b>` + mailhtml.Esc(l.Title) + `</b> · ` + mailhtml.Esc(l.Detail) + `<br>` + mailhtml.Esc(l.Reason) + "\n")
		if l.Escalated != "" {
			b.WriteString(`<br><span style="color:#b42318">` + mailhtml.Esc(l.Escalated) + `</span>`)
		}
		b.WriteString("\n" + `<br><span style="color:#52606d">` + mailhtml.Esc(snooze) + `:</span>`)
		for _, s := range l.Snoozes {
			b.WriteString(` <a href="` + mailhtml.EscURL(s.URL) + `">` + mailhtml.Esc(s.Label) + `</a>`)
		}
		b.WriteString("</td></tr>\n")
	}
	b.WriteString(`<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">` + mailhtml.Esc(footer) + `</td></tr>`)
	b.WriteString(mailhtml.Foot)
	return b.String()
}

// html is the page a snooze link shows.
func (p snoozePage) html() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="` + mailhtml.Esc(p.Lang) + `"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>` + mailhtml.Esc(p.Title) + `</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:480px;margin:40px auto;padding:0 16px">
<h1 style="font-size:20px">` + mailhtml.Esc(p.Title) + `</h1><p>` + mailhtml.Esc(p.Text) + "</p>\n")
	if p.Action != "" {
		b.WriteString(`<form method="post" action="` + mailhtml.EscURL(p.Action) + `"><button type="submit" style="padding:8px 20px;font-size:16px">` + mailhtml.Esc(p.Button) + `</button></form>`)
	}
	b.WriteString("\n</body></html>")
	return b.String()
}
