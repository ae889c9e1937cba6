package hubspot

import (
	"context"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/webhook"
)

// routingProperties are the contact properties scoring and routing read (the lead fields of
// webhook.HubSpotContactInput); a change to any other property changes nothing in dealflow.
var routingProperties = map[string]bool{"email": true, "firstname": true, "lastname": true, "company": true, "website": true,
	"jobtitle": true, "phone": true, "mobilephone": true, "country": true, "state": true, "numberofemployees": true, "industry": true}

// contactChange applies a contact.propertyChange to the contact's lead and re-scores it (a lead
// not yet qualified is scored by the workflow). why says why nothing changed.
func (in *Service) contactChange(ctx context.Context, leadID string, ev webhook.HubSpotEvent) (why string, err error) {
	prop := strings.ToLower(ev.PropertyName)
	if !routingProperties[prop] {
		return "property " + ev.PropertyName + " does not affect scoring or routing", nil
	}
	l, err := in.Store.GetLead(ctx, leadID)
	if err != nil {
		return "", err
	}
	if l.Email == "" {
		return "", nil // the contact is still to be read in the workflow, which reads this change too
	}
	input := webhook.HubSpotContactInput(ev.ObjectID, map[string]string{prop: ev.PropertyValue})
	if prop != "email" {
		input.Email = l.Email
	}
	norm, nerr := in.Leads.Normalizer.Normalize(input)
	if nerr != nil {
		return nerr.Error(), nil
	}
	now := in.Clock.Now()
	model := lead.ScoringModel(in.Org.Scoring)
	_, err = in.Store.UpdateLead(ctx, leadID, func(old domain.Lead) (domain.Lead, error) {
		m := withContact(old, norm.Lead, now)
		if m.Status != domain.LeadNew && m.Status != "" {
			// Re-score: the score and its explanation follow the contact; the status (routed,
			// disqualified) is the workflow's and stays.
			r := model.Score(m, nil, now)
			m.Score, m.ScoreExplanation = r.Score, r.Lines
			if m.Status != domain.LeadDisqualified && !r.Disqualified {
				m.Grade = r.Grade
			}
		}
		return m, nil
	})
	if err == nil {
		in.Log.Info("HubSpot contact change merged", "lead_id", leadID, "property", prop)
	}
	return "", err
}
