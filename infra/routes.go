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
	"dealflow-signature": "authenticated in the handler by the Dealflow-Signature HMAC-SHA256 over the raw body (several active keys in Secrets Manager); an API Gateway authorizer cannot see the body",
	"hubspot-signature":  "HubSpot calls it; authenticated in the handler by the X-HubSpot-Signature-v3 HMAC over method, URI, body and timestamp, which an API Gateway authorizer cannot verify",
	"rate-limit":         "a public web form by design (browsers post it without credentials); protected by a honeypot field, a per-IP rate limit in the handler and stage throttling",
	"signed-link":        "opened from an email link; authenticated in the handler by a signed, single-use, expiring token in the URL",
}
