package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

// KindStats is what one request kind of the mix did.
type KindStats struct {
	Sent   int `json:"sent"`
	OK     int `json:"ok"`
	Errors int `json:"errors"`
	// Skipped handoffs found no routed lead with an SDR owner to hand over yet.
	Skipped int     `json:"skipped,omitempty"`
	HTTP    Latency `json:"http"`
}

// mixState is what the deal and handoff generators share during a run.
type mixState struct {
	org *domain.Org
	st  *sqlite.Store

	aes      []string
	pipeline string
	stage    string
	fields   []string

	mu    sync.Mutex
	leads []acceptedLead // accepted leads not yet handed over, oldest first
}

type acceptedLead struct {
	id string
	at time.Time
}

func newMixState(org *domain.Org, st *sqlite.Store) (*mixState, error) {
	m := &mixState{org: org, st: st, fields: org.Handoff.Fields()}
	for _, r := range org.Reps {
		if r.Role == domain.RoleAE && r.Active {
			m.aes = append(m.aes, r.ID)
		}
	}
	p, ok := org.Pipeline("")
	if !ok || len(m.aes) == 0 {
		return nil, fmt.Errorf("--mix deals needs an org file with a pipeline and an active AE")
	}
	m.pipeline = p.ID
	for _, s := range p.Stages {
		if !s.Won && !s.Lost {
			m.stage = s.ID
			break
		}
	}
	return m, nil
}

func (m *mixState) accepted(id string, at time.Time) {
	m.mu.Lock()
	m.leads = append(m.leads, acceptedLead{id, at})
	m.mu.Unlock()
}

// routedSDRLead takes the oldest accepted lead that is routed to an SDR (the one who hands it
// over); leads younger than a second are left to be routed.
func (m *mixState) routedSDRLead(ctx context.Context, now time.Time) (id, sdr string, ok bool) {
	for tries := 0; tries < 5; tries++ {
		m.mu.Lock()
		if len(m.leads) == 0 || now.Sub(m.leads[0].at) < time.Second {
			m.mu.Unlock()
			return "", "", false
		}
		c := m.leads[0]
		m.leads = m.leads[1:]
		m.mu.Unlock()
		l, err := m.st.GetLead(ctx, c.id)
		if err != nil || l.RoutedAt == nil {
			continue
		}
		if r, found := m.org.Rep(l.OwnerID); found && r.Role == domain.RoleSDR {
			return l.ID, r.ID, true
		}
	}
	return "", "", false
}

func (m *mixState) dealBody(run string, i int) []byte {
	b, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("Load %s deal %d", run, i), "pipeline": m.pipeline, "stage": m.stage,
		"ownerId": m.aes[i%len(m.aes)], "amount": fmt.Sprintf("%d.00", 5000+i%50*1000), "currency": m.org.Settings.Currency, "source": "api"})
	return b
}

func (m *mixState) handoffBody(sdr string) []byte {
	f := map[string]string{}
	for _, name := range m.fields {
		f[name] = "load test: " + name
	}
	b, _ := json.Marshal(map[string]any{"sdrId": sdr, "notes": map[string]any{"fields": f, "text": "handed over by dealflow load"}})
	return b
}

// sendSigned posts a JSON body with the API token (deals, handoffs) and classifies the answer
// (2xx is success).
func sendSigned(ctx context.Context, c *http.Client, u string, body []byte, token, idem string, o *outcome) *http.Response {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		o.errKind = "request: " + err.Error()
		return nil
	}
	req.Header.Set("Content-Type", "application/json")
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	o.sent = time.Now()
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	o.took = time.Since(o.sent)
	if err != nil {
		o.errKind = "transport: " + errClass(err)
		return nil
	}
	o.status = resp.StatusCode
	return resp
}

func sendDeal(ctx context.Context, c *http.Client, base *url.URL, cfg Config, m *mixState, run string, i int, o outcome) outcome {
	resp := sendSigned(ctx, c, base.JoinPath("/v1/deals").String(), m.dealBody(run, i), cfg.Token, fmt.Sprintf("load-%s-%d", run, i), &o)
	if resp == nil {
		return o
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		o.errKind = fmt.Sprintf("deals: HTTP %d", resp.StatusCode)
	}
	return o
}

func sendHandoff(ctx context.Context, c *http.Client, base *url.URL, cfg Config, m *mixState, o outcome) outcome {
	id, sdr, ok := m.routedSDRLead(ctx, time.Now())
	if !ok {
		o.skipped = true
		return o
	}
	resp := sendSigned(ctx, c, base.JoinPath("/v1/leads", id, "handoff").String(), m.handoffBody(sdr), cfg.Token, "", &o)
	if resp == nil {
		return o
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		o.errKind = fmt.Sprintf("handoffs: HTTP %d", resp.StatusCode)
	}
	return o
}
