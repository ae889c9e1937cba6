package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	"github.com/dealflow/dealflow/shared/webhook"
	minidyn "github.com/truora/minidyn/aws-v2/client"
)

func signedLead(f fixture, body, key string) map[string]string {
	h := map[string]string{"Dealflow-Signature": webhook.Sign([]byte(body), f.clock.Now(), "new-secret")}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return h
}

func errField(out map[string]any) (string, string) {
	e, _ := out["error"].(map[string]any)
	fs, _ := e["fields"].([]any)
	if len(fs) == 0 {
		return "", ""
	}
	m := fs[0].(map[string]any)
	return m["field"].(string), m["reason"].(string)
}

// Reusing an Idempotency-Key for another lead is a 422; the first lead stays as it was and the
// second is not silently dropped as a "duplicate".
func TestIdempotencyKeyReusedWithAnotherBody(t *testing.T) {
	f, srv := newIntake(t)
	first := `{"email":"ada@acme.example","company":"Acme"}`
	code, out := post(t, srv.URL+"/v1/leads", "application/json", []byte(first), signedLead(f, first, "k-1"))
	if code != http.StatusAccepted {
		t.Fatalf("first: %d %v", code, out)
	}
	id := out["id"].(string)
	before, _ := f.svc.Store.GetLead(context.Background(), id)

	// The same body again, keys re-ordered and spaced: the same request.
	same := `{ "company":"Acme", "email":"ada@acme.example" }`
	if code, out := post(t, srv.URL+"/v1/leads", "application/json", []byte(same), signedLead(f, same, "k-1")); code != http.StatusOK || out["id"] != id {
		t.Fatalf("a retry: %d %v, want 200 with %s", code, out, id)
	}
	other := `{"email":"bob@other.example","company":"Other"}`
	code, out = post(t, srv.URL+"/v1/leads", "application/json", []byte(other), signedLead(f, other, "k-1"))
	if field, reason := errField(out); code != http.StatusUnprocessableEntity || field != "Idempotency-Key" || !strings.Contains(reason, "different body") {
		t.Fatalf("reuse: %d %v, want 422 naming Idempotency-Key", code, out)
	}
	after, _ := f.svc.Store.GetLead(context.Background(), id)
	if after.Version != before.Version || after.Email != "ada@acme.example" {
		t.Fatalf("the first lead changed: %+v", after)
	}
	if _, err := f.svc.Store.GetLeadByEmail(context.Background(), "bob@other.example"); err == nil {
		t.Fatal("the second lead was stored under a reused key")
	}
	// The same key with the same email but other fields merges nowhere: also a reuse.
	changed := `{"email":"ada@acme.example","company":"Acme Holding"}`
	if code, _ := post(t, srv.URL+"/v1/leads", "application/json", []byte(changed), signedLead(f, changed, "k-1")); code != http.StatusUnprocessableEntity {
		t.Fatalf("same email, other fields, same key: %d, want 422", code)
	}
}

func TestEmployeeCountsThroughTheAPI(t *testing.T) {
	f, srv := newIntake(t)
	tests := []struct {
		employees string
		code      int
		want      int
	}{
		{"12.5", 400, 0}, {"1,5", 400, 0}, {"1.200", 202, 1200}, {"50-200", 202, 50}, {"500+", 202, 500},
	}
	for i, tc := range tests {
		t.Run(tc.employees, func(t *testing.T) {
			body := fmt.Sprintf(`{"email":"p%d@acme.example","employees":%q}`, i, tc.employees)
			code, out := post(t, srv.URL+"/v1/leads", "application/json", []byte(body), signedLead(f, body, ""))
			if code != tc.code {
				t.Fatalf("%d %v, want %d", code, out, tc.code)
			}
			if code == 400 {
				if field, _ := errField(out); field != "employees" {
					t.Fatalf("400 names %q, want employees", field)
				}
				return
			}
			l, _ := f.svc.Store.GetLead(context.Background(), out["id"].(string))
			if l.Employees != tc.want {
				t.Fatalf("employees = %d, want %d", l.Employees, tc.want)
			}
		})
	}
}

// A new lead heavier than one stored item is refused with 413 before anything is acknowledged.
func TestOversizedLeadIs413(t *testing.T) {
	f, srv := newIntake(t)
	// 50 attributes of 1,500 "<" each: under the body limit, but each "<" is stored as \u003c.
	attrs := make([]string, 50)
	for i := range attrs {
		attrs[i] = fmt.Sprintf("%q:%q", fmt.Sprintf("a%02d", i), strings.Repeat("<", 1500))
	}
	body := `{"email":"big@acme.example","attributes":{` + strings.Join(attrs, ",") + `}}`
	code, out := post(t, srv.URL+"/v1/leads", "application/json", []byte(body), signedLead(f, body, ""))
	if field, _ := errField(out); code != http.StatusRequestEntityTooLarge || field != "attributes" {
		t.Fatalf("%d %v, want 413 naming attributes", code, out)
	}
	if _, err := f.svc.Store.GetLeadByEmail(context.Background(), "big@acme.example"); err == nil {
		t.Fatal("an oversized lead was stored")
	}
}

