// Package render renders a manager digest from metrics.Report: a subject with the headline
// numbers, an HTML part that renders in Gmail and Outlook (table layout, inline CSS, no script,
// no web fonts, every name escaped by html/template), a text/plain alternative and three charts
// as inline PNG images (CID), in the manager's language, money format and time zone.
package render

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

// Options say who the digest is for.
type Options struct {
	Org     *domain.Org
	Manager *domain.Rep
	Team    *domain.Team
	// PreferencesURL is where the manager changes or stops their digests.
	PreferencesURL string
	// NoCharts leaves the images out (previews without attachments).
	NoCharts bool
	// Charts draws the charts (charts.Draw); required unless NoCharts.
	Charts Drawer
}

// Email is a rendered digest.
type Email struct {
	Subject string
	HTML    string
	Text    string
	Images  []notify.Attachment
}

// Render renders the digest of r for the manager.
func Render(r metrics.Report, o Options) (Email, error) {
	v := newView(r, o)
	var e Email
	e.Subject = v.subject()
	if !o.NoCharts {
		imgs, err := drawCharts(v.loc, v, o.Charts)
		if err != nil {
			return Email{}, err
		}
		e.Images = imgs
		for _, img := range imgs {
			v.Charts[img.ContentID] = true
		}
	}
	var b bytes.Buffer
	if err := htmlTemplate().Execute(&b, v); err != nil {
		return Email{}, fmt.Errorf("render digest HTML for %s: %w", o.Manager.ID, err)
	}
	e.HTML = b.String()
	e.Text = v.text()
	return e, nil
}

// view is what the templates read: every value already formatted for the manager's locale.
type view struct {
	r    metrics.Report
	o    Options
	loc  string
	zone *time.Location

	Lang, Kind, Title, Greeting, PeriodLabel, Intro string
	Tiles                                           [][]tile
	Charts                                          map[string]bool
	Quota                                           []quotaRow
	QuotaTeam                                       quotaRow
	QuotaTitle                                      string
	Stages                                          []stageRow
	Funnel                                          []funnelRow
	Activities                                      activityTable
	Stale                                           []dealRow
	Top                                             []dealRow
	StaleMore                                       string // "…and N more", when Stale is cut at StaleListLimit
	Onboarding                                      []kv
	Insight                                         []insightSection // insight.go
	Rates                                           string           // the report currency and the rates it converted with
	PreferencesURL                                  string
	L                                               func(key string, args ...any) string
}

type tile struct{ Label, Value, Sub, Delta, DeltaColor string }
type kv struct{ Label, Value string }
type quotaRow struct{ Name, Quota, Booked, Attainment, Pacing, Coverage string }
type stageRow struct{ Name, Deals, DealsN, Amount, Weighted string }
type funnelRow struct{ Name, Reached, Next, Cumulative string }

// StaleListLimit is how many stale deals a digest lists (largest first); the rest are counted.
const StaleListLimit = metrics.StaleListLimit

type dealRow struct{ Name, Owner, Stage, Amount, Close, Why string }
type activityTable struct {
	Types []string
	Rows  [][]string
}

func newView(r metrics.Report, o Options) *view {
	loc := o.Manager.Locale
	if loc == "" {
		loc = o.Org.Settings.Locale
	}
	zone := r.Period.Loc
	if zone == nil {
		zone = time.UTC
	}
	v := &view{r: r, o: o, loc: loc, zone: zone, Charts: map[string]bool{}, PreferencesURL: o.PreferencesURL}
	v.L = func(key string, args ...any) string { return i18n.T(loc, key, args...) }
	v.Lang = "en"
	if i18n.Normalize(loc) == i18n.German {
		v.Lang = "de"
	}
	v.Kind = string(r.Period.Kind)
	v.Title = v.L("digest.title", v.teamName())
	v.Greeting = v.L("digest.greeting", firstName(o.Manager.Name))
	v.PeriodLabel = v.periodLabel()
	v.Intro = v.L("digest.intro." + string(r.Period.Kind))
	if r.Period.Kind != metrics.Week {
		v.Intro = v.L("digest.intro."+string(r.Period.Kind), v.PeriodLabel)
	}
	v.build()
	v.buildInsight()
	return v
}

