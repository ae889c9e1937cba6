package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Security tests over the real HTTP handler of the local runtime (the same handlers serve API
// Gateway on AWS).

func securityRuntime(t *testing.T) (*Runtime, *httptest.Server) {
	t.Helper()
	rt, _ := launch(t, Config{Log: discardLogger()})
	srv := httptest.NewServer(rt.Handler())
	t.Cleanup(srv.Close)
	return rt, srv
}

func do(t *testing.T, method, url, ctype string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

// concretePath fills {params} so a route can be called.
func concretePath(p string) string {
	for {
		i := strings.IndexByte(p, '{')
		j := strings.IndexByte(p, '}')
		if i < 0 || j < i {
			return p
		}
		p = p[:i] + "lead_0000000000000000000000" + p[j+1:]
	}
}

// TestEverySignedEndpointRejectsBadSignatures sends every route of the table that is
// authenticated by a signature a request with a missing, wrong, malformed, replayed (older than
// the 5-minute tolerance), future and re-used (valid for another body) signature: each is 401
// and stores nothing. New routes are covered as they are registered.
func TestEverySignedEndpointRejectsBadSignatures(t *testing.T) {
	rt, srv := securityRuntime(t)
	ctx := context.Background()
	body := []byte(`{"email":"sig@attacker.de","name":"Sig","company":"Sig AG","country":"DE"}`)
	other := []byte(`{"email":"other@attacker.de","country":"DE"}`)
	now := time.Now()
	covered := 0
	tok, revoked, err := identity.CreateToken(ctx, rt.Store, "old-zap", []identity.Scope{identity.ScopeAdmin}, "", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := identity.RevokeToken(ctx, rt.Store, tok.ID, now); err != nil {
		t.Fatal(err)
	}
	for _, r := range rt.Caps.Routes() {
		url := srv.URL + concretePath(r.Path)
		auth := strings.Fields(r.Auth)
		if slices.Contains(auth, "bearer") {
			covered++
			for _, tc := range []struct {
				name, authorization string
				want                int
			}{
				{"unknown token", "Bearer dft_" + strings.Repeat("A", 43), http.StatusUnauthorized},
				{"not a bearer token", "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:admin")), http.StatusUnauthorized},
				{"empty bearer", "Bearer ", http.StatusUnauthorized},
				{"revoked token", "Bearer " + revoked, http.StatusUnauthorized},
			} {
				t.Run(r.Method+" "+r.Path+"/"+tc.name, func(t *testing.T) {
					code, resp := do(t, r.Method, url, "application/json", body, map[string]string{"Authorization": tc.authorization})
					if code != tc.want {
						t.Fatalf("answered %d %s, want %d", code, resp, tc.want)
					}
				})
			}
			if !slices.Contains(auth, "dealflow-signature") {
				// The lead secret signs intake only: a valid signature anywhere else is known, not allowed.
				t.Run(r.Method+" "+r.Path+"/lead signature", func(t *testing.T) {
					hdr := map[string]string{webhook.HeaderDealflowSignature: webhook.Sign(body, time.Now(), "lead-secret")}
					if code, resp := do(t, r.Method, url, "application/json", body, hdr); code != http.StatusForbidden {
						t.Fatalf("answered %d %s, want 403", code, resp)
					}
				})
			}
		}
		switch {
		case slices.Contains(auth, "dealflow-signature"):
			covered++
			for _, tc := range []struct {
				name string
				sig  string
			}{
				{"missing", ""},
				{"wrong secret", webhook.Sign(body, now, "not-the-secret")},
				{"malformed", "t=abc,v1=zz"},
				{"replayed after 6 minutes", webhook.Sign(body, now.Add(-6*time.Minute), "lead-secret")},
				{"from the future", webhook.Sign(body, now.Add(6*time.Minute), "lead-secret")},
				{"re-used for another body", webhook.Sign(other, now, "lead-secret")},
				{"milliseconds timestamp", strings.Replace(webhook.Sign(body, now, "lead-secret"), "t="+strconv.FormatInt(now.Unix(), 10), "t="+strconv.FormatInt(now.UnixMilli(), 10), 1)},
			} {
				t.Run(r.Method+" "+r.Path+"/"+tc.name, func(t *testing.T) {
					hdr := map[string]string{}
					if tc.sig != "" {
						hdr[webhook.HeaderDealflowSignature] = tc.sig
					}
					code, resp := do(t, r.Method, url, "application/json", body, hdr)
					if code != http.StatusUnauthorized || !strings.Contains(resp, "Signature") {
						t.Fatalf("answered %d %s, want 401 naming the signature", code, resp)
					}
				})
			}
		case r.Auth == "hubspot-signature":
			covered++
			batch := []byte(`[{"eventId":1,"subscriptionId":1,"portalId":7,"occurredAt":1764147600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":42}]`)
			ts := strconv.FormatInt(now.UnixMilli(), 10)
			old := strconv.FormatInt(now.Add(-6*time.Minute).UnixMilli(), 10)
			for _, tc := range []struct {
				name string
				hdr  map[string]string
			}{
				{"missing", map[string]string{}},
				{"wrong secret", map[string]string{webhook.HeaderHubSpotTimestamp: ts, webhook.HeaderHubSpotSignatureV3: webhook.SignHubSpotV3("nope", r.Method, url, batch, ts)}},
				{"replayed after 6 minutes", map[string]string{webhook.HeaderHubSpotTimestamp: old, webhook.HeaderHubSpotSignatureV3: webhook.SignHubSpotV3("hs-secret", r.Method, url, batch, old)}},
				{"re-used for another body", map[string]string{webhook.HeaderHubSpotTimestamp: ts, webhook.HeaderHubSpotSignatureV3: webhook.SignHubSpotV3("hs-secret", r.Method, url, []byte("[]"), ts)}},
				{"signed for another path", map[string]string{webhook.HeaderHubSpotTimestamp: ts, webhook.HeaderHubSpotSignatureV3: webhook.SignHubSpotV3("hs-secret", r.Method, srv.URL+"/v1/other", batch, ts)}},
			} {
				t.Run(r.Method+" "+r.Path+"/"+tc.name, func(t *testing.T) {
					code, resp := do(t, r.Method, url, "application/json", batch, tc.hdr)
					if code != http.StatusUnauthorized {
						t.Fatalf("answered %d %s, want 401", code, resp)
					}
				})
			}
		case r.Auth == "signed-link":
			covered++
			// A link from an email works only with its own signature: none, a forged one, or one
			// for another id is refused, and never changes anything.
			for _, q := range []string{"", "?sig=" + strings.Repeat("0", 64) + "&exp=9999999999", "?t=forged&s=forged&token=forged"} {
				t.Run(r.Method+" "+r.Path+"/link"+q[:min(len(q), 12)], func(t *testing.T) {
					var body []byte
					ctype := ""
					if r.Method == http.MethodPost {
						body, ctype = []byte("reason=x"), "application/x-www-form-urlencoded"
					}
					code, resp := do(t, r.Method, url+q, ctype, body, nil)
					if code < 400 || code >= 500 {
						t.Fatalf("answered %d %.200s, want 4xx", code, resp)
					}
				})
			}
		case r.Auth == "bearer", r.Auth == "rate-limit", r.Auth == "none", r.Auth == "console", r.Auth == "sign-in-request":
			// Public by design (forms: rate limit and honeypot, covered below; documentation).
		default:
			t.Errorf("route %s %s has auth %q, which this test does not know: add its bad-credential cases", r.Method, r.Path, r.Auth)
		}
	}
	if covered == 0 {
		t.Fatal("no signed route found")
	}
	if _, err := rt.Store.GetLeadByEmail(ctx, "sig@attacker.de"); err == nil {
		t.Fatal("a request with a bad signature stored a lead")
	}
}

// TestReusedSignatureCreatesNothingNew: the exact signed request sent again within the tolerance
// (a replay an attacker could capture) is answered as a duplicate and starts no second workflow.
func TestReusedSignatureCreatesNothingNew(t *testing.T) {
	rt, srv := securityRuntime(t)
	ctx := context.Background()
	body := []byte(`{"email":"replay@firma.de","name":"Replay","company":"Replay GmbH","country":"DE"}`)
	hdr := map[string]string{webhook.HeaderDealflowSignature: webhook.Sign(body, time.Now(), "lead-secret")}
	code, _ := do(t, http.MethodPost, srv.URL+"/v1/leads", "application/json", body, hdr)
	if code != http.StatusAccepted {
		t.Fatalf("first answered %d", code)
	}
	for i := 0; i < 3; i++ {
		if code, resp := do(t, http.MethodPost, srv.URL+"/v1/leads", "application/json", body, hdr); code != http.StatusOK {
			t.Fatalf("replay %d answered %d %s, want 200 duplicate", i, code, resp)
		}
	}
	waitFor(t, "the lead notified", func() bool { n, _ := rt.Outbox.Count(ctx); return n >= 1 })
	time.Sleep(200 * time.Millisecond)
	if n, _ := rt.Outbox.Count(ctx); n != 1 {
		t.Fatalf("%d notifications after replays, want 1", n)
	}
}

// TestHostileBodies: oversized and deeply nested JSON are refused with 4xx quickly and store
// nothing; a wrong content type is 415.
func TestHostileBodies(t *testing.T) {
	rt, srv := securityRuntime(t)
	signed := func(b []byte) map[string]string {
		return map[string]string{webhook.HeaderDealflowSignature: webhook.Sign(b, time.Now(), "lead-secret")}
	}
	big := []byte(`{"email":"big@firma.de","country":"DE","name":"` + strings.Repeat("A", 300*1024) + `"}`)
	deepArr := []byte(strings.Repeat("[", 120000) + strings.Repeat("]", 120000))
	deepObj := []byte(strings.Repeat(`{"a":`, 40000) + "1" + strings.Repeat("}", 40000))
	deepInField := []byte(`{"email":"deep@firma.de","country":"DE","name":` + strings.Repeat("[", 50000) + strings.Repeat("]", 50000) + `}`)
	for _, tc := range []struct {
		name  string
		ctype string
		body  []byte
		hdr   map[string]string
		want  int
	}{
		{"oversized, signed", "application/json", big, signed(big), http.StatusRequestEntityTooLarge},
		{"oversized, unsigned: refused before the body is read", "application/json", big, nil, http.StatusUnauthorized},
		{"deeply nested array", "application/json", deepArr, signed(deepArr), http.StatusBadRequest},
		{"deeply nested object", "application/json", deepObj, signed(deepObj), http.StatusBadRequest},
		{"nested value in a field", "application/json", deepInField, signed(deepInField), http.StatusBadRequest},
		{"not JSON", "application/json", []byte("<xml/>"), signed([]byte("<xml/>")), http.StatusBadRequest},
		{"wrong content type", "text/plain", []byte(`{}`), signed([]byte(`{}`)), http.StatusUnsupportedMediaType},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, resp := do(t, http.MethodPost, srv.URL+"/v1/leads", tc.ctype, tc.body, tc.hdr)
			if code != tc.want {
				t.Fatalf("answered %d %.200s, want %d", code, resp, tc.want)
			}
			if took := time.Since(start); took > 2*time.Second {
				t.Fatalf("took %s", took)
			}
		})
	}
	deepHub := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	code, _ := do(t, http.MethodPost, srv.URL+"/v1/webhooks/hubspot", "application/json", deepHub, map[string]string{
		webhook.HeaderHubSpotTimestamp: ts, webhook.HeaderHubSpotSignatureV3: webhook.SignHubSpotV3("hs-secret", "POST", srv.URL+"/v1/webhooks/hubspot", deepHub, ts)})
	if code != http.StatusBadRequest {
		t.Fatalf("deep HubSpot batch answered %d", code)
	}
	for _, e := range []string{"big@firma.de", "deep@firma.de"} {
		if _, err := rt.Store.GetLeadByEmail(context.Background(), e); err == nil {
			t.Errorf("%s was stored", e)
		}
	}
}