var abuseTable atomic.Int64

// A public form posted again and again with one known email, at the allowed rate for 60
// (simulated) seconds from many addresses: every answer is 2xx or 413 (never 503), the lead
// stays within org.lead_limits and one stored item, the answers say what was dropped, and the
// server's memory stays flat.
func TestFormAbuseWithOneEmailStaysBounded(t *testing.T) {
	for _, backend := range []string{"sqlite", "dynamodb"} {
		t.Run(backend, func(t *testing.T) {
			f := newFixture(t, func(d *platform.Deps) {
				d.Org.Forms = []domain.Form{{ID: "contact", RateLimit: domain.RateLimit{Requests: 10, Per: domain.DurationSpec{Duration: time.Second}}}}
				d.Org.Settings.LeadLimits = domain.LeadLimits{MaxAttributes: 100, MaxMergeRefs: 20}
				if backend == "dynamodb" {
					st, err := dynamo.New(minidyn.NewClient(), fmt.Sprintf("abuse-%d", abuseTable.Add(1)))
					if err != nil {
						t.Fatal(err)
					}
					if err := st.CreateTable(context.Background()); err != nil {
						t.Fatal(err)
					}
					d.Store = st
				}
			})
			srv := httptest.NewServer(httpapi.Mux(Routes(f.svc), "", identity.NewGuard(f.deps)))
			t.Cleanup(srv.Close)
			ctx := context.Background()
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			sawDropped, posts := false, 0
			for sec := 0; sec < 60; sec++ {
				for n := 0; n < 10; n++ { // the allowed rate per address
					posts++
					form := url.Values{"email": {"victim@acme.example"}}
					for a := 0; a < 20; a++ { // 20 new attributes of 1,000 two-byte characters per post
						form.Set(fmt.Sprintf("f%d_%d", posts, a), strings.Repeat("é", 1000))
					}
					req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/forms/contact", strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", n))
					code, out := doJSON(t, req)
					switch {
					case code == http.StatusOK || code == http.StatusAccepted:
						if d, ok := out["dropped"].(map[string]any); ok && len(d["attributes"].([]any)) > 0 {
							sawDropped = true
						}
					case code == http.StatusRequestEntityTooLarge:
					default:
						t.Fatalf("post %d: %d %v", posts, code, out)
					}
				}
				f.clock.Advance(time.Second)
			}
			l, err := f.svc.Store.GetLeadByEmail(ctx, "victim@acme.example")
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Attributes) > 100 || len(l.MergedFrom) > 20 || leadSize(l) > MaxLeadBytes {
				t.Fatalf("after %d posts: %d attributes, %d merge refs, %d bytes", posts, len(l.Attributes), len(l.MergedFrom), leadSize(l))
			}
			if !sawDropped {
				t.Fatal("no answer said which attributes were dropped")
			}
			// Limits above what fits one item: the size check answers 413 and stores nothing.
			f.svc.Org.Settings.LeadLimits.MaxAttributes = 1000
			grown := 0
			for i := 0; i < 5; i++ {
				form := url.Values{"email": {"victim@acme.example"}}
				for a := 0; a < 20; a++ {
					form.Set(fmt.Sprintf("g%d_%d", i, a), strings.Repeat("é", 2000))
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/forms/contact", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
				code, out := doJSON(t, req)
				if code == http.StatusRequestEntityTooLarge {
					grown = -1
					break
				}
				if code != http.StatusOK {
					t.Fatalf("growing post %d: %d %v", i, code, out)
				}
			}
			if grown != -1 {
				t.Fatal("a lead grown past one stored item was not refused with 413")
			}
			l, _ = f.svc.Store.GetLeadByEmail(ctx, "victim@acme.example")
			if leadSize(l) > MaxLeadBytes {
				t.Fatalf("stored lead is %d bytes", leadSize(l))
			}
			var after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&after)
			if grow := int64(after.HeapAlloc) - int64(before.HeapAlloc); grow > 64<<20 {
				t.Fatalf("heap grew by %d MB over %d posts", grow>>20, posts)
			}
		})
	}
}

func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = jsonDecode(res, &out)
	return res.StatusCode, out
}

func jsonDecode(res *http.Response, v any) error { return json.NewDecoder(res.Body).Decode(v) }
