package handoff

import (
	"html/template"
	"testing"

	mt "github.com/dealflow/dealflow/shared/notify/mailhtml/mailhtmltest"
)

// The html/template templates the hand-written renderers replace, verbatim: the renderers must
// produce the same bytes for any input, hostile ones included.

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

func TestMailHTMLMatchesHTMLTemplate(t *testing.T) {
	for i := range 3 * len(mt.Hostile) {
		v := func(k int) string { return mt.Pick(i + k) }
		var fields [][2]string
		for k := range i % 4 {
			fields = append(fields, [2]string{v(k), v(k + 1)})
		}
		m := handoffMailData{Greeting: v(0), Intro: v(1), Footer: v(2)}
		for k := range i % 3 {
			m.Sections = append(m.Sections, mailSection{Title: v(k), Rows: fields})
			m.Buttons = append(m.Buttons, mailButton{Label: v(k + 1), URL: v(k + 2), Color: v(k + 3)})
			m.Outro = append(m.Outro, v(k+4))
		}
		mt.Same(t, "handoff email", m.html(), mt.Exec(t, oldHandoffHTML, m))

		hp := handoffPage{Lang: v(0), Title: v(1), Text: v(2), Problem: v(3), Action: v(4), Button: v(5), ReasonLabel: v(6), Reason: v(7)}
		mt.Same(t, "handoff page", hp.html(), mt.Exec(t, oldHandoffPageHTML, hp))
	}
}
