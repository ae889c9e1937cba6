package i18n

// Texts of the digest's insight sections: competitors, activity measures, territories
// (shared/digest/render/insight.go).
func init() {
	Add(English, map[string]string{
		"digest.section.competitors":     "Competitors",
		"digest.competitor.line":         "%s open (%s); win rate %s (%d won, %d lost)",
		"digest.section.activity_health": "Activity measures",
		"digest.act.meetings":            "Meetings booked",
		"digest.act.meetings_value":      "%s (%s qualified)",
		"digest.act.proposals":           "Proposals sent",
		"digest.act.follow_up":           "Follow-up consistency",
		"digest.act.follow_up_value":     "%s (%d of %d deals touched in time)",
		"digest.act.lead_response":       "Lead response time",
		"digest.act.handoff_response":    "Handoff response time",
		"digest.act.response_value":      "median %s (%d of %d answered)",
		"digest.act.before_close":        "%s: in %s of won deals, %s of lost deals",
		"digest.section.territories":     "Territories",
		"digest.territory.line":          "pipeline %s (%s); won %s (%d); win rate %s; avg %s; cycle %s; coverage %s; %s open deals per rep",
		"digest.na.nothing_lost":         "nothing lost",
		"digest.na.none_answered":        "none answered",
	})
	Add(German, map[string]string{
		"digest.section.competitors":     "Wettbewerber",
		"digest.competitor.line":         "%s offen (%s); Abschlussquote %s (%d gewonnen, %d verloren)",
		"digest.section.activity_health": "Aktivitäten",
		"digest.act.meetings":            "Gebuchte Termine",
		"digest.act.meetings_value":      "%s (%s qualifiziert)",
		"digest.act.proposals":           "Versendete Angebote",
		"digest.act.follow_up":           "Nachfass-Disziplin",
		"digest.act.follow_up_value":     "%s (%d von %d Deals rechtzeitig bearbeitet)",
		"digest.act.lead_response":       "Reaktionszeit auf Leads",
		"digest.act.handoff_response":    "Reaktionszeit auf Übergaben",
		"digest.act.response_value":      "Median %s (%d von %d beantwortet)",
		"digest.act.before_close":        "%s: in %s der gewonnenen, %s der verlorenen Deals",
		"digest.section.territories":     "Gebiete",
		"digest.territory.line":          "Pipeline %s (%s); gewonnen %s (%d); Abschlussquote %s; Ø %s; Zyklus %s; Abdeckung %s; %s offene Deals je Vertriebler",
		"digest.na.nothing_lost":         "nichts verloren",
		"digest.na.none_answered":        "nichts beantwortet",
	})
}
