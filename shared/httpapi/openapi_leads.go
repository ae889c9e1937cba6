package httpapi

import "net/http"

// Documentation of the lead intake routes (routes_leads.go); bodies as shared/handlers/intake.go
// reads and writes them.
func init() {
	leadFields := Schema{
		"email":      Schema{"type": "string", "format": "email", "description": "required; aliases: emailAddress, email_address, mail"},
		"firstName":  Schema{"type": "string", "description": "aliases: first_name, firstname, givenName, vorname"},
		"lastName":   Schema{"type": "string", "description": "aliases: last_name, lastname, familyName, nachname"},
		"name":       Schema{"type": "string", "description": "full name when first and last are not given"},
		"company":    Schema{"type": "string", "description": "aliases: companyName, organization, firma"},
		"website":    Schema{"type": "string"},
		"title":      Schema{"type": "string", "description": "job title; aliases: jobTitle, position"},
		"phone":      Schema{"type": "string", "description": "normalised to E.164 when possible"},
		"country":    Schema{"type": "string", "description": "ISO 3166-1 alpha-2 or a country name"},
		"region":     Schema{"type": "string"},
		"state":      Schema{"type": "string"},
		"employees":  Schema{"type": []string{"integer", "string"}, "description": "head count; a number or a range such as 51-200"},
		"industry":   Schema{"type": "string"},
		"externalId": Schema{"type": "string", "description": "the id in the sending system; with source, a dedupe key"},
		"source":     Schema{"type": "string", "description": "default api"},
		"attributes": Schema{"type": "object", "additionalProperties": Schema{"type": []string{"string", "number", "boolean"}},
			"description": "extra scalar fields kept with the lead (UTM tags, form fields)"},
	}
	DescribeSchema("LeadInput", Schema{
		"type": "object", "required": []string{"email"}, "properties": leadFields,
		"additionalProperties": Schema{"type": []string{"string", "number", "boolean", "null"}},
		"description":          "Unknown scalar top-level fields are kept as attributes.",
	})
	DescribeSchema("LeadAccepted", Schema{
		"type": "object", "required": []string{"id"},
		"properties": Schema{
			"id":        Schema{"type": "string", "description": "the lead id"},
			"duplicate": Schema{"type": "boolean", "description": "the submission was already known (idempotency key, source id or email)"},
			"merged":    Schema{"type": "boolean", "description": "new fields were merged into the existing lead"},
		},
	})
	signed := []Param{
		{Name: "Idempotency-Key", In: "header", Description: "up to 255 characters; a retry with the same key answers the first result"},
	}
	Describe(http.MethodPost, "/v1/leads", Doc{
		Tags:    []string{"leads"},
		Params:  signed,
		Request: &Body{Schema: Ref("LeadInput"), Example: map[string]any{"email": "anna@firma.de", "name": "Anna Schmidt", "company": "Firma GmbH", "country": "DE", "employees": 250}},
		Responses: map[int]Response{
			http.StatusAccepted:              {Description: "A new lead; qualification and routing run next.", Body: &Body{Schema: Ref("LeadAccepted")}},
			http.StatusOK:                    {Description: "A duplicate of a known lead.", Body: &Body{Schema: Ref("LeadAccepted")}},
			http.StatusBadRequest:            {Description: "Invalid fields (see error.fields)."},
			http.StatusUnauthorized:          {Description: "Missing, stale or wrong Dealflow-Signature."},
			http.StatusUnsupportedMediaType:  {Description: "Content-Type is not application/json."},
			http.StatusRequestEntityTooLarge: {Description: "Body over 256 KiB."},
			http.StatusServiceUnavailable:    {Description: "Temporarily unavailable; retry."},
		},
	})
	touch := Schema{"type": "object", "required": []string{"activity"}, "properties": Schema{
		"activity": Schema{"type": "string", "description": "an engagement activity of the org's scoring model (scoring.engagement[].activity), e.g. demo_requested; alias: kind"},
		"at":       Schema{"type": "string", "format": "date-time", "description": "when it happened (default now); older touches count less (scoring.decay_half_life)"},
	}}
	DescribeSchema("LeadTouches", Schema{
		"oneOf": []Schema{touch, {"type": "object", "required": []string{"touches"}, "properties": Schema{
			"touches": Schema{"type": "array", "maxItems": 50, "items": touch},
		}}},
	})
	DescribeSchema("LeadScored", Schema{
		"type": "object", "required": []string{"id", "score", "grade", "status"},
		"properties": Schema{
			"id":        Schema{"type": "string"},
			"score":     Schema{"type": "integer", "description": "fit + engagement, re-computed now"},
			"grade":     Schema{"type": "string", "enum": []string{"", "mql", "sql"}},
			"status":    Schema{"type": "string", "enum": []string{"new", "qualified", "disqualified", "routed"}},
			"ownerId":   Schema{"type": "string"},
			"queue":     Schema{"type": "string"},
			"rerouted":  Schema{"type": "boolean", "description": "these touches lifted a routed lead into SQL and it was routed again (once per lead; the previous routing is kept in the explanation)"},
			"duplicate": Schema{"type": "boolean", "description": "the Idempotency-Key was seen before; nothing was added"},
		},
	})
	Describe(http.MethodPost, "/v1/leads/{id}/touches", Doc{
		Tags:    []string{"leads"},
		Params:  signed,
		Request: &Body{Schema: Ref("LeadTouches"), Example: map[string]any{"activity": "pricing_page_viewed", "at": "2026-11-30T09:15:00Z"}},
		Responses: map[int]Response{
			http.StatusAccepted:           {Description: "The touches were recorded and the lead re-scored.", Body: &Body{Schema: Ref("LeadScored")}},
			http.StatusOK:                 {Description: "A repeat of an Idempotency-Key: nothing added.", Body: &Body{Schema: Ref("LeadScored")}},
			http.StatusBadRequest:         {Description: "Invalid touches (see error.fields)."},
			http.StatusUnauthorized:       {Description: "Missing, stale or wrong Dealflow-Signature."},
			http.StatusNotFound:           {Description: "No lead with this id."},
			http.StatusServiceUnavailable: {Description: "Temporarily unavailable; retry."},
		},
	})
	acct := Schema{"type": "object", "required": []string{"domain"}, "properties": Schema{
		"domain":    Schema{"type": "string", "description": "the company's email domain (a URL or an address is reduced to it); leads from it and its subdomains match"},
		"name":      Schema{"type": "string"},
		"ownerId":   Schema{"type": "string", "description": "a rep id or email of the org file: existing_account rules route the account's leads to this rep"},
		"segment":   Schema{"type": "string", "description": "a segment id of the org file"},
		"territory": Schema{"type": "string", "description": "a territory id of the org file"},
	}}
	DescribeSchema("AccountInput", Schema{"oneOf": []Schema{acct, {"type": "object", "required": []string{"accounts"},
		"properties": Schema{"accounts": Schema{"type": "array", "maxItems": 500, "items": acct}}}}})
	Describe(http.MethodPost, "/v1/accounts", Doc{
		Tags:    []string{"leads"},
		Request: &Body{Schema: Ref("AccountInput"), Example: map[string]any{"domain": "initech.example", "name": "Initech", "ownerId": "olivia-brown"}},
		Responses: map[int]Response{
			http.StatusCreated:            {Description: "A new account (one was sent)."},
			http.StatusOK:                 {Description: "The account on this domain was updated (one was sent), or every account of a list was stored: results[] per account."},
			http.StatusMultiStatus:        {Description: "A list where some accounts were refused: results[].errors says why, the others were stored."},
			http.StatusBadRequest:         {Description: "Invalid fields (see error.fields)."},
			http.StatusUnauthorized:       {Description: "Missing, stale or wrong Dealflow-Signature."},
			http.StatusServiceUnavailable: {Description: "Temporarily unavailable; retry."},
		},
	})
	Describe(http.MethodPost, "/v1/webhooks/hubspot", Doc{
		Tags: []string{"leads"},
		Params: []Param{
			{Name: "X-HubSpot-Request-Timestamp", In: "header", Required: true, Description: "milliseconds since the epoch; at most 5 minutes old"},
		},
		Request: &Body{Schema: Schema{"type": "array", "items": Schema{
			"type":     "object",
			"required": []string{"eventId", "subscriptionType", "objectId", "occurredAt"},
			"properties": Schema{
				"eventId": Schema{"type": "integer"}, "subscriptionId": Schema{"type": "integer"},
				"portalId": Schema{"type": "integer"}, "appId": Schema{"type": "integer"},
				"occurredAt":       Schema{"type": "integer", "description": "milliseconds since the epoch"},
				"subscriptionType": Schema{"type": "string", "examples": []string{"contact.creation", "contact.propertyChange"}},
				"attemptNumber":    Schema{"type": "integer"}, "objectId": Schema{"type": "integer"},
				"propertyName": Schema{"type": "string"}, "propertyValue": Schema{"type": "string"},
			},
		}}},
		Responses: map[int]Response{
			http.StatusOK: {Description: "The batch was processed; contacts became leads.", Body: &Body{Schema: Schema{
				"type": "object", "required": []string{"accepted", "duplicates"},
				"properties": Schema{
					"accepted":   Schema{"type": []string{"array", "null"}, "items": Schema{"type": "string"}, "description": "lead ids"},
					"duplicates": Schema{"type": "integer", "description": "events already processed"},
					"ignored":    Schema{"type": "array", "items": Schema{"type": "string"}, "description": "why each ignored event was ignored"},
				},
			}}},
			http.StatusBadRequest:           {Description: "The batch is not a list of HubSpot events."},
			http.StatusUnauthorized:         {Description: "Missing, stale or wrong HubSpot signature."},
			http.StatusUnsupportedMediaType: {Description: "Content-Type is not application/json."},
			http.StatusServiceUnavailable:   {Description: "Temporarily unavailable; HubSpot retries."},
		},
	})
	Describe(http.MethodPost, "/v1/forms/{formId}", Doc{
		Tags:        []string{"leads"},
		Description: "Public endpoint for the web forms of the org file (forms[].id); rate-limited per client address. A honeypot hit answers 202 and stores nothing.",
		Request: &Body{ContentType: "application/x-www-form-urlencoded", Schema: Schema{
			"type": "object", "required": []string{"email"}, "properties": leadFields,
		}},
		Responses: map[int]Response{
			http.StatusAccepted: {Description: "Accepted.", Body: &Body{Schema: Schema{"type": "object", "properties": Schema{
				"id": Schema{"type": "string"}, "duplicate": Schema{"type": "boolean"}, "merged": Schema{"type": "boolean"}, "status": Schema{"type": "string"}}}}},
			http.StatusOK:                   {Description: "A duplicate of a known lead.", Body: &Body{Schema: Ref("LeadAccepted")}},
			http.StatusBadRequest:           {Description: "Invalid fields."},
			http.StatusNotFound:             {Description: "No form with this id."},
			http.StatusUnsupportedMediaType: {Description: "Not a urlencoded form."},
			http.StatusTooManyRequests:      {Description: "Too many submissions from this address.", Headers: []string{"Retry-After"}},
		},
	})
}