// TestHostileTextIsStoredVerbatimAndEscapedInEmail: HTML/script and SQL-ish strings in names are
// data: stored byte for byte, escaped in the owner's HTML email, no header injection, no SQL.
func TestHostileTextIsStoredVerbatimAndEscapedInEmail(t *testing.T) {
	rt, srv := securityRuntime(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, company, title string
	}{
		{`<script>alert("x")</script>`, `<img src=x onerror=alert(1)>`, `"><svg onload=alert(1)>`},
		{`Robert'); DROP TABLE leads;--`, `1' OR '1'='1`, `x" OR 1=1; --`},
		{"Evil\r\nBcc: victim@example.com", "Header\nInjection AG", "CEO\r\n\r\n<b>body</b>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email := fmt.Sprintf("hostile%d@firma.de", time.Now().UnixNano())
			b := fmt.Appendf(nil, `{"email":%q,"name":%q,"company":%q,"title":%q,"country":"DE"}`, email, tc.name, tc.company, tc.title)
			code, resp := do(t, http.MethodPost, srv.URL+"/v1/leads", "application/json", b,
				map[string]string{webhook.HeaderDealflowSignature: webhook.Sign(b, time.Now(), "lead-secret")})
			if code == http.StatusBadRequest && strings.ContainsAny(tc.name+tc.company+tc.title, "\r\n") {
				return // refusing control characters is fine too
			}
			if code != http.StatusAccepted {
				t.Fatalf("answered %d %s", code, resp)
			}
			var l domain.Lead
			waitFor(t, "routed", func() bool {
				var err error
				l, err = rt.Store.GetLeadByEmail(ctx, email)
				return err == nil && l.Status == domain.LeadRouted
			})
			if strings.Contains(tc.name, "DROP") && (l.Name != tc.name || l.Company != tc.company || l.Title != tc.title) {
				t.Fatalf("SQL-ish text was altered: %q %q %q", l.Name, l.Company, l.Title)
			}
			t.Logf("stored as %q / %q / %q", l.Name, l.Company, l.Title)
			var m *notify.StoredMessage
			waitFor(t, "the owner's email", func() bool {
				msgs, _ := rt.Outbox.List(ctx, "", 1000)
				for i := range msgs {
					if msgs[i].Message.Refs["leadId"] == l.ID {
						m = &msgs[i]
						return true
					}
				}
				return false
			})
			for _, bad := range []string{"<script", "<img", "<svg", "<b>body"} {
				if strings.Contains(m.Message.HTML, bad) {
					t.Errorf("email HTML contains unescaped %q", bad)
				}
			}
			if strings.ContainsAny(m.Message.Subject, "\r\n") {
				t.Errorf("subject has a line break: %q", m.Message.Subject)
			}
			eml, err := rt.Outbox.EML(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			head, _, _ := strings.Cut(string(eml), "\r\n\r\n")
			if strings.Contains(strings.ToLower(head), "\nbcc:") {
				t.Errorf("header injection:\n%s", head)
			}
		})
	}
	var n int
	if err := rt.Store.DB().QueryRow(`SELECT COUNT(*) FROM leads`).Scan(&n); err != nil || n < 1 {
		t.Fatalf("leads table after SQL-ish input: %d, %v", n, err)
	}
}

