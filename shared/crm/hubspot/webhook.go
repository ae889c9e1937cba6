package hubspot

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/webhook"
)

// signedURIs are the URIs HubSpot may have signed, in the order they are tried: the one the
// request was made to (scheme and host as received; on Lambda, API Gateway's domain name), then
// the same path under settings.public_url when it names another origin (a proxy or a custom
// domain in front). v3 signs the full URL HubSpot called:
// https://developers.hubspot.com/docs/api/webhooks/validating-requests
func (in *Service) signedURIs(r *http.Request) []string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") || r.URL.Scheme == "https" {
		scheme = "https"
	}
	called := scheme + "://" + r.Host + r.URL.RequestURI()
	out := []string{called}
	if in.PublicURL != "" {
		if pub := strings.TrimSuffix(in.PublicURL, "/") + r.URL.RequestURI(); pub != called {
			out = append(out, pub)
		}
	}
	return out
}

// verify accepts the request when its signature holds for one of the URIs it may have been
// signed over; the error names the URIs tried.
func (in *Service) verify(r *http.Request, body []byte) error {
	uris := in.signedURIs(r)
	var first error
	for _, u := range uris {
		err := in.HubSpot.Verify(webhook.HubSpotRequestFromHeaders(r.Method, u, body, r.Header.Get), in.Clock.Now())
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	return fmt.Errorf("%w (checked against %s)", first, strings.Join(uris, " and "))
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
	if err := in.verify(r, body); err != nil {
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
		// A webhook carries only the contact id (and, for a change, one property): the lead is
		// stored with that id now and the workflow reads the contact from HubSpot, so the answer
		// is 200 once the event is stored and no HubSpot outage can lose it. Processing is
		// idempotent (the contact id dedupes the lead, a property change sets the same value
		// again), so the event is marked seen only once it is fully processed: a failure part-way
		// answers 503 and HubSpot's retry does the work again.
		acc, err := in.Leads.Accept(r.Context(), domain.Lead{Source: "hubspot", ExternalID: strconv.FormatInt(ev.ObjectID, 10)}, "")
		if err == nil && acc.Duplicate && ev.Action() == "propertyChange" {
			var why string
			if why, err = in.contactChange(r.Context(), acc.ID, ev); err == nil && why != "" {
				res.Ignored = append(res.Ignored, fmt.Sprintf("event %d: contact %d: %s", ev.EventID, ev.ObjectID, why))
			}
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
