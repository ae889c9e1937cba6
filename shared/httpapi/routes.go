// Package httpapi owns the HTTP API: ONE route table that the local server mounts on net/http and
// the CDK stack turns into API Gateway HTTP API routes (each served by the Lambda function the
// route names), plus the JSON error format and the API Gateway v2 ↔ net/http adapter.
package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Route is one endpoint. Function is the Lambda function that serves it on AWS; locally every
// route is served in-process by the same handler code.
type Route struct {
	Method   string `json:"method"`
	Path     string `json:"path"` // API Gateway syntax: /v1/forms/{formId}
	Function string `json:"function"`
	Summary  string `json:"summary"`
	// Auth says how the request is authenticated: "dealflow-signature", "hubspot-signature",
	// "rate-limit" (public form), "signed-link" or "none".
	Auth string `json:"auth"`
}

// Routes is the route table. Keep it sorted by path, then method.
var Routes = []Route{
	{Method: http.MethodPost, Path: "/v1/forms/{formId}", Function: "intake", Auth: "rate-limit",
		Summary: "Accept a web form submission (application/x-www-form-urlencoded) as a lead."},
	{Method: http.MethodPost, Path: "/v1/leads", Function: "intake", Auth: "dealflow-signature",
		Summary: "Accept a lead as JSON, signed with Dealflow-Signature."},
	{Method: http.MethodPost, Path: "/v1/webhooks/hubspot", Function: "intake", Auth: "hubspot-signature",
		Summary: "Accept a batch of HubSpot webhook events (v3 signature)."},
}

// Functions lists the distinct functions serving HTTP routes, sorted.
func Functions() []string {
	var out []string
	for _, r := range Routes {
		if !slices.Contains(out, r.Function) {
			out = append(out, r.Function)
		}
	}
	slices.Sort(out)
	return out
}

// FieldError is one invalid field of a request.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error is the JSON error body every endpoint answers with.
type Error struct {
	Status  int          `json:"-"`
	Code    string       `json:"code"`
	Message string       `json:"message"`
	Fields  []FieldError `json:"fields,omitempty"`
}

func (e *Error) Error() string { return e.Message }

// WriteError writes e as {"error": {...}}.
func WriteError(w http.ResponseWriter, e *Error) {
	WriteJSON(w, e.Status, map[string]any{"error": e})
}

// WriteJSON writes v with the status code.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// MuxPattern converts an API Gateway path to a net/http ServeMux pattern ("POST /v1/forms/{formId}").
func (r Route) MuxPattern() string { return r.Method + " " + r.Path }
