// Package httpapi owns the HTTP API: ONE route table that the local server mounts on net/http and
// the CDK stack turns into API Gateway HTTP API routes (each served by the Lambda function the
// route names), plus the JSON error format and the API Gateway v2 ↔ net/http adapter.
package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
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

// Routes is the route table, sorted by path then method. Each area's file adds its routes in
// init with Register (routes_leads.go, ...), so areas grow without editing one shared list.
var Routes []Route

// Register adds routes to the table and keeps it sorted.
func Register(rs ...Route) {
	for _, r := range rs {
		for _, o := range Routes {
			if o.Method == r.Method && o.Path == r.Path {
				panic("httpapi: route " + r.MuxPattern() + " registered twice")
			}
		}
		Routes = append(Routes, r)
	}
	slices.SortFunc(Routes, func(a, b Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
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