// TestFormIDsCannotTraversePaths: form ids are matched against the org file only; traversal,
// encoded separators, NUL and overlong ids are unknown forms, never a file or a 5xx.
func TestFormIDsCannotTraversePaths(t *testing.T) {
	_, srv := securityRuntime(t)
	body := []byte("email=t%40firma.de&country=DE")
	for _, id := range []string{
		"..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%5C..%5Cwindows", "contact%00", "contact%2F..%2Fcontact",
		"CONTACT", "contact%20", strings.Repeat("a", 5000), "%252e%252e%252f", "contact;drop",
	} {
		t.Run(id[:min(len(id), 30)], func(t *testing.T) {
			code, resp := do(t, http.MethodPost, srv.URL+"/v1/forms/"+id, "application/x-www-form-urlencoded", body, nil)
			if code != http.StatusNotFound {
				t.Fatalf("answered %d %.200s, want 404", code, resp)
			}
		})
	}
	// Unencoded dot segments are cleaned by the router: they never reach a form handler.
	for _, p := range []string{"/v1/forms/../../etc/passwd", "/v1/forms/./contact/.."} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+p, bytes.NewReader(body))
		req.URL.Opaque = p // keep the dots on the wire
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode < 300 || res.StatusCode >= 500 {
			t.Errorf("%s answered %d", p, res.StatusCode)
		}
	}
}
