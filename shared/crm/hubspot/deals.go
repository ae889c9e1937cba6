package hubspot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/webhook"
)

// hubSpotObject handles an event of the webhook batch that is not about a contact (deals) and
// records the outcome in res; the event is marked seen only once it is fully processed, as for
// contacts. handled=false leaves the event to the contact intake.
func (in *Service) hubSpotObject(ctx context.Context, ev webhook.HubSpotEvent, res *HubSpotResult) (bool, error) {
	for _, h := range []func(context.Context, webhook.HubSpotEvent) (bool, string, string, error){in.dealEvent, in.companyEvent} {
		handled, ref, why, err := h(ctx, ev)
		if err != nil {
			return true, err
		}
		if !handled {
			continue
		}
		if ref == "" {
			res.Ignored = append(res.Ignored, fmt.Sprintf("event %d: %s", ev.EventID, why))
			return true, nil
		}
		_, created, err := in.Store.PutIdempotencyKey(ctx, "hubspot-event:"+ev.DedupeKey(), ref, 30*24*time.Hour)
		if err != nil {
			return true, err
		}
		if !created {
			res.Duplicates++
		} else {
			res.Accepted = append(res.Accepted, ref)
		}
		return true, nil
	}
	return false, nil
}

// companyEvent acknowledges company events. They become accounts through Service.Accounts (the
// accounts side of package lead); until that is wired they are listed as ignored, with why.
func (in *Service) companyEvent(_ context.Context, ev webhook.HubSpotEvent) (bool, string, string, error) {
	if !strings.HasPrefix(ev.SubscriptionType, "company.") && ev.ObjectTypeID != "0-2" {
		return false, "", "", nil
	}
	return true, "", fmt.Sprintf("company %d: %s is not synced yet (company events need the accounts capability)", ev.ObjectID, ev.SubscriptionType), nil
}

// isHubSpotDeal reports whether the event concerns a deal, in either subscription format
// ("deal.propertyChange" or "object.propertyChange" with objectTypeId 0-3).
func isHubSpotDeal(ev webhook.HubSpotEvent) bool {
	return strings.HasPrefix(ev.SubscriptionType, "deal.") || ev.ObjectTypeID == "0-3"
}

// hubspotDealEvent maps deal.propertyChange of dealstage, amount and closedate onto the same
// deal changes as PATCH /v1/deals/{id}. Deals are matched by the HubSpot deal id they were created
// with (source hubspot, externalId); other deal events are acknowledged and ignored.
// https://developers.hubspot.com/docs/api/webhooks (deal.propertyChange payloads)
func (d *Service) dealEvent(ctx context.Context, ev webhook.HubSpotEvent) (bool, string, string, error) {
	if !isHubSpotDeal(ev) {
		return false, "", "", nil
	}
	hsID := strconv.FormatInt(ev.ObjectID, 10)
	if ev.Action() != "propertyChange" {
		return true, "", fmt.Sprintf("deal %s: %s is not a property change", hsID, ev.SubscriptionType), nil
	}
	switch ev.PropertyName {
	case "dealstage", "amount", "closedate":
	default:
		return true, "", fmt.Sprintf("deal %s: property %q is not synced", hsID, ev.PropertyName), nil
	}
	dealID, err := d.dealForHubSpot(ctx, hsID)
	if errors.Is(err, store.ErrNotFound) {
		return true, "", fmt.Sprintf("deal %s is not known to dealflow (create it with POST /v1/deals, source hubspot, externalId %s)", hsID, hsID), nil
	}
	if err != nil {
		return true, "", "", err
	}
	dl, err := d.Store.GetDeal(ctx, dealID)
	if err != nil {
		return true, "", "", fmt.Errorf("hubspot deal %s: %w", hsID, err)
	}
	p, why := hubspotDealPatch(d.Org, dl, ev)
	if why != "" {
		return true, "", fmt.Sprintf("deal %s: %s", hsID, why), nil
	}
	if _, err := d.Deals.UpdateDealFields(ctx, dealID, p); err != nil {
		var inv *domain.InvalidError
		if errors.As(err, &inv) {
			return true, "", fmt.Sprintf("deal %s: %s", hsID, inv.Error()), nil
		}
		return true, "", "", err
	}
	return true, dealID, "", nil
}

// dealForHubSpot finds the dealflow deal mirroring a HubSpot deal: the mapping key written when
// the deal was created, else the deterministic id of a deal created with source hubspot.
func (d *Service) dealForHubSpot(ctx context.Context, hsID string) (string, error) {
	candidate := deal.HubSpotDealID(hsID)
	got, created, err := d.Store.PutIdempotencyKey(ctx, deal.HubSpotDealKey(hsID), candidate, 0)
	if err != nil {
		return "", err
	}
	if !created {
		return got, nil
	}
	// Nothing mapped yet: keep the claim only if the deal exists under the deterministic id.
	if _, err := d.Store.GetDeal(ctx, candidate); err != nil {
		if rerr := d.Store.ReleaseIdempotencyKey(ctx, deal.HubSpotDealKey(hsID), candidate); rerr != nil {
			return "", rerr
		}
		return "", err
	}
	return candidate, nil
}

// hubspotDealPatch turns one property change into a deal patch, or says why it is ignored.
// HubSpot does not guarantee delivery order, so a stage change older than the deal's current
// stage is stale and ignored rather than moving the deal back.
func hubspotDealPatch(org *domain.Org, dl domain.Deal, ev webhook.HubSpotEvent) (deal.DealPatch, string) {
	p := deal.DealPatch{At: ev.OccurredAt(), FromCRM: true}
	if ev.OccurredAtMS == 0 {
		p.At = time.Time{}
	}
	v := strings.TrimSpace(ev.PropertyValue)
	switch ev.PropertyName {
	case "dealstage":
		pipe, ok := org.Pipeline(dl.Pipeline)
		if !ok {
			return p, "pipeline " + dl.Pipeline + " is not in the org file"
		}
		stage := ""
		for _, s := range pipe.Stages {
			if s.HubSpotID != "" && s.HubSpotID == v {
				stage = s.ID
			}
		}
		if stage == "" {
			return p, fmt.Sprintf("HubSpot stage %q maps onto no stage of pipeline %s (set hubspot_id in the org file)", v, pipe.ID)
		}
		if n := len(dl.StageHistory); n > 0 && !p.At.IsZero() && p.At.Before(dl.StageHistory[n-1].EnteredAt) {
			if stage == dl.Stage {
				return p, "" // a redelivery of the change that put it there: nothing to do
			}
			return p, fmt.Sprintf("stage change to %s at %s is older than the current stage %s; ignored as stale",
				stage, p.At.Format(time.RFC3339), dl.Stage)
		}
		p.Stage = &stage
	case "amount":
		if v == "" {
			zero := "0"
			p.Amount = &zero
		} else {
			p.Amount = &v
		}
	case "closedate":
		if v == "" {
			p.ClearCloseDate = true
			break
		}
		t, ok := hubspotDate(v)
		if !ok {
			return p, fmt.Sprintf("closedate %q is neither epoch milliseconds nor a date", v)
		}
		p.CloseDate = &t
	}
	return p, ""
}

// hubspotDate reads a HubSpot date property: epoch milliseconds (what webhooks send) or ISO 8601.
func hubspotDate(v string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		t := time.UnixMilli(ms).UTC()
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			t = t.UTC()
			return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}
