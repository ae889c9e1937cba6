package i18n

// Texts of a lead's lifecycle (domain.LeadStatuses), the same words in the API's docs, the
// console and the emails, and the note to an AE whose handoff was withdrawn.
func init() {
	Add(English, map[string]string{
		"lead.status.new":           "New",
		"lead.status.qualified":     "Qualified",
		"lead.status.disqualified":  "Disqualified",
		"lead.status.routed":        "Routed",
		"lead.status.handed_off":    "Handed off (AE to accept)",
		"lead.status.converted":     "Converted to a deal",
		"lead.status.won":           "Won",
		"lead.status.lost":          "Lost",
		"lead.status.recycled":      "Recycled (back to nurture)",
		"lead.field.status":         "Status",
		"handoff.withdrawn.subject": "Handoff withdrawn: %s",
		"handoff.withdrawn.intro":   "%s withdrew the handoff of %s. There is nothing for you to do; the Accept and Decline links no longer work.",
	})
	Add(German, map[string]string{
		"lead.status.new":           "Neu",
		"lead.status.qualified":     "Qualifiziert",
		"lead.status.disqualified":  "Disqualifiziert",
		"lead.status.routed":        "Zugewiesen",
		"lead.status.handed_off":    "Übergeben (AE muss annehmen)",
		"lead.status.converted":     "In Deal umgewandelt",
		"lead.status.won":           "Gewonnen",
		"lead.status.lost":          "Verloren",
		"lead.status.recycled":      "Zurück ins Nurturing",
		"lead.field.status":         "Status",
		"handoff.withdrawn.subject": "Übergabe zurückgezogen: %s",
		"handoff.withdrawn.intro":   "%s hat die Übergabe von %s zurückgezogen. Du musst nichts tun; die Links zum Annehmen und Ablehnen gelten nicht mehr.",
	})
}
