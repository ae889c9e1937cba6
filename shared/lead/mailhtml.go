package lead

import (
	"strings"

	"github.com/dealflow/dealflow/shared/notify/mailhtml"
)

// leadMailHTML is the HTML part of the new-lead email (leadMessage).
func leadMailHTML(greeting, intro string, fields [][2]string, whyScore string, scoreLines []string, whyOwner, routing, footer string) string {
	var b strings.Builder
	b.WriteString(mailhtml.Head)
	b.WriteString(`<tr><td style="padding:20px 24px;font-size:16px">` + mailhtml.Esc(greeting) + `<br>` + mailhtml.Esc(intro) + `</td></tr>
<tr><td style="padding:0 24px"><table role="presentation" cellpadding="4" cellspacing="0" style="font-size:14px">
`)
	for _, f := range fields {
		b.WriteString(`<tr><td style="color:#52606d;padding-right:16px">` + mailhtml.Esc(f[0]) + `</td><td>` + mailhtml.Esc(f[1]) + `</td></tr>`)
	}
	b.WriteString("\n</table></td></tr>\n")
	if len(scoreLines) > 0 {
		b.WriteString(`<tr><td style="padding:16px 24px 0;font-size:14px"><b>` + mailhtml.Esc(whyScore) + `</b><ul style="margin:4px 0;padding-left:20px">`)
		for _, l := range scoreLines {
			b.WriteString(`<li>` + mailhtml.Esc(l) + `</li>`)
		}
		b.WriteString(`</ul></td></tr>`)
	}
	b.WriteString("\n" + `<tr><td style="padding:16px 24px;font-size:14px"><b>` + mailhtml.Esc(whyOwner) + `</b><br>` + mailhtml.Esc(routing) + `</td></tr>
<tr><td style="padding:12px 24px;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">` + mailhtml.Esc(footer) + `</td></tr>`)
	b.WriteString(mailhtml.Foot)
	return b.String()
}
