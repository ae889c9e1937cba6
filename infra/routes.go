package main

import "github.com/dealflow/dealflow/shared/registry"

// routeTable is the HTTP API route table shared with `dealflow serve` (shared/registry).
func routeTable() []Route {
	routes, _ := registry.Table()
	out := make([]Route, 0, len(routes))
	for _, r := range routes {
		out = append(out, Route{Method: r.Method, Path: r.Path, Function: r.Function, Auth: r.Auth})
	}
	return out
}

// routeAuthReasons say how each kind of route authenticates callers in the handler, which is why
// it has no API Gateway authorizer (cdk-nag AwsSolutions-APIG4). A route whose Auth is not here
// (including "none") gets no suppression, so cdk-nag fails the synth until someone decides.
var routeAuthReasons = map[string]string{
	"dealflow-signature":        "authenticated in the handler by the Dealflow-Signature HMAC-SHA256 over the raw body (several active keys in Secrets Manager); an API Gateway authorizer cannot see the body",
	"hubspot-signature":         "HubSpot calls it; authenticated in the handler by the X-HubSpot-Signature-v3 HMAC over method, URI, body and timestamp, which an API Gateway authorizer cannot verify",
	"rate-limit":                "a public web form by design (browsers post it without credentials); protected by a honeypot field, a per-IP rate limit in the handler and stage throttling",
	"signed-link":               "opened from an email link; authenticated in the handler by a signed, single-use, expiring token in the URL",
	"bearer":                    "authenticated and authorised in the handler (shared/identity.Guard): an API token looked up by its SHA-256 in the table, or a console session cookie with a CSRF token; one authorisation table decides role, scope and object",
	"dealflow-signature bearer": "lead intake: the Dealflow-Signature HMAC over the raw body (webhook senders) or an API token with scope leads:write, both checked in the handler by shared/identity.Guard",
	"sign-in-request":           "a person asks for a sign-in link: always 202, a link is mailed only to a person of the org file, so it reveals nothing and grants nothing by itself",
}
