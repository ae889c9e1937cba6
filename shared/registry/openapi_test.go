package registry_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/registry"
)

// Every route of the table carries its request/response documentation; a route added without
// Describe (or a doc left behind by a renamed route) fails here with the fix named.
func TestEveryRouteIsDescribed(t *testing.T) {
	routes, _ := registry.Table()
	if len(routes) == 0 {
		t.Fatal("the route table is empty")
	}
	if u := httpapi.Undocumented(routes); len(u) > 0 {
		t.Errorf("routes without documentation (call httpapi.Describe next to their Register, see httpapi/openapi_leads.go):\n  %s", strings.Join(u, "\n  "))
	}
	if s := httpapi.Stale(routes); len(s) > 0 {
		t.Errorf("documented routes that are not in the route table:\n  %s", strings.Join(s, "\n  "))
	}
}

func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	routes, _ := registry.Table()
	raw, err := json.Marshal(httpapi.OpenAPI(httpapi.Info{Title: "dealflow", Version: "test"}, routes))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	if probs := httpapi.CheckOpenAPI(doc); len(probs) > 0 {
		t.Fatalf("document problems:\n%s", strings.Join(probs, "\n"))
	}
	paths := doc["paths"].(map[string]any)
	n := 0
	for _, item := range paths {
		n += len(item.(map[string]any))
	}
	if n != len(routes) {
		t.Errorf("document has %d operations, route table %d", n, len(routes))
	}
	ids := map[string]string{}
	for _, r := range routes {
		t.Run(r.MuxPattern(), func(t *testing.T) {
			item, ok := paths[r.Path].(map[string]any)
			if !ok {
				t.Fatalf("path %s missing", r.Path)
			}
			op, ok := item[strings.ToLower(r.Method)].(map[string]any)
			if !ok {
				t.Fatalf("%s %s missing", r.Method, r.Path)
			}
			if op["summary"] != r.Summary || op["x-dealflow-function"] != r.Function {
				t.Errorf("summary/function = %v/%v, want %q/%q", op["summary"], op["x-dealflow-function"], r.Summary, r.Function)
			}
			id, _ := op["operationId"].(string)
			if prev, dup := ids[id]; dup || id == "" {
				t.Errorf("operationId %q not unique (also %s)", id, prev)
			}
			ids[id] = r.MuxPattern()
			if (r.Auth == "dealflow-signature" || r.Auth == "hubspot-signature") && op["security"] == nil {
				t.Errorf("route authenticated by %s has no security requirement", r.Auth)
			}
		})
	}
}
