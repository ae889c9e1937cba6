package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
)

// HandoffWriteBackAttribute is the lead attribute holding the write-back after an accepted
// handoff (the AE as owner in HubSpot), shown on the lead's console page.
const HandoffWriteBackAttribute = "dealflow.hubspot_handoff_write_back"

// DealRef is the input of hubspot-deal-owner (the sdr-ae-handoff workflow's $.deal).
type DealRef struct {
	DealID string `json:"dealId"`
}

// WriteDealOwner makes the AE who accepted a handoff the owner in HubSpot, when the org opts in
// (write_back.owner): of the HubSpot deal the dealflow deal mirrors (source hubspot), and of the
// HubSpot contact the handoff's lead came from. Read-compare-write, so a retry writes nothing
// twice; the outcome is recorded on the lead.
func (s *Service) WriteDealOwner(ctx context.Context, in DealRef) (WriteBackResult, error) {
	if in.DealID == "" {
		return WriteBackResult{}, platform.ErrBadInput{Reason: "dealId is required"}
	}
	if !s.Org.Integrations.HubSpot.WriteBack.Owner {
		return WriteBackResult{Skipped: "owner write-back is off (integrations.hubspot.write_back.owner)"}, nil
	}
	if s.API == nil {
		return WriteBackResult{Skipped: "no HubSpot client configured"}, nil
	}
	dl, err := s.Store.GetDeal(ctx, in.DealID)
	if errors.Is(err, store.ErrNotFound) {
		return WriteBackResult{}, platform.ErrBadInput{Reason: "deal " + in.DealID + " not found"}
	} else if err != nil {
		return WriteBackResult{}, platform.ErrStoreUnavailable{Op: "get deal"}
	}
	var l domain.Lead
	if dl.LeadID != "" {
		if l, err = platform.LoadLead(ctx, s.Store, s.Log, dl.LeadID); err != nil {
			return WriteBackResult{}, err
		}
	}
	type target struct{ kind, id string }
	var targets []target
	if dl.Source == "hubspot" && dl.ExternalID != "" {
		targets = append(targets, target{"deal", dl.ExternalID})
	}
	if l.Source == "hubspot" && l.ExternalID != "" {
		targets = append(targets, target{"contact", l.ExternalID})
	}
	if len(targets) == 0 {
		return WriteBackResult{Skipped: "neither the deal nor its lead is in HubSpot"}, nil
	}
	rep, ok := s.Org.Rep(dl.OwnerID)
	if !ok || rep.Email == "" {
		return WriteBackResult{Skipped: "owner " + dl.OwnerID + " has no email in the org file"}, nil
	}
	oid, found, err := s.API.OwnerIDByEmail(ctx, rep.Email)
	if err != nil {
		return WriteBackResult{}, crmError("list owners", "", err)
	}
	res := WriteBackResult{Written: map[string]string{}}
	now := s.Clock.Now().UTC().Format(time.RFC3339)
	if !found {
		res.Skipped = "no HubSpot owner has the email " + rep.Email
		res.Record = now + " nothing written: " + res.Skipped
	}
	for _, t := range targets {
		if !found {
			break
		}
		get, patch := s.API.GetContact, s.API.UpdateContact
		if t.kind == "deal" {
			get, patch = s.API.GetDeal, s.API.UpdateDeal
		}
		cur, err := get(ctx, t.id, []string{"hubspot_owner_id"})
		if err == nil && cur.Properties["hubspot_owner_id"] != oid {
			_, err = patch(ctx, t.id, map[string]string{"hubspot_owner_id": oid})
			if err == nil {
				res.Written[t.kind+" "+t.id] = oid
				res.Status = http.StatusOK
			}
		}
		if err != nil {
			if IsTemporary(err) || !isAPIError(err) {
				return WriteBackResult{}, ErrCRMUnavailable{Op: "owner of " + t.kind + " " + t.id, Cause: err.Error()}
			}
			res.Record += fmt.Sprintf("%s owner of %s %s refused: %v; ", now, t.kind, t.id, err)
			continue
		}
		verb := "already owned by"
		if _, w := res.Written[t.kind+" "+t.id]; w {
			verb = "PATCH hubspot_owner_id=" + oid + " → 200,"
		}
		res.Record += fmt.Sprintf("%s %s %s %s %s (%s); ", now, t.kind, t.id, verb, oid, rep.ID)
	}
	if l.ID != "" {
		if _, err := s.Store.UpdateLead(ctx, l.ID, func(old domain.Lead) (domain.Lead, error) {
			attrs := make(map[string]string, len(old.Attributes)+1)
			for k, v := range old.Attributes {
				attrs[k] = v
			}
			attrs[HandoffWriteBackAttribute] = res.Record
			old.Attributes = attrs
			return old, nil
		}); err != nil {
			return res, platform.ErrStoreUnavailable{Op: "record write-back"}
		}
	}
	s.Log.Info("HubSpot owner after handoff", "deal_id", dl.ID, "record", res.Record)
	return res, nil
}
