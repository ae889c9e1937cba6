package httpapi

import "net/http"

// The handoff area: an SDR hands a qualified lead to an AE, who accepts or declines through signed
// links from the email (shared/handlers/handoff*.go, statemachines/sdr-ae-handoff.asl.json).
func init() {
	signed := map[int]Response{
		http.StatusUnauthorized:         {Description: "Missing, stale or wrong Dealflow-Signature."},
		http.StatusUnsupportedMediaType: {Description: "Content-Type is not application/json."},
		http.StatusServiceUnavailable:   {Description: "Temporarily unavailable; nothing was changed, retry."},
	}
	with := func(extra map[int]Response) map[int]Response {
		out := map[int]Response{}
		for k, v := range signed {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	DescribeSchema("HandoffInput", Schema{
		"type": "object", "required": []string{"sdrId", "notes"}, "additionalProperties": false,
		"properties": Schema{
			"sdrId": Schema{"type": "string", "description": "the SDR handing over (an active rep of the org file)"},
			"notes": Schema{"type": "object", "additionalProperties": false, "properties": Schema{
				"fields": Schema{"type": "object", "additionalProperties": Schema{"type": "string", "maxLength": 2000},
					"description": "the qualification fields the org file requires (handoff.qualification): bant = budget, authority, need, timeline; meddic = metrics, economic_buyer, decision_criteria, decision_process, identify_pain, champion; custom = handoff.required_fields"},
				"text": Schema{"type": "string", "maxLength": 20000, "description": "free text for the AE"},
			}},
		},
	})
	attempt := Schema{"type": "object", "properties": Schema{
		"aeId": Schema{"type": "string"}, "assignedAt": Schema{"type": "string", "format": "date-time"},
		"slaDueAt": Schema{"type": "string", "format": "date-time"}, "endedAt": Schema{"type": "string", "format": "date-time"},
		"outcome": Schema{"enum": []string{"accepted", "declined", "expired", "withdrawn"}}, "reason": Schema{"type": "string"},
		"remindedAt": Schema{"type": "string", "format": "date-time"}}}
	DescribeSchema("Handoff", Schema{
		"type": "object", "required": []string{"id", "leadId", "sdrId", "status"},
		"properties": Schema{
			"id": Schema{"type": "string"}, "leadId": Schema{"type": "string"}, "sdrId": Schema{"type": "string"},
			"aeId":   Schema{"type": "string", "description": "the AE asked now (or last)"},
			"status": Schema{"enum": []string{"requested", "accepted", "expired", "withdrawn"}, "description": "requested while an AE is asked; expired when no AE took it and the lead went to the fallback queue"},
			"notes":  Schema{"type": "object"}, "requestedAt": Schema{"type": "string", "format": "date-time"},
			"slaDueAt": Schema{"type": "string", "format": "date-time"}, "acceptedAt": Schema{"type": "string", "format": "date-time"},
			"acceptedBy": Schema{"type": "string"}, "dealId": Schema{"type": "string", "description": "the deal created on accept"},
			"attempts": Schema{"type": "array", "items": attempt},
		},
	})
	Describe(http.MethodPost, "/v1/leads/{id}/handoff", Doc{Tags: []string{"handoffs"},
		Description: "Every missing qualification field is listed in error.fields. The AE is the account owner, else the org's handoff routing rules pick one; the SLA (handoff.sla_business_hours) runs in the AE's business hours.",
		Request: &Body{Schema: Ref("HandoffInput"), Example: map[string]any{"sdrId": "jonas-becker", "notes": map[string]any{
			"fields": map[string]string{"budget": "40k EUR this year", "authority": "CFO signs", "need": "replace spreadsheets", "timeline": "Q1"},
			"text":   "Demo went well; wants a call with finance."}}},
		Responses: with(map[int]Response{
			http.StatusAccepted:   {Description: "The handoff; its workflow asks the AE now.", Body: &Body{Schema: Ref("Handoff")}},
			http.StatusOK:         {Description: "The same handoff was already requested.", Body: &Body{Schema: Ref("Handoff")}},
			http.StatusBadRequest: {Description: "Missing qualification fields or invalid fields (see error.fields)."},
			http.StatusNotFound:   {Description: "No such lead."},
			http.StatusConflict:   {Description: "The lead has an open handoff."},
		})})
	Describe(http.MethodGet, "/v1/handoffs/{id}", Doc{Tags: []string{"handoffs"},
		Responses: map[int]Response{
			http.StatusOK:           {Description: "The handoff.", Body: &Body{Schema: Ref("Handoff")}},
			http.StatusUnauthorized: {Description: "Missing, stale or wrong Dealflow-Signature (over an empty body)."},
			http.StatusNotFound:     {Description: "No such handoff."},
		}})
	Describe(http.MethodPost, "/v1/handoffs/{id}/withdraw", Doc{Tags: []string{"handoffs"},
		Request: &Body{Schema: Schema{"type": "object", "additionalProperties": false, "properties": Schema{
			"sdrId":  Schema{"type": "string", "description": "when given, must be the handoff's SDR"},
			"reason": Schema{"type": "string"}}}, Example: map[string]any{"sdrId": "jonas-becker", "reason": "customer paused the project"}},
		Responses: with(map[int]Response{
			http.StatusOK:         {Description: "The withdrawn handoff; its workflow ends.", Body: &Body{Schema: Ref("Handoff")}},
			http.StatusBadRequest: {Description: "sdrId is not the handoff's SDR."},
			http.StatusNotFound:   {Description: "No such handoff."},
			http.StatusConflict:   {Description: "The handoff is already accepted, expired or withdrawn."},
		})})
	linkParams := []Param{
		{Name: "attempt", In: "query", Required: true, Description: "which AE asked (1 = the first)"},
		{Name: "ae", In: "query", Required: true, Description: "the AE the link was sent to"},
		{Name: "exp", In: "query", Required: true, Description: "link expiry, Unix seconds: the end of the AE's acceptance window"},
		{Name: "sig", In: "query", Required: true, Description: "HMAC-SHA256 of the link, from the email"},
	}
	html := &Body{ContentType: "text/html", Schema: Schema{"type": "string"}}
	pages := func(ok string) map[int]Response {
		return map[int]Response{
			http.StatusOK:                 {Description: ok, Body: html},
			http.StatusForbidden:          {Description: "The link is invalid.", Body: html},
			http.StatusNotFound:           {Description: "No such handoff.", Body: html},
			http.StatusConflict:           {Description: "Already answered: \"already accepted by X at T\".", Body: html},
			http.StatusGone:               {Description: "Expired: \"this handoff was reassigned to Y\", moved to the fallback queue, or withdrawn.", Body: html},
			http.StatusServiceUnavailable: {Description: "Temporarily unavailable; nothing was changed.", Body: html},
		}
	}
	scanners := "A GET changes nothing (mail scanners open every link): it shows a page whose button POSTs the same URL."
	Describe(http.MethodGet, "/v1/handoffs/{id}/accept", Doc{Tags: []string{"handoffs"}, Params: linkParams, Description: scanners,
		Responses: pages("The confirmation page.")})
	Describe(http.MethodPost, "/v1/handoffs/{id}/accept", Doc{Tags: []string{"handoffs"}, Params: linkParams,
		Responses: pages("Accepted; the workflow creates the deal with the AE as owner.")})
	Describe(http.MethodGet, "/v1/handoffs/{id}/decline", Doc{Tags: []string{"handoffs"}, Params: linkParams, Description: scanners,
		Responses: pages("The decline form (a reason is required).")})
	declined := pages("Declined; the workflow asks the next AE and tells the SDR.")
	declined[http.StatusBadRequest] = Response{Description: "No reason given: the form again.", Body: html}
	Describe(http.MethodPost, "/v1/handoffs/{id}/decline", Doc{Tags: []string{"handoffs"}, Params: linkParams,
		Request:   &Body{ContentType: "application/x-www-form-urlencoded", Schema: Schema{"type": "object", "required": []string{"reason"}, "properties": Schema{"reason": Schema{"type": "string", "maxLength": 2000}}}},
		Responses: declined})
}
