package render

import (
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
)

// The insight sections show in both languages: competitors in play with their win rate, the
// team's activity measures and, for a team spanning territories, each territory's numbers.
func TestInsightSections(t *testing.T) {
	org, r := fixtureReport(t)
	eur := func(n int64) metrics.Amount {
		return metrics.Amount{Money: domain.Money{AmountMinor: n * 100, Currency: "EUR"}}
	}
	r.Competitors.Competitors = []metrics.CompetitorLine{
		{ID: "m", Name: "Müller Soft", InPlay: true, OpenDeals: 2, OpenPipeline: eur(30000), Won: 1, Lost: 1, WinRate: metrics.Some(0.5)},
		{ID: "quiet", Name: "Quiet Rival", OpenPipeline: eur(0), WinRate: metrics.NA[float64](metrics.WhyNothingClosed)},
	}
	r.ActivityMeasures.Team = metrics.ActivityMeasures{MeetingsBooked: 3, QualifiedMeetings: 2, ProposalsSent: 1,
		FollowUp:     metrics.FollowUp{Deals: 4, Touched: 3, Share: metrics.Some(0.75)},
		LeadResponse: metrics.Response{Count: 3, Answered: 2, Median: metrics.Some(90 * time.Minute)}}
	r.ActivityMeasures.BeforeClose = []metrics.ActivityPresence{{Type: domain.ActivityMeeting, WonDeals: 2, WonWith: 2, WonShare: metrics.Some(1.0), LostDeals: 1, LostShare: metrics.Some(0.0)}}
	r.Territories = []metrics.TerritoryReport{
		{ID: "n", Name: "North", OpenDeals: 3, OpenPipeline: eur(31200), Won: 2, WonAmount: eur(14500), WinRate: metrics.Some(1.0),
			AvgDealSize: metrics.Some(domain.Money{AmountMinor: 725000, Currency: "EUR"}), CycleDays: metrics.Some(8.0), Coverage: metrics.Some(0.4132), OpenDealsPerRep: 1.5},
		{ID: "s", Name: "South", OpenDeals: 1, OpenPipeline: eur(1000), Lost: 1, WonAmount: eur(0), WinRate: metrics.Some(0.0),
			AvgDealSize: metrics.NA[domain.Money](metrics.WhyNothingWon), CycleDays: metrics.NA[float64](metrics.WhyNothingWon), Coverage: metrics.NA[float64](metrics.WhyNoQuota), OpenDealsPerRep: 1},
	}
	r.Forecast.Accuracy = metrics.ForecastAccuracy{Key: "2026-Q3", Call: metrics.Some(domain.Money{AmountMinor: 2000000, Currency: "EUR"}),
		Actual: eur(12000), Accuracy: metrics.Some(0.6)}
	r.Commission = metrics.CommissionReport{PeriodKey: "2026-Q4", Statements: []metrics.CommissionStatement{{RepID: "ae2", Currency: "EUR",
		Booked: eur(180000).Money, Total: eur(18500).Money, Adjustments: []metrics.CommissionAdjustment{{Kind: "clawback", Amount: eur(-1000).Money}}}}}
	mgr, _ := org.Rep("mgr")
	team, _ := org.Team("t1")
	for locale, want := range map[string][]string{
		"en-US": {
			"Competitors\n-----------\nMüller Soft: 2 deals open (€30,000); win rate 50% (1 won, 1 lost)\n\nForecast 2026-Q4",
			"Meetings booked: 3 (2 qualified)", "Proposals sent: 1", "Follow-up consistency: 75% (3 of 4 deals touched in time)",
			"Lead response time: median 1.5 h (2 of 3 answered)", "- Meetings: in 100% of won deals, 0% of lost deals",
			"North: pipeline €31,200 (3 deals); won €14,500 (2); win rate 100%; avg €7,250; cycle 8.0 days; coverage 0.4×; 1.5 open deals per rep",
			"South: pipeline €1,000 (1 deal); won €0 (0); win rate 0%; avg –; cycle –; coverage – (no quota); 1.0 open deals per rep",
			"Forecast 2026-Q4\n----------------\nClosed: €",
			"Call accuracy 2026-Q3: 60% (called €20,000, won €12,000)",
			"Commission 2026-Q4\n------------------\nBob Late: €18,500 (booked €180,000, adjustments -€1,000)",
		},
		"de-DE": {
			"Müller Soft: 2 Deals offen (30.000\u00a0€); Abschlussquote 50\u00a0% (1 gewonnen, 1 verloren)",
			"Gebuchte Termine: 3 (2 qualifiziert)", "Nachfass-Disziplin: 75\u00a0% (3 von 4 Deals rechtzeitig bearbeitet)",
			"Reaktionszeit auf Leads: Median 1,5 Std. (2 von 3 beantwortet)",
			"Prognosegenauigkeit 2026-Q3: 60\u00a0% (prognostiziert 20.000\u00a0€, gewonnen 12.000\u00a0€)", "Gebiete\n-------\nNorth: Pipeline 31.200\u00a0€ (3 Deals)",
		},
	} {
		m := *mgr
		m.Locale = locale
		e, err := Render(r, Options{Org: org, Manager: &m, Team: team, NoCharts: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(e.Text, w) {
				t.Errorf("%s text lacks %q:\n%s", locale, w, e.Text)
			}
		}
		if strings.Contains(e.Text, "Quiet Rival") {
			t.Errorf("%s: a competitor with no deal is not shown", locale)
		}
		if !strings.Contains(e.HTML, "Müller Soft</td><td>") {
			t.Errorf("%s HTML lacks the competitor row", locale)
		}
	}
}
