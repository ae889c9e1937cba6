package httpapi

import (
	"strings"
	"testing"
)

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
