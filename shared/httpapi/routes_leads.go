package httpapi

import "net/http"

func init() {
	Register(
		Route{Method: http.MethodPost, Path: "/v1/forms/{formId}", Function: "intake", Auth: "rate-limit",
			Summary: "Accept a web form submission (application/x-www-form-urlencoded) as a lead."},
		Route{Method: http.MethodPost, Path: "/v1/leads", Function: "intake", Auth: "dealflow-signature",
			Summary: "Accept a lead as JSON, signed with Dealflow-Signature."},
		Route{Method: http.MethodPost, Path: "/v1/webhooks/hubspot", Function: "intake", Auth: "hubspot-signature",
			Summary: "Accept a batch of HubSpot webhook events (v3 signature)."},
	)
}
