package server

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/webhook"
)

type fakeCRM struct{}

// Contact answers every HubSpot contact id with a DACH contact derived from the id.
func (fakeCRM) Contact(_ context.Context, id int64) (map[string]string, error) {
	return map[string]string{"email": fmt.Sprintf("hs%d@kunde%d.de", id, id), "firstname": "HS", "lastname": strconv.FormatInt(id, 10),
		"company": fmt.Sprintf("Kunde %d AG", id), "country": "Germany"}, nil
}

// TestThousandLeadsOverHTTP is the [leads] acceptance run: 1,000 requests of every kind through
// the local runtime; every valid lead is routed exactly once, duplicates are merged, invalid ones
// are answered 4xx with nothing stored, and each routed lead gets exactly one notification.
func TestThousandLeadsOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "testdata/org.yaml", DBPath: filepath.Join(t.TempDir(), "db"), Env: testEnv, CRM: fakeCRM{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		t.Fatal(err)
	}
	srv := newServer(rt)
	defer func() { srv.Close(); cancel(); rt.Close() }()

	type req struct {
		path, ctype, body string
		hdr               map[string]string
		want              int
		kind              string
	}
	var reqs []req
	signed := func(body string) map[string]string {
		return map[string]string{"Dealflow-Signature": webhook.Sign([]byte(body), time.Now(), "lead-secret")}
	}
	uniqueEmails := map[string]bool{}
	for i := 0; i < 1000; i++ {
		switch {
		case i%10 < 6: // a new lead
			email := fmt.Sprintf("p%d@firma%d.de", i, i)
			uniqueEmails[email] = true
			b := fmt.Sprintf(`{"email":%q,"name":"P %d","company":"Firma %d","country":"DE","employees":"%d"}`, email, i, i, 100+i)
			reqs = append(reqs, req{"/v1/leads", "application/json", b, signed(b), 202, "new"})
		case i%10 == 6: // the same person again, different casing: merged
			j := i - 6
			b := fmt.Sprintf(`{"email":"P%d@FIRMA%d.de","title":"CTO","country":"AT"}`, j, j)
			reqs = append(reqs, req{"/v1/leads", "application/json", b, signed(b), 200, "dup"})
		case i%10 == 7: // a HubSpot batch of two contact events
			batch := fmt.Sprintf(`[{"eventId":%d,"subscriptionId":1,"portalId":7,"occurredAt":1764147600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":%d},
				{"eventId":%d,"subscriptionId":1,"portalId":7,"occurredAt":1764147600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":%d}]`, 2*i, 2*i, 2*i+1, 2*i+1)
			uniqueEmails[fmt.Sprintf("hs%d@kunde%d.de", 2*i, 2*i)] = true
			uniqueEmails[fmt.Sprintf("hs%d@kunde%d.de", 2*i+1, 2*i+1)] = true
			reqs = append(reqs, req{"/v1/webhooks/hubspot", "application/json", batch, nil, 200, "hubspot"})
		case i%10 == 8: // invalid: bad email
			b := fmt.Sprintf(`{"email":"nope-%d","country":"DE"}`, i)
			reqs = append(reqs, req{"/v1/leads", "application/json", b, signed(b), 400, "invalid"})
		default: // invalid: bad signature
			b := fmt.Sprintf(`{"email":"x%d@y.de"}`, i)
			reqs = append(reqs, req{"/v1/leads", "application/json", b, map[string]string{"Dealflow-Signature": "t=1,v1=00"}, 401, "unsigned"})
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var mu sync.Mutex
	codes := map[string]map[int]int{}
	for _, r := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func(r req) {
			defer func() { <-sem; wg.Done() }()
			hdr := r.hdr
			if r.kind == "hubspot" {
				ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
				hdr = map[string]string{"X-HubSpot-Request-Timestamp": ts,
					"X-HubSpot-Signature-v3": webhook.SignHubSpotV3("hs-secret", "POST", srv.URL+r.path, []byte(r.body), ts)}
			}
			hr, _ := http.NewRequest(http.MethodPost, srv.URL+r.path, bytes.NewBufferString(r.body))
			hr.Header.Set("Content-Type", r.ctype)
			for k, v := range hdr {
				hr.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(hr)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			if codes[r.kind] == nil {
				codes[r.kind] = map[int]int{}
			}
			codes[r.kind][res.StatusCode]++
			mu.Unlock()
		}(r)
	}
	wg.Wait()
	// A new lead and its duplicate race (8 clients at once): whichever lands first is the new one.
	if got := codes["new"][202] + codes["dup"][202]; got != 600 || codes["new"][200]+codes["dup"][200] != 100 {
		t.Errorf("new+duplicate requests: %v / %v, want 600 × 202 and 100 × 200", codes["new"], codes["dup"])
	}
	for _, r := range []struct {
		kind string
		code int
		n    int
	}{{"hubspot", 200, 100}, {"invalid", 400, 100}, {"unsigned", 401, 100}} {
		if codes[r.kind][r.code] != r.n {
			t.Errorf("%s requests: codes %v, want %d × %d", r.kind, codes[r.kind], r.n, r.code)
		}
	}
	want := len(uniqueEmails) // 600 + 200
	waitFor(t, "every lead routed and notified", func() bool {
		n, _ := rt.Outbox.Count(ctx)
		return n >= want
	})
	time.Sleep(200 * time.Millisecond) // anything extra would show up now
	if n, _ := rt.Outbox.Count(ctx); n != want {
		t.Fatalf("outbox has %d messages for %d leads", n, want)
	}
	routed, total := 0, 0
	byRule := map[string]int{}
	var lat []time.Duration
	for email := range uniqueEmails {
		l, err := rt.Store.GetLeadByEmail(ctx, email)
		if err != nil {
			t.Fatalf("lead %s: %v", email, err)
		}
		total++
		byRule[l.RoutingRule+"/"+l.OwnerID]++
		if l.Status == domain.LeadRouted && l.OwnerID != "" {
			routed++
			lat = append(lat, l.RoutedAt.Sub(l.CreatedAt))
		}
		if len(l.MergedFrom) > 1 {
			t.Errorf("lead %s merged %d times", email, len(l.MergedFrom))
		}
	}
	if routed != want {
		t.Fatalf("%d of %d leads routed", routed, want)
	}
	c, _ := rt.Store.GetCounters(ctx, "route:dach-sdr:sam:d:"+time.Now().In(berlin()).Format("2006-01-02"), "route:dach-sdr:sue:d:"+time.Now().In(berlin()).Format("2006-01-02"))
	var charged int64
	for _, v := range c {
		charged += v
	}
	if charged != int64(want) {
		t.Fatalf("routing ledger charged %d times for %d leads (%v)", charged, want, byRule)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("1,000 requests: %d leads routed exactly once; intake→routed p50 %v, p99 %v (burst of 8 concurrent clients)",
		routed, lat[len(lat)/2], lat[len(lat)*99/100])
}

func berlin() *time.Location {
	l, _ := time.LoadLocation("Europe/Berlin")
	return l
}