func firstName(n string) string {
	if f, _, ok := strings.Cut(n, " "); ok {
		return f
	}
	return n
}

func (v *view) teamName() string {
	if v.o.Team != nil && v.o.Team.Name != "" {
		return v.o.Team.Name
	}
	return v.r.TeamID
}

func (v *view) repName(id string) string {
	if rep, ok := v.o.Org.Rep(id); ok && rep.Name != "" {
		return rep.Name
	}
	return id
}

func (v *view) stageName(id string) string {
	for _, p := range v.o.Org.Pipelines {
		if s, ok := p.Stage(id); ok && s.Name != "" {
			return s.Name
		}
	}
	return id
}

// periodLabel: "Mon, Nov 16 – Sun, Nov 22" for a week, "November 2026", "Q4 2026".
func (v *view) periodLabel() string {
	p := v.r.Period
	switch p.Kind {
	case metrics.Month:
		return v.L("digest.month."+p.Start.In(v.zone).Format("01")) + " " + p.Start.In(v.zone).Format("2006")
	case metrics.Quarter:
		return p.Key()[5:] + " " + p.Key()[:4]
	}
	last := p.End.Add(-time.Nanosecond)
	return i18n.Date(v.loc, p.Start, v.zone) + " – " + i18n.Date(v.loc, last, v.zone)
}

func (v *view) money(m domain.Money) string {
	return i18n.Money(v.loc, m.AmountMinor, m.Currency)
}

// moneyWhole rounds to whole units for headlines: €14,500 rather than €14,500.00.
func (v *view) moneyWhole(m domain.Money) string {
	unit := int64(math.Pow10(domain.MinorUnits(m.Currency)))
	rounded := m.AmountMinor
	if unit > 1 {
		rounded = (m.AmountMinor + sign(m.AmountMinor)*unit/2) / unit * unit
	}
	s := i18n.Money(v.loc, rounded, m.Currency)
	if unit > 1 {
		dec := "."
		if i18n.Normalize(v.loc) == i18n.German {
			dec = ","
		}
		s = strings.Replace(s, dec+strings.Repeat("0", len(fmt.Sprint(unit))-1), "", 1)
	}
	return s
}

func sign(n int64) int64 {
	if n < 0 {
		return -1
	}
	return 1
}

// amount is the converted sum; amounts in a currency without a rate follow it, each marked as
// such, never added in: "€14,500 · £2,000 (no exchange rate)".
func (v *view) amount(a metrics.Amount) string {
	s := v.moneyWhole(a.Money)
	for _, u := range a.Unconverted {
		s += " · " + v.L("digest.no_rate", v.moneyWhole(u))
	}
	return s
}

// na is what stands in for a value that is not available: a dash, never 0 % or NaN.
func (v *view) na() string { return v.L("digest.na") }

// why is the reason a value is not available, for the line under a tile or a table's note.
func (v *view) why(reason string) string {
	if reason == "" {
		return ""
	}
	return v.L("digest.na." + reason)
}

// naWhy is "– (reason)" for tables, where there is no line for the reason.
func (v *view) naWhy(reason string) string {
	if r := v.why(reason); r != "" {
		return v.na() + " (" + r + ")"
	}
	return v.na()
}

func (v *view) percent(m metrics.Maybe[float64]) string {
	if !m.OK {
		return v.na()
	}
	s := fmt.Sprintf("%.0f", m.V*100)
	if i18n.Normalize(v.loc) == i18n.German {
		return s + "\u00a0%"
	}
	return s + "%"
}

