package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUnknownHostIsMisdirected: a DNS-rebinding page reaches the local server with its own name as
// Host; it gets 421 and nothing of the console, the outbox or the API. Loopback names and the org's
// public_url host are served. No answer grants another origin CORS access.
func TestUnknownHostIsMisdirected(t *testing.T) {
	rt, _ := launch(t, Config{Log: discardLogger()})
	h := rt.Handler()
	get := func(host, path string, hdr map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Host = host
		req.RemoteAddr = "127.0.0.1:40000"
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, path := range []string{"/console/", "/console/outbox", "/healthz", "/v1/deals/x", "/openapi.json"} {
		rec := get("evil.example", path, nil)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != http.StatusMisdirectedRequest || strings.Contains(string(body), "<html") {
			t.Errorf("Host evil.example %s: %d %.100s, want 421 and no page", path, rec.Code, body)
		}
		if rec := get("evil.example:8080", path, nil); rec.Code != http.StatusMisdirectedRequest {
			t.Errorf("Host evil.example:8080 %s: %d, want 421", path, rec.Code)
		}
	}
	for _, host := range []string{"localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST"} {
		if rec := get(host, "/healthz", nil); rec.Code != http.StatusOK {
			t.Errorf("Host %s: %d, want 200", host, rec.Code)
		}
	}
	if rt.Org.Settings.PublicURL != "" {
		t.Fatalf("the test org has a public_url %q; this test expects none", rt.Org.Settings.PublicURL)
	}
	rec := get("localhost", "/healthz", map[string]string{"Origin": "https://evil.example"})
	if v := rec.Header().Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("CORS opened to %q", v)
	}
}

// TestPublicURLHostIsServed: the host of settings.public_url is served besides loopback.
func TestPublicURLHostIsServed(t *testing.T) {
	rt, _ := launch(t, Config{Log: discardLogger()})
	rt.Org.Settings.PublicURL = "https://dealflow.northwind.example"
	h := rt.Handler()
	for host, want := range map[string]int{"dealflow.northwind.example": 200, "dealflow.northwind.example:443": 200, "northwind.example": 421} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}
