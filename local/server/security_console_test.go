package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/webhook"
)

func consoleRuntime(t *testing.T, token string) (*Runtime, http.Handler) {
	t.Helper()
	rt, _ := launch(t, Config{Log: discardLogger(), ConsoleToken: token})
	return rt, rt.Handler()
}

func consoleGet(h http.Handler, path, remote string, hdr map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = "127.0.0.1:8080"
	req.RemoteAddr = remote
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestConsoleFromOutsideNeedsToken: a client that is not on loopback sees no console page without
// the token; with the token it does. (Without a configured token, serve refuses to listen beyond
// loopback: cmd/dealflow/cmd_security_test.go.)
func TestConsoleFromOutsideNeedsToken(t *testing.T) {
	const outside = "203.0.113.9:50000"
	pages := []string{"/console/", "/console/leads", "/console/outbox", "/console/executions", "/console/events"}
	t.Run("token configured", func(t *testing.T) {
		_, h := consoleRuntime(t, "s3cret-console-token")
		for _, p := range pages {
			for name, hdr := range map[string]map[string]string{
				"no token":                       nil,
				"wrong token":                    {"Authorization": "Bearer guess"},
				"token in query is not accepted": nil,
			} {
				path := p
				if name == "token in query is not accepted" {
					path += "?token=s3cret-console-token"
				}
				rec := consoleGet(h, path, outside, hdr)
				if rec.Code == http.StatusOK {
					t.Errorf("%s %s from outside answered %d", name, path, rec.Code)
				}
			}
			if rec := consoleGet(h, p, outside, map[string]string{"Authorization": "Bearer s3cret-console-token"}); rec.Code != http.StatusOK {
				t.Errorf("%s with the token answered %d", p, rec.Code)
			}
		}
	})
}

// TestConsoleEscapesLeadText: names with markup are shown as text in the console.
func TestConsoleEscapesLeadText(t *testing.T) {
	rt, h := consoleRuntime(t, "")
	srv := httptest.NewServer(h)
	defer srv.Close()
	b := []byte(`{"email":"xss@firma.de","name":"<script>alert('console')</script>","company":"<img src=x onerror=alert(2)>","country":"DE"}`)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/leads", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderDealflowSignature, webhook.Sign(b, time.Now(), "lead-secret"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var id string
	waitFor(t, "routed", func() bool {
		l, err := rt.Store.GetLeadByEmail(context.Background(), "xss@firma.de")
		id = l.ID
		return err == nil && l.Status == domain.LeadRouted
	})
	waitFor(t, "notified", func() bool { n, _ := rt.Outbox.Count(context.Background()); return n >= 1 })
	msgs, _ := rt.Outbox.List(context.Background(), "", 10)
	for _, p := range []string{"/console/leads", "/console/leads/" + id, "/console/outbox", "/console/outbox/" + msgs[0].ID, "/console/events"} {
		rec := consoleGet(h, p, "127.0.0.1:1", nil)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Errorf("%s answered %d", p, rec.Code)
			continue
		}
		for _, bad := range []string{"<script>alert('console')", "<img src=x onerror"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s shows unescaped %q", p, bad)
			}
		}
	}
}
