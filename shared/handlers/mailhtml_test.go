package handlers

import (
	"html/template"
	"strings"
	"testing"
)

// The html/template templates the hand-written renderers in mailhtml.go replace, verbatim: the
// renderers must produce the same bytes for any input, hostile ones included.

var oldLeadHTML = template.Must(template.New("lead").Parse(`<!DOCTYPE html>
<html><body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #d9dee3">
<tr><td style="padding:20px 24px;font-size:16px">{{.Greeting}}<br>{{.Intro}}</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
{{range .Fields}}<tr><td style="color:#52606d;padding-right:16px">{{index . 0}}</td><td>{{index . 1}}</td></tr>{{end}}
</table></td></tr>
{{if .ScoreLines}}<tr><td style="padding:16px 24px 0;font-size:14px"><b>{{.WhyScore}}</b><ul style="margin:4px 0;padding-left:20px">{{range .ScoreLines}}<li>{{.}}</li>{{end}}</ul></td></tr>{{end}}
<tr><td style="padding:16px 24px;font-size:14px"><b>{{.WhyOwner}}</b><br>{{.Routing}}</td></tr>
<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">{{.Footer}}</td></tr>
</table></td></tr></table></body></html>`))

var oldHandoffHTML = template.Must(template.New("handoff").Parse(`<!DOCTYPE html>
<html><body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="background:#ffffff;border:1px solid #d9dee3">
<tr><td style="padding:20px 24px;font-size:16px">{{.Greeting}}<br>{{.Intro}}</td></tr>
{{range .Sections}}<tr><td style="padding:8px 24px 0;font-size:14px;font-weight:bold">{{.Title}}</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
{{range .Rows}}<tr><td style="color:#52606d;padding-right:16px;vertical-align:top">{{index . 0}}</td><td style="white-space:pre-wrap">{{index . 1}}</td></tr>{{end}}
</table></td></tr>{{end}}
{{if .Buttons}}<tr><td style="padding:16px 24px">{{range .Buttons}}<a href="{{.URL}}" style="display:inline-block;margin-right:12px;padding:10px 20px;background:{{.Color}};color:#ffffff;text-decoration:none;border-radius:4px">{{.Label}}</a>{{end}}</td></tr>{{end}}
{{range .Outro}}<tr><td style="padding:4px 24px;font-size:14px">{{.}}</td></tr>{{end}}
<tr><td style="padding:16px 24px;font-size:12px;color:#7b8794">{{.Footer}}</td></tr>
</table></td></tr></table></body></html>`))

var oldHandoffPageHTML = template.Must(template.New("handoff-page").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Title}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;max-width:520px;margin:40px auto;padding:0 16px">
<h1 style="font-size:20px">{{.Title}}</h1><p>{{.Text}}</p>
{{if .Problem}}<p style="color:#9b2c2c">{{.Problem}}</p>{{end}}
{{if .Action}}<form method="post" action="{{.Action}}">
{{if .ReasonLabel}}<p><label for="reason">{{.ReasonLabel}}</label><br><textarea id="reason" name="reason" rows="4" cols="50" maxlength="2000" required>{{.Reason}}</textarea></p>{{end}}
<button type="submit" style="padding:8px 20px;font-size:16px">{{.Button}}</button></form>{{end}}
</body></html>`))

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

// hostile are values a lead, a rep or an org file could carry.
var hostile = []string{
	"", "Ada Lovelace", `<script>alert("x")</script>`, "Tom & Jerry's +1 <b>", "a\x00b", "Zoë Ünal — café",
	"javascript:alert(1)", "JavaScript:alert(1)", "https://dealflow.example/v1/handoffs/h-1/accept?a=1&sig=abc+/=",
	"/v1/reminders/r-1/snooze?p=1d&sig=x y\"z<>", "mailto:ae@example.com", "data:text/html,hi", "http://x/ü?q=ä#f",
	"#2e7d32", "red;background:url(x)", "expression(alert(1))", "a--b", "\xff\xfe invalid", "%41%zz", "x%41",
}

func pick(i int) string { return hostile[i%len(hostile)] }

func execOld(t *testing.T, tpl *template.Template, data any) string {
	t.Helper()
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func sameHTML(t *testing.T, what string, got, want string) {
	t.Helper()
	if got != want {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s differs from html/template at byte %d:\n got …%.120q\nwant …%.120q", what, i, got[max(0, i-40):], want[max(0, i-40):])
	}
}

func TestMailHTMLMatchesHTMLTemplate(t *testing.T) {
	for i := range 3 * len(hostile) {
		v := func(k int) string { return pick(i + k) }
		var fields [][2]string
		var lines []string
		for k := range i % 4 {
			fields = append(fields, [2]string{v(k), v(k + 1)})
			lines = append(lines, v(k+2))
		}
		got := leadMailHTML(v(0), v(1), fields, v(2), lines, v(3), v(4), v(5))
		want := execOld(t, oldLeadHTML, map[string]any{"Greeting": v(0), "Intro": v(1), "Fields": fields, "WhyScore": v(2),
			"ScoreLines": lines, "WhyOwner": v(3), "Routing": v(4), "Footer": v(5)})
		sameHTML(t, "lead email", got, want)

		m := handoffMailData{Greeting: v(0), Intro: v(1), Footer: v(2)}
		for k := range i % 3 {
			m.Sections = append(m.Sections, mailSection{Title: v(k), Rows: fields})
			m.Buttons = append(m.Buttons, mailButton{Label: v(k + 1), URL: v(k + 2), Color: v(k + 3)})
			m.Outro = append(m.Outro, v(k+4))
		}
		sameHTML(t, "handoff email", m.html(), execOld(t, oldHandoffHTML, m))

		var rl []reminderLine
		for k := range i % 3 {
			l := reminderLine{Title: v(k), Detail: v(k + 1), Reason: v(k + 2), Escalated: v(k + 3)}
			for s := range k + i%2 {
				l.Snoozes = append(l.Snoozes, snoozeLink{Label: v(s), URL: v(s + 5)})
			}
			rl = append(rl, l)
		}
		sameHTML(t, "reminders email", remindersMailHTML(v(0), v(1), v(2), rl, v(3), v(4)),
			execOld(t, oldRemindersHTML, map[string]any{"Greeting": v(0), "Intro": v(1), "Escalation": v(2), "Lines": rl, "Snooze": v(3), "Footer": v(4)}))

		hp := handoffPage{Lang: v(0), Title: v(1), Text: v(2), Problem: v(3), Action: v(4), Button: v(5), ReasonLabel: v(6), Reason: v(7)}
		sameHTML(t, "handoff page", hp.html(), execOld(t, oldHandoffPageHTML, hp))

		sp := snoozePage{Lang: v(0), Title: v(1), Text: v(2), Action: v(3), Button: v(4)}
		sameHTML(t, "snooze page", sp.html(), execOld(t, oldSnoozeHTML, sp))
	}
}
