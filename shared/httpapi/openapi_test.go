package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// Every route of the table carries its request/response documentation; a route added without
// Describe (or a doc left behind by a renamed route) fails here with the fix named.
func TestEveryRouteIsDescribed(t *testing.T) {
	if len(Routes) == 0 {
		t.Fatal("the route table is empty")
	}
	if u := Undocumented(Routes); len(u) > 0 {
		t.Errorf("routes without documentation (call httpapi.Describe next to their Register, see openapi_leads.go):\n  %s", strings.Join(u, "\n  "))
	}
	if s := Stale(Routes); len(s) > 0 {
		t.Errorf("documented routes that are not in the route table:\n  %s", strings.Join(s, "\n  "))
	}
}

func TestOpenAPIDocumentListsEveryRoute(t *testing.T) {
	raw, err := json.Marshal(OpenAPI(Info{Title: "dealflow", Version: "test"}, Routes))
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
	if probs := CheckOpenAPI(doc); len(probs) > 0 {
		t.Fatalf("document problems:\n%s", strings.Join(probs, "\n"))
	}
	paths := doc["paths"].(map[string]any)
	n := 0
	for _, item := range paths {
		n += len(item.(map[string]any))
	}
	if n != len(Routes) {
		t.Errorf("document has %d operations, route table %d", n, len(Routes))
	}
	ids := map[string]string{}
	for _, r := range Routes {
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
			if _, ok := securitySchemes[r.Auth]; ok && op["security"] == nil {
				t.Errorf("route authenticated by %s has no security requirement", r.Auth)
			}
		})
	}
}

func TestCheckOpenAPIFindsBrokenDocuments(t *testing.T) {
	good := func() map[string]any {
		return map[string]any{
			"components": map[string]any{"schemas": map[string]any{"Error": map[string]any{}}},
			"paths": map[string]any{"/v1/things/{id}": map[string]any{"get": map[string]any{
				"parameters": []any{map[string]any{"name": "id", "in": "path"}},
				"responses":  map[string]any{"200": map[string]any{"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}}},
			}}},
		}
	}
	tests := []struct {
		name   string
		mutate func(map[string]any)
		want   string
	}{
		{"valid", func(map[string]any) {}, ""},
		{"dangling ref", func(d map[string]any) {
			delete(d["components"].(map[string]any)["schemas"].(map[string]any), "Error")
		}, "does not resolve"},
		{"undeclared path parameter", func(d map[string]any) {
			d["paths"].(map[string]any)["/v1/things/{id}"].(map[string]any)["get"].(map[string]any)["parameters"] = []any{}
		}, "path parameter id is not declared"},
		{"no success", func(d map[string]any) {
			op := d["paths"].(map[string]any)["/v1/things/{id}"].(map[string]any)["get"].(map[string]any)
			op["responses"] = map[string]any{"404": map[string]any{}}
		}, "no success response"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := good()
			tc.mutate(d)
			got := strings.Join(CheckOpenAPI(d), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Fatalf("problems = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOperationID(t *testing.T) {
	tests := []struct {
		r    Route
		want string
	}{
		{Route{Method: "POST", Path: "/v1/forms/{formId}"}, "postV1FormsFormId"},
		{Route{Method: "GET", Path: "/v1/handoffs/{id}/accept"}, "getV1HandoffsIdAccept"},
		{Route{Method: "POST", Path: "/v1/webhooks/hubspot"}, "postV1WebhooksHubspot"},
		{Route{Method: "GET", Path: "/v1/deal-stages"}, "getV1DealStages"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if got := operationID(tc.r); got != tc.want {
				t.Fatalf("got %s", got)
			}
		})
	}
}