func (v *view) days(m metrics.Maybe[float64]) string {
	if !m.OK {
		return v.na()
	}
	return v.L("digest.days", i18n.Decimal(v.loc, m.V, 1))
}

func (v *view) duration(m metrics.Maybe[time.Duration]) string {
	if !m.OK {
		return v.na()
	}
	h := m.V.Hours()
	if h >= 48 {
		return v.L("digest.days", i18n.Decimal(v.loc, h/24, 1))
	}
	return v.L("digest.hours", i18n.Decimal(v.loc, h, 1))
}

// delta compares a number with the previous period: "▲ 3 vs. last week".
func (v *view) delta(cur, prev float64, ok bool, format func(float64) string) (string, string) {
	if !ok {
		return "", ""
	}
	d := cur - prev
	switch {
	case math.Abs(d) < 1e-9:
		return v.L("digest.delta.same", v.L("digest.prior."+string(v.r.Period.Kind))), "#7b8794"
	case d > 0:
		return "▲ " + format(d) + " " + v.L("digest.prior."+string(v.r.Period.Kind)), "#1e7b34"
	}
	return "▼ " + format(-d) + " " + v.L("digest.prior."+string(v.r.Period.Kind)), "#b42318"
}

func (v *view) build() {
	t, p, cur := v.r.Team, v.r.Prior, v.r.Currency
	moneyDelta := func(f float64) string {
		return v.moneyWhole(domain.Money{AmountMinor: int64(math.Round(f)), Currency: cur})
	}
	pp := func(f float64) string { return i18n.Decimal(v.loc, f*100, 0) + " " + v.L("digest.pp") }
	count := func(f float64) string { return i18n.Number(v.loc, int64(math.Round(f))) }

	won := tile{Label: v.L("digest.kpi.won"), Value: v.amount(t.WonAmount), Sub: i18n.N(v.loc, "digest.deals", t.Won)}
	won.Delta, won.DeltaColor = v.delta(float64(t.WonAmount.AmountMinor), float64(p.WonAmount.AmountMinor), true, moneyDelta)
	win := tile{Label: v.L("digest.kpi.win_rate"), Value: v.percent(t.WinRate), Sub: v.L("digest.won_lost", t.Won, t.Lost)}
	if !t.WinRate.OK {
		win.Sub = v.why(t.WinRate.Why)
	}
	win.Delta, win.DeltaColor = v.delta(t.WinRate.V, p.WinRate.V, t.WinRate.OK && p.WinRate.OK, pp)
	pipe := tile{Label: v.L("digest.kpi.pipeline"), Value: v.amount(t.OpenPipeline), Sub: v.L("digest.weighted", v.amount(t.Weighted))}
	pipe.Delta, pipe.DeltaColor = v.delta(float64(t.OpenPipeline.AmountMinor), float64(p.OpenPipeline.AmountMinor), true, moneyDelta)
	avg := tile{Label: v.L("digest.kpi.avg_deal"), Value: v.na(), Sub: v.why(t.AvgDealSize.Why)}
	if t.AvgDealSize.OK {
		avg.Value, avg.Sub = v.moneyWhole(t.AvgDealSize.V), ""
	}
	if t.WonWithoutRate > 0 {
		avg.Sub = i18n.N(v.loc, "digest.won_without_rate", t.WonWithoutRate)
	}
	cycle := tile{Label: v.L("digest.kpi.cycle"), Value: v.days(t.CycleDays), Sub: v.why(t.CycleDays.Why)}
	vel := tile{Label: v.L("digest.kpi.velocity"), Value: v.na(), Sub: v.why(t.Velocity.Why)}
	if t.Velocity.OK {
		vel.Value = v.L("digest.per_day", v.moneyWhole(t.Velocity.V))
	}
	sla := tile{Label: v.L("digest.kpi.handoff_sla"), Value: v.percent(t.Handoffs.Share),
		Sub: v.L("digest.handoff_sub", t.Handoffs.InSLA, t.Handoffs.Decided, v.duration(t.Handoffs.MedianToAccept))}
	if !t.Handoffs.Share.OK {
		sla.Sub = v.why(t.Handoffs.Share.Why)
	}
	leads := tile{Label: v.L("digest.kpi.leads"), Value: i18n.Number(v.loc, int64(t.NewLeads)),
		Sub: v.L("digest.leads_split", i18n.Number(v.loc, int64(t.NewRouted)), i18n.Number(v.loc, int64(t.NewUnassigned)), i18n.Number(v.loc, int64(t.NewDisqualified)))}
	leads.Delta, leads.DeltaColor = v.delta(float64(t.NewLeads), float64(p.NewLeads), true, count)
	v.Tiles = [][]tile{{won, win, pipe, avg}, {cycle, vel, sla, leads}}

	q := v.r.Quota
	v.QuotaTitle = v.L("digest.section.quota", q.Key)
	row := func(name string, a metrics.Attainment) quotaRow {
		r := quotaRow{Name: name, Quota: v.naWhy(metrics.WhyNoQuota), Booked: v.amount(a.Booked), Attainment: v.percent(a.Attainment),
			Pacing: v.na(), Coverage: v.na()}
		if a.HasQuota {
			r.Pacing, r.Coverage = v.naWhy(a.Pacing.Why), v.naWhy(a.Coverage.Why)
		}
		if a.HasQuota {
			r.Quota = v.moneyWhole(a.Quota)
			if a.ProRated {
				r.Quota += " " + v.L("digest.prorated")
			}
		}
		if a.Pacing.OK {
			r.Pacing = v.L("digest.per_day", v.moneyWhole(a.Pacing.V))
		}
		if a.Coverage.OK {
			r.Coverage = i18n.Decimal(v.loc, a.Coverage.V, 1) + "×"
		}
		return r
	}
	for _, a := range q.Reps {
		if a.HasQuota || a.Booked.AmountMinor != 0 || len(a.Booked.Unconverted) > 0 {
			v.Quota = append(v.Quota, row(v.repName(a.RepID), a))
		}
	}
	v.QuotaTeam = row(v.L("digest.team_total"), q.Team)

	for _, s := range v.r.PipelineByStage {
		v.Stages = append(v.Stages, stageRow{Name: v.stageName(s.Stage) + " (" + v.percent(metrics.Some(float64(s.Probability)/100)) + ")",
			Deals: i18n.Number(v.loc, int64(s.Deals)), DealsN: i18n.N(v.loc, "digest.deals_n", s.Deals), Amount: v.amount(s.Amount), Weighted: v.amount(s.Weighted)})
	}
	for _, s := range v.r.Funnel {
		next := v.percent(s.Next)
		v.Funnel = append(v.Funnel, funnelRow{Name: v.stageName(s.Stage), Reached: i18n.Number(v.loc, int64(s.Reached)), Next: next, Cumulative: v.percent(s.Cumulative)})
	}

	types := []domain.ActivityType{domain.ActivityCall, domain.ActivityEmail, domain.ActivityMeeting, domain.ActivityProposalSent, domain.ActivityNote}
	for _, typ := range types {
		v.Activities.Types = append(v.Activities.Types, v.L("digest.activity."+string(typ)))
	}
	v.Activities.Types = append(v.Activities.Types, v.L("digest.activity.total"))
	for _, rep := range v.r.Reps {
		cells := []string{v.repName(rep.RepID)}
		total := 0
		for _, typ := range types {
			n := rep.Current.Activities[typ]
			total += n
			cells = append(cells, i18n.Number(v.loc, int64(n)))
		}
		cells = append(cells, i18n.Number(v.loc, int64(total)))
		v.Activities.Rows = append(v.Activities.Rows, cells)
	}

	// The email lists the most valuable stale deals only: a team with thousands of idle deals
	// would otherwise get a message Gmail clips (it cuts HTML over 102 KB) and nobody reads.
	// metrics.Compute cuts the list at metrics.StaleListLimit and counts the rest.
	if more := v.r.StaleMore; more.Count > 0 {
		v.StaleMore = i18n.N(v.loc, "digest.stale.more", more.Count, v.moneyWhole(domain.Money{AmountMinor: more.Total.AmountMinor, Currency: v.r.Currency}))
	}
	for _, s := range v.r.Stale {
		var why []string
		for _, x := range s.Reasons {
			switch x.Trigger {
			case domain.TriggerNoActivity:
				why = append(why, v.L("digest.stale.no_activity", i18n.Date(v.loc, x.Since, v.zone)))
			case domain.TriggerCloseDatePast:
				// A close date is a day stored at UTC midnight: shown as that day in every zone.
				why = append(why, v.L("digest.stale.close_date_past", i18n.Date(v.loc, x.Since, time.UTC)))
			default:
				why = append(why, v.L("digest.stale."+x.Trigger))
			}
		}
		d := v.dealRow(s.DealLine)
		d.Why = strings.Join(why, "; ")
		v.Stale = append(v.Stale, d)
	}
	for _, d := range v.r.TopDeals {
		v.Top = append(v.Top, v.dealRow(d))
	}
	ob := v.r.Onboarding
	v.Onboarding = []kv{
		{v.L("digest.onboarding.active"), i18n.Number(v.loc, int64(ob.Active))},
		{v.L("digest.onboarding.started"), i18n.Number(v.loc, int64(ob.StartedInPeriod))},
		{v.L("digest.onboarding.completed"), i18n.Number(v.loc, int64(ob.CompletedInPeriod))},
		{v.L("digest.onboarding.late"), v.L("digest.onboarding.late_value", i18n.Number(v.loc, int64(ob.OnboardingsLate)), i18n.N(v.loc, "digest.milestones", ob.OverdueMilestones))},
	}
	v.Rates = v.L("digest.rates.none", v.r.Currency)
	if len(v.r.Rates) > 0 {
		var rs []string
		for _, x := range v.r.Rates {
			rs = append(rs, "1 "+x.From+" = "+v.rate(x.Rate)+" "+x.To)
		}
		v.Rates = v.L("digest.rates", v.r.Currency, strings.Join(rs, ", "))
	}
}

