package render

// htmlSource is the email: nested 600 px tables, inline styles only, system font stacks, no
// script and no external resources except the inline cid: images, so Gmail and Outlook show the
// same thing. html/template escapes every name and deal title.
const htmlSource = `<!DOCTYPE html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{{.Title}}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 8px">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;background:#ffffff;border:1px solid #d9dee3">
<tr><td style="padding:20px 24px;background:#243b53;color:#ffffff">
<div style="font-size:20px;font-weight:bold">{{.Title}}</div>
<div style="font-size:14px;color:#d9e2ec;padding-top:4px">{{.PeriodLabel}}</div>
</td></tr>
<tr><td style="padding:20px 24px 8px;font-size:15px;line-height:22px">{{.Greeting}}<br>{{.Intro}}</td></tr>
<tr><td style="padding:8px 16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="8" border="0">
{{range .Tiles}}<tr>{{range .}}<td width="25%" valign="top" style="background:#f0f4f8;border:1px solid #d9e2ec;padding:10px">
<div style="font-size:11px;color:#52606d;text-transform:uppercase">{{.Label}}</div>
<div style="font-size:18px;font-weight:bold;padding:4px 0">{{.Value}}</div>
{{if .Sub}}<div style="font-size:12px;color:#52606d">{{.Sub}}</div>{{end}}
{{if .Delta}}<div style="font-size:12px;color:{{.DeltaColor}};padding-top:2px">{{.Delta}}</div>{{end}}
</td>{{end}}</tr>
{{end}}</table>
</td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{.QuotaTitle}}</td></tr>
{{if index .Charts "attainment@dealflow"}}<tr><td style="padding:4px 20px"><img src="cid:attainment@dealflow" width="560" height="260" alt="{{call .L "digest.chart.attainment"}}" style="display:block;border:0;width:560px;max-width:100%"></td></tr>{{end}}
<tr><td style="padding:4px 24px 12px">
<table role="presentation" width="100%" cellpadding="5" cellspacing="0" border="0" style="font-size:13px;border-collapse:collapse">
<tr style="background:#f0f4f8;color:#52606d"><td>{{call .L "digest.col.rep"}}</td><td align="right">{{call .L "digest.col.booked"}}</td><td align="right">{{call .L "digest.col.quota"}}</td><td align="right">{{call .L "digest.col.attainment"}}</td><td align="right">{{call .L "digest.col.pacing"}}</td><td align="right">{{call .L "digest.col.coverage"}}</td></tr>
{{range .Quota}}<tr style="border-bottom:1px solid #e4e7eb"><td>{{.Name}}</td><td align="right">{{.Booked}}</td><td align="right">{{.Quota}}</td><td align="right">{{.Attainment}}</td><td align="right">{{.Pacing}}</td><td align="right">{{.Coverage}}</td></tr>
{{end}}{{with .QuotaTeam}}<tr style="font-weight:bold"><td>{{.Name}}</td><td align="right">{{.Booked}}</td><td align="right">{{.Quota}}</td><td align="right">{{.Attainment}}</td><td align="right">{{.Pacing}}</td><td align="right">{{.Coverage}}</td></tr>{{end}}
</table></td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{call .L "digest.section.pipeline"}}</td></tr>
{{if index .Charts "pipeline@dealflow"}}<tr><td style="padding:4px 20px"><img src="cid:pipeline@dealflow" width="560" height="260" alt="{{call .L "digest.section.pipeline"}}" style="display:block;border:0;width:560px;max-width:100%"></td></tr>{{end}}
<tr><td style="padding:4px 24px 12px">
<table role="presentation" width="100%" cellpadding="5" cellspacing="0" border="0" style="font-size:13px;border-collapse:collapse">
<tr style="background:#f0f4f8;color:#52606d"><td>{{call .L "digest.col.stage"}}</td><td align="right">{{call .L "digest.col.deals"}}</td><td align="right">{{call .L "digest.col.amount"}}</td><td align="right">{{call .L "digest.col.weighted"}}</td></tr>
{{range .Stages}}<tr style="border-bottom:1px solid #e4e7eb"><td>{{.Name}}</td><td align="right">{{.Deals}}</td><td align="right">{{.Amount}}</td><td align="right">{{.Weighted}}</td></tr>
{{end}}</table></td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{call .L "digest.section.funnel"}}</td></tr>
<tr><td style="padding:0 24px;font-size:12px;color:#52606d">{{call .L "digest.funnel.note"}}</td></tr>
{{if index .Charts "funnel@dealflow"}}<tr><td style="padding:4px 20px"><img src="cid:funnel@dealflow" width="560" height="260" alt="{{call .L "digest.section.funnel"}}" style="display:block;border:0;width:560px;max-width:100%"></td></tr>{{end}}
<tr><td style="padding:4px 24px 12px">
<table role="presentation" width="100%" cellpadding="5" cellspacing="0" border="0" style="font-size:13px;border-collapse:collapse">
<tr style="background:#f0f4f8;color:#52606d"><td>{{call .L "digest.col.stage"}}</td><td align="right">{{call .L "digest.col.reached"}}</td><td align="right">{{call .L "digest.col.next"}}</td><td align="right">{{call .L "digest.col.cumulative"}}</td></tr>
{{range .Funnel}}<tr style="border-bottom:1px solid #e4e7eb"><td>{{.Name}}</td><td align="right">{{.Reached}}</td><td align="right">{{.Next}}</td><td align="right">{{.Cumulative}}</td></tr>
{{end}}</table></td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{call .L "digest.section.activities"}}</td></tr>
<tr><td style="padding:4px 24px 12px">
<table role="presentation" width="100%" cellpadding="5" cellspacing="0" border="0" style="font-size:13px;border-collapse:collapse">
<tr style="background:#f0f4f8;color:#52606d"><td>{{call .L "digest.col.rep"}}</td>{{range .Activities.Types}}<td align="right">{{.}}</td>{{end}}</tr>
{{range .Activities.Rows}}<tr style="border-bottom:1px solid #e4e7eb">{{range $i, $c := .}}{{if eq $i 0}}<td>{{$c}}</td>{{else}}<td align="right">{{$c}}</td>{{end}}{{end}}</tr>
{{end}}</table></td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb;color:#b42318">{{call .L "digest.section.stale"}}</td></tr>
<tr><td style="padding:4px 24px 12px">{{if .Stale}}
<table role="presentation" width="100%" cellpadding="5" cellspacing="0" border="0" style="font-size:13px;border-collapse:collapse">
<tr style="background:#f0f4f8;color:#52606d"><td>{{call .L "digest.col.deal"}}</td><td>{{call .L "digest.col.owner"}}</td><td align="right">{{call .L "digest.col.amount"}}</td><td>{{call .L "digest.col.why"}}</td></tr>
{{range .Stale}}<tr style="border-bottom:1px solid #e4e7eb" valign="top"><td>{{.Name}}<br><span style="color:#7b8794">{{.Stage}}</span></td><td>{{.Owner}}</td><td align="right">{{.Amount}}</td><td>{{.Why}}</td></tr>
{{end}}</table>{{if .StaleMore}}<div style="font-size:13px;color:#52606d;padding-top:6px">{{.StaleMore}}</div>{{end}}{{else}}<span style="font-size:13px;color:#52606d">{{call .L "digest.none"}}</span>{{end}}</td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{call .L (printf "digest.section.top.%s" .Kind)}}</td></tr>
<tr><td style="padding:4px 24px 12px">{{if .Top}}
<table role="presentation" width="100%" cellpadding="5" cellspacing="0" border="0" style="font-size:13px;border-collapse:collapse">
<tr style="background:#f0f4f8;color:#52606d"><td>{{call .L "digest.col.deal"}}</td><td>{{call .L "digest.col.owner"}}</td><td>{{call .L "digest.col.stage"}}</td><td align="right">{{call .L "digest.col.amount"}}</td><td align="right">{{call .L "digest.col.close"}}</td></tr>
{{range .Top}}<tr style="border-bottom:1px solid #e4e7eb"><td>{{.Name}}</td><td>{{.Owner}}</td><td>{{.Stage}}</td><td align="right">{{.Amount}}</td><td align="right">{{.Close}}</td></tr>
{{end}}</table>{{else}}<span style="font-size:13px;color:#52606d">{{call .L "digest.none"}}</span>{{end}}</td></tr>
<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{call .L "digest.section.onboarding"}}</td></tr>
<tr><td style="padding:4px 24px 16px"><table role="presentation" cellpadding="4" cellspacing="0" border="0" style="font-size:13px">
{{range .Onboarding}}<tr><td style="color:#52606d;padding-right:16px">{{.Label}}</td><td>{{.Value}}</td></tr>{{end}}
</table></td></tr>
{{/*insight*/}}<tr><td style="padding:12px 24px 0;font-size:12px;color:#7b8794;border-top:1px solid #d9dee3">{{.Rates}}</td></tr>
<tr><td style="padding:4px 24px 12px;font-size:12px;color:#7b8794">{{if .PreferencesURL}}<a href="{{.PreferencesURL}}" style="color:#486581">{{call .L "digest.preferences"}}</a> · {{end}}{{call .L "footer.sent_by"}}</td></tr>
</table></td></tr></table></body></html>
`
