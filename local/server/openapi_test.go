package server

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/httpapi"
)

// The served document and the served routes agree: every route of the table (and every
// operations endpoint) is documented, and every documented operation reaches a handler.
func TestOpenAPIDocumentMatchesServedRoutes(t *testing.T) {
	_, srv, stop := start(t, filepath.Join(t.TempDir(), "dealflow.db"))
	defer stop()
	res, err := http.Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}
	if probs := httpapi.CheckOpenAPI(doc); len(probs) > 0 {
		t.Fatalf("document problems:\n%s", strings.Join(probs, "\n"))
	}
	paths := doc["paths"].(map[string]any)
	documented := 0
	for _, r := range APIRoutes() {
		item, _ := paths[r.Path].(map[string]any)
		if _, ok := item[strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s is served but not documented", r.MuxPattern())
		}
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	for path, item := range paths {
		for method := range item.(map[string]any) {
			documented++
			t.Run(strings.ToUpper(method)+" "+path, func(t *testing.T) {
				u := srv.URL + param.ReplaceAllString(path, "x")
				req, _ := http.NewRequest(strings.ToUpper(method), u, strings.NewReader("{}"))
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				// The ServeMux answers unknown routes with plain-text 404/405; handlers answer JSON.
				if (res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed) &&
					strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
					t.Fatalf("documented but not served: %d %s", res.StatusCode, body)
				}
			})
		}
	}
	if documented != len(APIRoutes()) {
		t.Errorf("document has %d operations, the server %d routes", documented, len(APIRoutes()))
	}
}
