package hubspot

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/webhook"
)

// requestURI is the full URI the caller used: what HubSpot signs.
func (in *Service) requestURI(r *http.Request) string {
	if in.PublicURL != "" {
		return strings.TrimSuffix(in.PublicURL, "/") + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") || r.URL.Scheme == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// HubSpotResult summarises one webhook batch.
type HubSpotResult struct {
	Accepted   []string `json:"accepted"`
	Duplicates int      `json:"duplicates"`
	Ignored    []string `json:"ignored,omitempty"`
}

func (in *Service) postHubSpot(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	req := webhook.HubSpotRequestFromHeaders(r.Method, in.requestURI(r), body, r.Header.Get)
	if err := in.HubSpot.Verify(req, in.Clock.Now()); err != nil {
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusUnauthorized, Code: "InvalidSignature", Message: err.Error()})
		return
	}
	evs, err := webhook.ParseHubSpotBatch(body)
	if err != nil {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidBatch", "the webhook batch has invalid events", lead.FieldErrors(err)...))
		return
	}
	var res HubSpotResult
	for _, ev := range evs {
		if handled, err := in.hubSpotObject(r.Context(), ev, &res); handled {
			if err != nil {
				in.unavailable(w, err)
				return
			}
			continue
		}
		if !ev.IsContact() || (ev.Action() != "creation" && ev.Action() != "propertyChange") {
			res.Ignored = append(res.Ignored, fmt.Sprintf("event %d: %s is not a contact creation or change", ev.EventID, ev.SubscriptionType))
			continue
		}
		// Processing is idempotent (the contact id dedupes the lead, a property change merges to
		// the same value), so the event is marked seen only once it is fully processed: a
		// failure part-way answers 503 and HubSpot's retry does the work again.
		props := map[string]string{}
		if in.CRM != nil {
			if props, err = in.CRM.Contact(r.Context(), ev.ObjectID); err != nil {
				in.unavailable(w, fmt.Errorf("read contact %d from HubSpot: %w", ev.ObjectID, err))
				return
			}
		}
		if ev.PropertyName != "" {
			props[ev.PropertyName] = ev.PropertyValue
		}
		norm, err := in.Leads.Normalizer.Normalize(webhook.HubSpotContactInput(ev.ObjectID, props))
		if err != nil {
			res.Ignored = append(res.Ignored, fmt.Sprintf("event %d: contact %d: %v", ev.EventID, ev.ObjectID, err))
			continue
		}
		acc, err := in.Leads.Accept(r.Context(), norm.Lead, "")
		if err == nil && acc.Duplicate && ev.Action() == "propertyChange" {
			_, err = in.Leads.MergeInto(r.Context(), acc.ID, norm.Lead, "hubspot-event:"+ev.DedupeKey())
		}
		if err != nil {
			in.unavailable(w, err)
			return
		}
		_, created, err := in.Store.PutIdempotencyKey(r.Context(), "hubspot-event:"+ev.DedupeKey(), acc.ID, 30*24*time.Hour)
		if err != nil {
			in.unavailable(w, err)
			return
		}
		if !created {
			res.Duplicates++
			continue
		}
		res.Accepted = append(res.Accepted, acc.ID)
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
}

func (in *Service) unavailable(w http.ResponseWriter, err error) {
	in.Log.Error("intake unavailable", "error", err.Error())
	httpapi.WriteError(w, &httpapi.Error{Status: http.StatusServiceUnavailable, Code: "Unavailable", Message: "temporarily unavailable; retry later"})
}
