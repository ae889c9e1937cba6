package server

import (
	"net/http"

	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/registry"
)

// Version is reported in the OpenAPI document.
var Version = "dev"

// operationRoutes are the endpoints only the local runtime serves (API Gateway has its own health
// checks and CloudWatch): documented in /openapi.json next to the shared route table.
var operationRoutes = []httpapi.Route{
	{Method: http.MethodGet, Path: "/healthz", Auth: "none", Summary: "Liveness: the process answers."},
	{Method: http.MethodGet, Path: "/readyz", Auth: "none", Summary: "Readiness: the store answers."},
	{Method: http.MethodGet, Path: "/openapi.json", Auth: "none", Summary: "This document."},
	{Method: http.MethodGet, Path: "/metrics", Auth: "none", Summary: "Prometheus metrics (text exposition format 0.0.4)."},
}

func init() {
	status := &httpapi.Body{Schema: httpapi.Schema{"type": "object", "required": []string{"status"},
		"properties": httpapi.Schema{"status": httpapi.Schema{"type": "string"}}}}
	httpapi.Describe(http.MethodGet, "/healthz", httpapi.Doc{Tags: []string{"operations"},
		Responses: map[int]httpapi.Response{http.StatusOK: {Description: "Alive.", Body: status}}})
	httpapi.Describe(http.MethodGet, "/readyz", httpapi.Doc{Tags: []string{"operations"},
		Responses: map[int]httpapi.Response{
			http.StatusOK:                 {Description: "Ready.", Body: status},
			http.StatusServiceUnavailable: {Description: "The store does not answer.", Body: status},
		}})
	httpapi.Describe(http.MethodGet, "/openapi.json", httpapi.Doc{Tags: []string{"operations"},
		Responses: map[int]httpapi.Response{http.StatusOK: {Description: "OpenAPI 3.1 document.",
			Body: &httpapi.Body{Schema: httpapi.Schema{"type": "object"}}}}})
	httpapi.Describe(http.MethodGet, "/metrics", httpapi.Doc{Tags: []string{"operations"},
		Responses: map[int]httpapi.Response{http.StatusOK: {Description: "Metrics.",
			Body: &httpapi.Body{ContentType: "text/plain; version=0.0.4", Schema: httpapi.Schema{"type": "string"}}}}})
}

// APIRoutes is everything /openapi.json documents: the shared route table and the local
// operations endpoints.
func APIRoutes() []httpapi.Route {
	routes, _ := registry.Table()
	return append(routes, operationRoutes...)
}

// OpenAPI is the document served at /openapi.json.
func OpenAPI() map[string]any {
	return httpapi.OpenAPI(httpapi.Info{Title: "dealflow", Version: Version,
		Description: "Lead intake, handoffs, deals and reminders of dealflow. The same route table is served by `dealflow serve` and by API Gateway on AWS."},
		APIRoutes())
}

// mountOperations adds the operations endpoints and the console to the API mux.
func (r *Runtime) mountOperations(mux *http.ServeMux) {
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, OpenAPI())
	})
	mux.HandleFunc("GET /metrics", r.serveMetrics)
	r.mountConsole(mux)
}
