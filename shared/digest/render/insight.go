package render

import (
	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/i18n"
)

// insightSection is a short titled list: competitors, activity measures, territories. The
// numbers behind them are in `digest preview --json` (docs/METRICS.md).
type insightSection struct {
	Title string
	Rows  []kv
}

// buildInsight renders the competitor, activity and territory sections briefly: competitors
// only when some are in play or closed, territories only for a team spanning several.
func (v *view) buildInsight() {
	r := v.r
	var comp insightSection
	comp.Title = v.L("digest.section.competitors")
	for _, c := range r.Competitors.Competitors {
		if c.OpenDeals == 0 && c.Won+c.Lost == 0 {
			continue
		}
		rate := v.percent(c.WinRate)
		if !c.WinRate.OK {
			rate = v.naWhy(c.WinRate.Why)
		}
		comp.Rows = append(comp.Rows, kv{c.Name, v.L("digest.competitor.line", i18n.N(v.loc, "digest.deals_n", c.OpenDeals), v.amount(c.OpenPipeline), rate, c.Won, c.Lost)})
	}
	if len(comp.Rows) > 0 {
		v.Insight = append(v.Insight, comp)
	}

	fc := r.Forecast
	if fc.Key != "" {
		sec := insightSection{Title: v.L("digest.section.forecast", fc.Key)}
		call := v.L("digest.fc.no_call")
		if fc.Call != nil {
			call = v.moneyWhole(fc.Call.Amount)
		}
		sec.Rows = append(sec.Rows,
			kv{v.L("digest.fc.closed"), v.amount(fc.Team.Closed)},
			kv{v.L("digest.fc.commit"), v.amount(fc.Team.Commit)},
			kv{v.L("digest.fc.best_case"), v.amount(fc.Team.BestCase)},
			kv{v.L("digest.fc.pipeline"), v.amount(fc.Team.Pipeline) + " (" + v.amount(fc.Team.Weighted) + ")"},
			kv{v.L("digest.fc.call"), call})
		acc := fc.Accuracy
		value := v.naWhy(acc.Accuracy.Why)
		if acc.Accuracy.OK && acc.Call.OK {
			value = v.L("digest.fc.accuracy_value", v.percent(acc.Accuracy), v.moneyWhole(acc.Call.V), v.amount(acc.Actual))
		}
		sec.Rows = append(sec.Rows, kv{v.L("digest.fc.accuracy", acc.Key), value})
		v.Insight = append(v.Insight, sec)
	}

	a := r.ActivityMeasures.Team
	act := insightSection{Title: v.L("digest.section.activity_health")}
	act.Rows = append(act.Rows,
		kv{v.L("digest.act.meetings"), v.L("digest.act.meetings_value", i18n.Number(v.loc, int64(a.MeetingsBooked)), i18n.Number(v.loc, int64(a.QualifiedMeetings)))},
		kv{v.L("digest.act.proposals"), i18n.Number(v.loc, int64(a.ProposalsSent))})
	fu := v.naWhy(a.FollowUp.Share.Why)
	if a.FollowUp.Share.OK {
		fu = v.L("digest.act.follow_up_value", v.percent(a.FollowUp.Share), a.FollowUp.Touched, a.FollowUp.Deals)
	}
	act.Rows = append(act.Rows, kv{v.L("digest.act.follow_up"), fu})
	response := func(x metrics.Response) string {
		if x.Count == 0 {
			return v.na()
		}
		return v.L("digest.act.response_value", v.duration(x.Median), x.Answered, x.Count)
	}
	act.Rows = append(act.Rows, kv{v.L("digest.act.lead_response"), response(a.LeadResponse)},
		kv{v.L("digest.act.handoff_response"), response(a.HandoffResponse)})
	for _, p := range r.ActivityMeasures.BeforeClose {
		if p.WonWith+p.LostWith == 0 {
			continue
		}
		act.Rows = append(act.Rows, kv{"", v.L("digest.act.before_close", v.L("digest.activity."+string(p.Type)), v.percent(p.WonShare), v.percent(p.LostShare))})
	}
	v.Insight = append(v.Insight, act)

	if cm := r.Commission; len(cm.Statements) > 0 {
		sec := insightSection{Title: v.L("digest.section.commission", cm.PeriodKey)}
		for _, s := range cm.Statements {
			adj := domain.Money{Currency: s.Currency}
			for _, a := range s.Adjustments {
				adj.AmountMinor += a.Amount.AmountMinor
			}
			sec.Rows = append(sec.Rows, kv{v.repName(s.RepID), v.L("digest.commission.line", v.moneyWhole(s.Total), v.moneyWhole(s.Booked), v.moneyWhole(adj))})
		}
		v.Insight = append(v.Insight, sec)
	}

	if len(r.Territories) > 1 {
		terr := insightSection{Title: v.L("digest.section.territories")}
		for _, t := range r.Territories {
			avg := v.na()
			if t.AvgDealSize.OK {
				avg = v.moneyWhole(t.AvgDealSize.V)
			}
			cov := v.naWhy(t.Coverage.Why)
			if t.Coverage.OK {
				cov = i18n.Decimal(v.loc, t.Coverage.V, 1) + "×"
			}
			terr.Rows = append(terr.Rows, kv{t.Name, v.L("digest.territory.line", v.amount(t.OpenPipeline), i18n.N(v.loc, "digest.deals_n", t.OpenDeals),
				v.amount(t.WonAmount), t.Won, v.percent(t.WinRate), avg, v.days(t.CycleDays), cov, i18n.Decimal(v.loc, t.OpenDealsPerRep, 1))})
		}
		v.Insight = append(v.Insight, terr)
	}
}

// insightText writes the sections into the text/plain part.
func (v *view) insightText(line func(string, ...any), section func(string)) {
	for _, s := range v.Insight {
		section(s.Title)
		for _, r := range s.Rows {
			if r.Label == "" {
				line("- %s", r.Value)
			} else {
				line("%s: %s", r.Label, r.Value)
			}
		}
	}
}

// insightHTML is the sections' part of the email template (html.go).
const insightHTML = `{{range .Insight}}<tr><td style="padding:16px 24px 4px;font-size:16px;font-weight:bold;border-top:1px solid #e4e7eb">{{.Title}}</td></tr>
<tr><td style="padding:4px 24px 12px"><table role="presentation" cellpadding="4" cellspacing="0" border="0" style="font-size:13px">
{{range .Rows}}<tr>{{if .Label}}<td style="color:#52606d;padding-right:16px" valign="top">{{.Label}}</td><td>{{.Value}}</td>{{else}}<td colspan="2">{{.Value}}</td>{{end}}</tr>{{end}}
</table></td></tr>
{{end}}`
