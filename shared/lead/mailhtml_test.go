package lead

import (
	"html/template"
	"testing"

	mt "github.com/dealflow/dealflow/shared/notify/mailhtml/mailhtmltest"
)

// The html/template templates the hand-written renderers replace, verbatim: the renderers must
// produce the same bytes for any input, hostile ones included.

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

func TestMailHTMLMatchesHTMLTemplate(t *testing.T) {
	for i := range 3 * len(mt.Hostile) {
		v := func(k int) string { return mt.Pick(i + k) }
		var fields [][2]string
		var lines []string
		for k := range i % 4 {
			fields = append(fields, [2]string{v(k), v(k + 1)})
			lines = append(lines, v(k+2))
		}
		got := leadMailHTML(v(0), v(1), fields, v(2), lines, v(3), v(4), v(5))
		want := mt.Exec(t, oldLeadHTML, map[string]any{"Greeting": v(0), "Intro": v(1), "Fields": fields, "WhyScore": v(2),
			"ScoreLines": lines, "WhyOwner": v(3), "Routing": v(4), "Footer": v(5)})
		mt.Same(t, "lead email", got, want)
	}
}