// rate writes an exchange rate (an exact decimal) with the locale's decimal mark.
func (v *view) rate(r string) string {
	if i18n.Normalize(v.loc) == i18n.German {
		return strings.Replace(r, ".", ",", 1)
	}
	return r
}

func (v *view) dealRow(d metrics.DealLine) dealRow {
	r := dealRow{Name: d.Name, Owner: v.repName(d.OwnerID), Stage: v.stageName(d.Stage), Amount: v.moneyWhole(d.Amount), Close: "–"}
	if d.Converted.OK && d.Converted.V.Currency != d.Amount.Currency {
		r.Amount += " (" + v.moneyWhole(d.Converted.V) + ")"
	}
	if d.CloseDate != nil {
		r.Close = i18n.Date(v.loc, *d.CloseDate, time.UTC) // a close date is a day, stored at UTC midnight
	}
	return r
}

// subject carries the headline numbers: "Vertrieb DACH, week 47: €14,500 won (3), win rate 75%,
// pipeline €32,200".
func (v *view) subject() string {
	t := v.r.Team
	label := v.L("digest.subject.period."+string(v.r.Period.Kind), v.r.Period.Key())
	return v.L("digest.subject", v.teamName(), label, v.amount(t.WonAmount), t.Won, v.percent(t.WinRate), v.amount(t.OpenPipeline))
}

