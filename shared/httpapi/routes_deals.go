package httpapi

import "net/http"

// The deals area: deals and their stage history, activities, follow-up reminder snooze links and
// onboarding milestones (shared/handlers/deals*.go, reminders*.go, onboarding*.go).
func init() {
	signedErrors := map[int]Response{
		http.StatusBadRequest:           {Description: "Invalid fields (see error.fields)."},
		http.StatusUnauthorized:         {Description: "Missing, stale or wrong Dealflow-Signature."},
		http.StatusUnsupportedMediaType: {Description: "Content-Type is not application/json."},
		http.StatusServiceUnavailable:   {Description: "Temporarily unavailable; nothing was changed, retry."},
	}
	with := func(extra map[int]Response) map[int]Response {
		out := map[int]Response{}
		for k, v := range signedErrors {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	money := Schema{"type": []string{"string", "number"}, "description": "decimal amount in major units, e.g. \"12500.00\"; stored exactly in minor units"}
	DescribeSchema("DealInput", Schema{
		"type": "object", "required": []string{"name", "ownerId"}, "additionalProperties": false,
		"properties": Schema{
			"name":       Schema{"type": "string"},
			"pipeline":   Schema{"type": "string", "description": "pipeline id from the org file; default: the default pipeline"},
			"stage":      Schema{"type": "string", "description": "stage id; default: the pipeline's first stage"},
			"ownerId":    Schema{"type": "string", "description": "the owning rep's id (an active rep of the org file)"},
			"amount":     money,
			"currency":   Schema{"type": "string", "description": "ISO 4217 code; default: the org currency"},
			"closeDate":  Schema{"type": "string", "format": "date"},
			"nextStep":   Schema{"type": "string"},
			"accountId":  Schema{"type": "string"},
			"leadId":     Schema{"type": "string"},
			"source":     Schema{"type": "string", "description": "api (default) or hubspot"},
			"externalId": Schema{"type": "string", "description": "the HubSpot deal id for source hubspot; its webhooks then update this deal"},
		},
	})
	DescribeSchema("DealPatch", Schema{
		"type": "object", "additionalProperties": false,
		"properties": Schema{
			"stage":      Schema{"type": "string", "description": "a won or lost stage closes the deal; an open stage reopens a closed one"},
			"amount":     money,
			"currency":   Schema{"type": "string"},
			"closeDate":  Schema{"type": []string{"string", "null"}, "format": "date", "description": "null clears it"},
			"nextStep":   Schema{"type": "string"},
			"lostReason": Schema{"type": "string", "description": "only for a lost deal (or with a lost stage in the same change)"},
			"ownerId":    Schema{"type": "string"},
			"forecastCategory": Schema{"enum": []string{"pipeline", "best_case", "commit", "omitted", ""},
				"description": "overrides the stage's forecast category of an open deal (\"\" returns to it); needs forecastNote and forecastBy"},
			"forecastNote": Schema{"type": "string", "description": "why the category changes; kept in forecastHistory"},
			"forecastBy":   Schema{"type": "string", "description": "the deal's owner or their manager"},
		},
	})
	DescribeSchema("Deal", Schema{
		"type": "object", "required": []string{"id", "pipeline", "stage", "status", "ownerId"},
		"properties": Schema{
			"id": Schema{"type": "string"}, "name": Schema{"type": "string"}, "pipeline": Schema{"type": "string"},
			"stage": Schema{"type": "string"}, "stageName": Schema{"type": "string"}, "probability": Schema{"type": "integer"},
			"status":        Schema{"enum": []string{"open", "won", "lost"}},
			"amount":        Schema{"type": "object", "properties": Schema{"amountMinor": Schema{"type": "integer"}, "currency": Schema{"type": "string"}}},
			"amountDecimal": Schema{"type": "string"}, "closeDate": Schema{"type": "string", "format": "date-time"},
			"ownerId": Schema{"type": "string"}, "nextStep": Schema{"type": "string"}, "lostReason": Schema{"type": "string"},
			"stageHistory": Schema{"type": "array", "items": Schema{"type": "object", "properties": Schema{
				"stage": Schema{"type": "string"}, "enteredAt": Schema{"type": "string", "format": "date-time"},
				"exitedAt": Schema{"type": "string", "format": "date-time"}}}},
		},
	})
	DescribeSchema("ActivityInput", Schema{
		"type": "object", "required": []string{"type", "repId"}, "additionalProperties": false,
		"properties": Schema{
			"type":    Schema{"enum": []string{"email", "call", "meeting", "note", "proposal_sent"}},
			"repId":   Schema{"type": "string"},
			"dealId":  Schema{"type": "string", "description": "dealId or leadId is required"},
			"leadId":  Schema{"type": "string"},
			"at":      Schema{"type": "string", "format": "date-time", "description": "when it happened; default now"},
			"subject": Schema{"type": "string"},
			"notes":   Schema{"type": "string"},
		},
	})
	idem := []Param{{Name: "Idempotency-Key", In: "header", Description: "up to 255 characters; a retry with the same key answers the first result"}}
	Describe(http.MethodPost, "/v1/deals", Doc{Tags: []string{"deals"}, Params: idem,
		Request: &Body{Schema: Ref("DealInput"), Example: map[string]any{"name": "Firma GmbH – Analytics", "ownerId": "anna-weber", "stage": "discovery", "amount": "24000.00", "currency": "EUR", "closeDate": "2026-12-18"}},
		Responses: with(map[int]Response{
			http.StatusCreated: {Description: "The deal; Deal Created is emitted.", Body: &Body{Schema: Ref("Deal")}},
			http.StatusOK:      {Description: "Already created (same Idempotency-Key or HubSpot deal id).", Body: &Body{Schema: Ref("Deal")}},
		})})
	Describe(http.MethodGet, "/v1/deals/{id}", Doc{Tags: []string{"deals"},
		Responses: map[int]Response{
			http.StatusOK:           {Description: "The deal.", Body: &Body{Schema: Ref("Deal")}},
			http.StatusUnauthorized: {Description: "Missing, stale or wrong Dealflow-Signature (over an empty body)."},
			http.StatusNotFound:     {Description: "No such deal."},
		}})
	Describe(http.MethodPatch, "/v1/deals/{id}", Doc{Tags: []string{"deals"},
		Request: &Body{Schema: Ref("DealPatch"), Example: map[string]any{"stage": "closed-lost", "lostReason": "budget frozen"}},
		Responses: with(map[int]Response{
			http.StatusOK:       {Description: "The changed deal; Deal Stage Changed and Deal Closed Won/Lost are emitted with the change.", Body: &Body{Schema: Ref("Deal")}},
			http.StatusNotFound: {Description: "No such deal."},
		})})
	Describe(http.MethodPost, "/v1/activities", Doc{Tags: []string{"deals"}, Params: idem,
		Request: &Body{Schema: Ref("ActivityInput"), Example: map[string]any{"type": "call", "repId": "anna-weber", "dealId": "deal_0123", "at": "2026-11-30T10:15:00Z"}},
		Responses: with(map[int]Response{
			http.StatusCreated: {Description: "The activity; Activity Logged is emitted."},
			http.StatusOK:      {Description: "Already logged (same Idempotency-Key)."},
		})})
	linkParams := []Param{
		{Name: "for", In: "query", Required: true, Description: "1d, 3d or 1w"},
		{Name: "exp", In: "query", Required: true, Description: "link expiry, Unix seconds"},
		{Name: "sig", In: "query", Required: true, Description: "HMAC of the link, from the email"},
	}
	Describe(http.MethodGet, "/v1/reminders/{id}/snooze", Doc{Tags: []string{"reminders"}, Params: linkParams,
		Description: "Shows a page with one button, so link scanners that fetch every URL in an email snooze nothing.",
		Responses: map[int]Response{
			http.StatusOK:        {Description: "HTML confirmation page.", Body: &Body{ContentType: "text/html", Schema: Schema{"type": "string"}}},
			http.StatusForbidden: {Description: "The link is invalid or expired."},
		}})
	Describe(http.MethodPost, "/v1/reminders/{id}/snooze", Doc{Tags: []string{"reminders"}, Params: linkParams,
		Responses: map[int]Response{
			http.StatusOK:        {Description: "HTML page saying until when the reminder is snoozed.", Body: &Body{ContentType: "text/html", Schema: Schema{"type": "string"}}},
			http.StatusForbidden: {Description: "The link is invalid or expired."},
			http.StatusNotFound:  {Description: "No such reminder."},
		}})
	Describe(http.MethodPost, "/v1/onboardings/{id}/milestones/{milestone}/complete", Doc{Tags: []string{"onboarding"},
		Request: &Body{Schema: Schema{"type": "object", "additionalProperties": false, "properties": Schema{
			"by": Schema{"type": "string", "description": "the rep who did it; default the onboarding's CSM"},
			"at": Schema{"type": "string", "format": "date-time", "description": "default now"}}}, Example: map[string]any{"by": "felix-schulz"}},
		Responses: with(map[int]Response{
			http.StatusOK:       {Description: "The onboarding; Onboarding Completed is emitted when this was the last open milestone."},
			http.StatusNotFound: {Description: "No such onboarding or milestone."},
		})})
}
