package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/webhook"
)

// FuzzIntakeHTTP sends arbitrary bodies, correctly signed, to the lead endpoint and arbitrary
// form ids and bodies to the form endpoint of the real handler: whatever arrives, the answer is
// a JSON 2xx/4xx (never a 5xx or a panic) with the API's error format.
func FuzzIntakeHTTP(f *testing.F) {
	ctx, cancel := context.WithCancel(context.Background())
	f.Cleanup(cancel)
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: filepath.Join(f.TempDir(), "db"), Env: testEnv, Log: discardLogger()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { cancel(); rt.Close() })
	if err := rt.Start(ctx); err != nil {
		f.Fatal(err)
	}
	h := rt.Handler()
	for _, s := range []string{
		`{"email":"a@b.de","country":"DE"}`, `{"email":"a@b.de","name":"<script>","employees":"1e400"}`,
		`[`, `{"email":null}`, `{"email":"x@y.de","country":"ZZ","employees":-1}`, "\xff\xfe", `{"a":{"b":[1,2,{"c":"d"}]}}`,
	} {
		f.Add([]byte(s), "contact", []byte("email=a%40b.de&country=DE"))
	}
	f.Add([]byte(`{}`), "../etc/passwd", []byte("website_url=spam"))
	f.Fuzz(func(t *testing.T, body []byte, formID string, form []byte) {
		check := func(what string, rec *httptest.ResponseRecorder) {
			if rec.Code >= 500 || rec.Code < 200 {
				t.Fatalf("%s answered %d: %s", what, rec.Code, rec.Body.String())
			}
			if rec.Code == http.StatusMovedPermanently || rec.Code == http.StatusTemporaryRedirect || rec.Code == http.StatusPermanentRedirect {
				return // the router cleaning a path
			}
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil && rec.Code != http.StatusNotFound {
				t.Fatalf("%s answered %d with non-JSON %q", what, rec.Code, rec.Body.String())
			}
		}
		req := httptest.NewRequest(http.MethodPost, "/v1/leads", bytes.NewReader(body))
		req.Host = "127.0.0.1"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(webhook.HeaderDealflowSignature, webhook.Sign(body, time.Now(), "lead-secret"))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		check("POST /v1/leads", rec)

		u := &url.URL{Path: "/v1/forms/" + formID}
		req, err := http.NewRequest(http.MethodPost, u.EscapedPath(), bytes.NewReader(form))
		if err != nil {
			return // not a request a client could send
		}
		req.Host = "127.0.0.1"
		req.RemoteAddr = "198.51.100.7:1234"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		check("POST /v1/forms/"+formID, rec)
	})
}
