package handoff

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/store"
)

// guardHandoff refuses a handoff no sales team would accept, saying why and what to do: a
// disqualified lead (unless override with a reason), a lead already converted or with an open
// deal (the answer names the deal), and an SDR who neither owns the lead, is in the owner's
// team, nor manages it. The actor is the request's sdrId until requests carry an identity.
func (d *Service) guardHandoff(ctx context.Context, l domain.Lead, req HandoffRequest) error {
	if l.Status == domain.LeadDisqualified {
		switch {
		case !req.Override:
			why := "the lead is disqualified"
			if l.DisqualifyReason != "" {
				why += " (" + l.DisqualifyReason + ")"
			}
			return &httpapi.Error{Status: http.StatusUnprocessableEntity, Code: "LeadDisqualified",
				Message: fmt.Sprintf("lead %s cannot be handed off: %s. To hand it off anyway, send \"override\": true with an \"overrideReason\"", l.ID, why),
				Fields:  []httpapi.FieldError{{Field: "override", Reason: why + "; override: true with a reason hands it off anyway"}}}
		case req.OverrideReason == "":
			return httpapi.BadRequest("InvalidHandoff", "an override needs a reason, which is recorded on the handoff",
				httpapi.FieldError{Field: "overrideReason", Reason: "required with override: true"})
		}
	}
	if l.DealID != "" {
		dl, err := d.Store.GetDeal(ctx, l.DealID)
		switch {
		case err == nil && dl.IsOpen():
			return &httpapi.Error{Status: http.StatusConflict, Code: "DealOpen",
				Message: fmt.Sprintf("lead %s already has the open deal %s (owner %s); work that deal instead of handing the lead off again", l.ID, dl.ID, dl.OwnerID),
				Fields:  []httpapi.FieldError{{Field: "leadId", Reason: "has the open deal " + dl.ID}}}
		case err == nil && l.Status != domain.LeadRecycled:
			return &httpapi.Error{Status: http.StatusConflict, Code: "LeadConverted",
				Message: fmt.Sprintf("lead %s was already converted into deal %s (%s); a lead is handed off once, unless it was recycled to nurture", l.ID, dl.ID, dl.Status),
				Fields:  []httpapi.FieldError{{Field: "leadId", Reason: "converted into deal " + dl.ID}}}
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return fmt.Errorf("get deal %s of lead %s: %w", l.DealID, l.ID, err)
		}
	}
	if !d.mayHandOff(req.SDRID, l.OwnerID) {
		return &httpapi.Error{Status: http.StatusForbidden, Code: "NotLeadOwner",
			Message: fmt.Sprintf("%s may not hand off lead %s: only its owner %s, a member of the owner's team or their manager may", req.SDRID, l.ID, l.OwnerID),
			Fields:  []httpapi.FieldError{{Field: "sdrId", Reason: "not the lead's owner, in the owner's team, or the owner's manager"}}}
	}
	return nil
}

// mayHandOff: the lead's owner, a member of the owner's team, or the owner's manager. A lead
// without an owner (in a queue) may be handed off by anyone.
func (d *Service) mayHandOff(actor, owner string) bool {
	if owner == "" || actor == owner {
		return true
	}
	o, ok := d.Org.Rep(owner)
	if !ok {
		return false
	}
	if a, ok := d.Org.Rep(actor); ok && a.Team != "" && a.Team == o.Team {
		return true
	}
	if m, ok := d.Org.ManagerOf(owner); ok && m.ID == actor {
		return true
	}
	return false
}

// setLeadStatus moves the lead along its lifecycle (dealID is kept when ""). Best effort: the
// handoff is the record of truth and a failure here only logs.
func (d *Service) setLeadStatus(ctx context.Context, leadID string, status domain.LeadStatus, dealID string) {
	_, err := d.Store.UpdateLead(ctx, leadID, func(l domain.Lead) (domain.Lead, error) {
		l.Status, l.UpdatedAt = status, d.Clock.Now()
		if dealID != "" {
			l.DealID = dealID
		}
		return l, nil
	})
	if err != nil {
		d.Log.Warn("lead status not updated", "lead_id", leadID, "status", string(status), "error", err.Error())
	}
}