// text is the text/plain part: the same content as the HTML, in aligned plain lines.
func (v *view) text() string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("%s", v.Title)
	line("%s", v.PeriodLabel)
	line("")
	line("%s", v.Greeting)
	line("%s", v.Intro)
	line("")
	for _, row := range v.Tiles {
		for _, t := range row {
			s := fmt.Sprintf("%-22s %s", t.Label+":", t.Value)
			if t.Sub != "" {
				s += " (" + t.Sub + ")"
			}
			if t.Delta != "" {
				s += " " + t.Delta
			}
			line("%s", s)
		}
	}
	section := func(title string) { line(""); line("%s", title); line("%s", strings.Repeat("-", len([]rune(title)))) }
	section(v.QuotaTitle)
	for _, q := range append(append([]quotaRow{}, v.Quota...), v.QuotaTeam) {
		line("%s: %s / %s = %s; %s %s; %s %s", q.Name, q.Booked, q.Quota, q.Attainment, v.L("digest.col.pacing"), q.Pacing, v.L("digest.col.coverage"), q.Coverage)
	}
	section(v.L("digest.section.pipeline"))
	for _, s := range v.Stages {
		line("%s: %s, %s (%s %s)", s.Name, s.DealsN, s.Amount, v.L("digest.col.weighted"), s.Weighted)
	}
	section(v.L("digest.section.funnel"))
	for _, f := range v.Funnel {
		line("%s: %s; %s %s; %s %s", f.Name, f.Reached, v.L("digest.col.next"), f.Next, v.L("digest.col.cumulative"), f.Cumulative)
	}
	section(v.L("digest.section.activities"))
	line("%s", strings.Join(v.Activities.Types, " | "))
	for _, r := range v.Activities.Rows {
		line("%s: %s", r[0], strings.Join(r[1:], " | "))
	}
	section(v.L("digest.section.stale"))
	if len(v.Stale) == 0 {
		line("%s", v.L("digest.none"))
	}
	for _, d := range v.Stale {
		line("- %s (%s, %s, %s): %s", d.Name, d.Owner, d.Stage, d.Amount, d.Why)
	}
	if v.StaleMore != "" {
		line("%s", v.StaleMore)
	}
	section(v.L("digest.section.top." + string(v.r.Period.Kind)))
	if len(v.Top) == 0 {
		line("%s", v.L("digest.none"))
	}
	for _, d := range v.Top {
		line("- %s (%s, %s): %s, %s", d.Name, d.Owner, d.Stage, d.Amount, d.Close)
	}
	section(v.L("digest.section.onboarding"))
	for _, o := range v.Onboarding {
		line("%s: %s", o.Label, o.Value)
	}
	v.insightText(line, section)
	line("")
	line("%s", v.Rates)
	if v.PreferencesURL != "" {
		line("%s: %s", v.L("digest.preferences"), v.PreferencesURL)
	}
	line("%s", v.L("footer.sent_by"))
	return b.String()
}

// htmlTemplate is parsed on first use: a package-level template.Must would link the template
// machinery into every binary that links this package (infra/README.md "One bootstrap per function").
// (A function, not a sync.OnceValue variable: that would be built in init and link it all the same.)
var (
	htmlTemplateOnce sync.Once
	htmlTemplateT    *template.Template
)

func htmlTemplate() *template.Template {
	htmlTemplateOnce.Do(func() {
		htmlTemplateT = template.Must(template.New("digest").Parse(strings.Replace(htmlSource, "{{/*insight*/}}", insightHTML, 1)))
	})
	return htmlTemplateT
}

// PreviewHTML is the HTML with its inline images embedded as data: URIs, for opening the email in
// a browser (dealflow digest preview --out FILE.html). Mail clients get the cid: version.
func (e Email) PreviewHTML() string {
	html := e.HTML
	for _, img := range e.Images {
		html = strings.ReplaceAll(html, `"cid:`+img.ContentID+`"`, `"data:`+img.ContentType+`;base64,`+base64.StdEncoding.EncodeToString(img.Data)+`"`)
	}
	return html
}
