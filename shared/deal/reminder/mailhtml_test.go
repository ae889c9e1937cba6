package reminder

import (
	"html/template"
	"testing"

	mt "github.com/dealflow/dealflow/shared/notify/mailhtml/mailhtmltest"
)

// The html/template templates the hand-written renderers replace, verbatim: the renderers must
// produce the same bytes for any input, hostile ones included.

var oldRemindersHTML = template.Must(template.New("reminders").Parse(`<!DOCTYPE html>
<html><body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #d9dee3">
<tr><td style="padding:20px 24px;font-size:16px">{{.Greeting}}<br>{{.Intro}}{{if .Escalation}}<br><br><b>{{.Escalation}}</b>{{end}}</td></tr>
{{range .Lines}}<tr><td style="padding:8px 24px;font-size:14px;border-top:1px solid #eef0f2"><b>{{.Title}}</b> · {{.Detail}}<br>{{.Reason}}
{{if .Escalated}}<br><span style="color:#b42318">{{.Escalated}}</span>{{end}}
<br><span style="color:#52606d">{{$.Snooze}}:</span>{{range .Snoozes}} <a href="{{.URL}}">{{.Label}}</a>{{end}}</td></tr>
{{end}}<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">{{.Footer}}</td></tr>
</table></td></tr></table></body></html>`))

var oldSnoozeHTML = template.Must(template.New("snooze").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Title}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:480px;margin:40px auto;padding:0 16px">
<h1 style="font-size:20px">{{.Title}}</h1><p>{{.Text}}</p>
{{if .Action}}<form method="post" action="{{.Action}}"><button type="submit" style="padding:8px 20px;font-size:16px">{{.Button}}</button></form>{{end}}
</body></html>`))

func TestMailHTMLMatchesHTMLTemplate(t *testing.T) {
	for i := range 3 * len(mt.Hostile) {
		v := func(k int) string { return mt.Pick(i + k) }
		var rl []reminderLine
		for k := range i % 3 {
			l := reminderLine{Title: v(k), Detail: v(k + 1), Reason: v(k + 2), Escalated: v(k + 3)}
			for s := range k + i%2 {
				l.Snoozes = append(l.Snoozes, snoozeLink{Label: v(s), URL: v(s + 5)})
			}
			rl = append(rl, l)
		}
		mt.Same(t, "reminders email", remindersMailHTML(v(0), v(1), v(2), rl, v(3), v(4)),
			mt.Exec(t, oldRemindersHTML, map[string]any{"Greeting": v(0), "Intro": v(1), "Escalation": v(2), "Lines": rl, "Snooze": v(3), "Footer": v(4)}))

		sp := snoozePage{Lang: v(0), Title: v(1), Text: v(2), Action: v(3), Button: v(4)}
		mt.Same(t, "snooze page", sp.html(), mt.Exec(t, oldSnoozeHTML, sp))
	}
}
