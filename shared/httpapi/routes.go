// Package httpapi is the kernel of the HTTP API: the Route type each capability defines its routes
// with (shared/registry gathers them into the one table the local server mounts and the CDK stack
// turns into API Gateway routes), request decoding, the JSON error format, the OpenAPI document
// and the API Gateway v2 ↔ net/http adapter.
package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// Route is one endpoint, defined once by the capability that serves it (its Routes function):
// method, path, who may call it and the handler. Function is the Lambda function that serves it on
// AWS; locally every route is served in-process by the same handler.
type Route struct {
	Method   string `json:"method"`
	Path     string `json:"path"` // API Gateway syntax: /v1/forms/{formId}
	Function string `json:"function"`
	Summary  string `json:"summary"`
	// Auth says how the request is authenticated, alternatives separated by spaces: "bearer"
	// (an API token or a console session), "dealflow-signature", "hubspot-signature",
	// "rate-limit" (public form), "signed-link" or "none".
	Auth string `json:"auth"`
	// Action is what the route does in the authorisation table (shared/identity: "deal.update"),
	// or "open" when the handler checks the caller's credential itself. The Guard the routes
	// are served through checks it; a route without one is a programming error.
	Action  string           `json:"action"`
	Handler http.HandlerFunc `json:"-"`
}

// Guard wraps each route's handler with the check of who may call it (identity.Guard).
type Guard interface {
	Wrap(Route) http.Handler
}

// Sorted returns the routes of every set, sorted by path then method; a route defined twice is a
// programming error.
func Sorted(sets ...[]Route) []Route {
	var out []Route
	for _, set := range sets {
		for _, r := range set {
			if r.Action == "" {
				panic("httpapi: route " + r.MuxPattern() + " declares no action")
			}
			if slices.ContainsFunc(out, func(o Route) bool { return o.Method == r.Method && o.Path == r.Path }) {
				panic("httpapi: route " + r.MuxPattern() + " defined twice")
			}
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Route) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}

// Functions lists the distinct functions serving the routes, sorted.
func Functions(rs []Route) []string {
	var out []string
	for _, r := range rs {
		if !slices.Contains(out, r.Function) {
			out = append(out, r.Function)
		}
	}
	slices.Sort(out)
	return out
}

// Mux serves the routes of one function ("" = every route) on a ServeMux, each through g.
func Mux(rs []Route, function string, g Guard) *http.ServeMux {
	if g == nil {
		panic("httpapi: Mux without a guard")
	}
	mux := http.NewServeMux()
	for _, r := range rs {
		if function == "" || r.Function == function {
			mux.Handle(r.MuxPattern(), g.Wrap(r))
		}
	}
	return mux
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
