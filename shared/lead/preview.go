package lead

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Preview is what would happen to a lead now — the dry run of `dealflow route`: the same
// normalisation, account match, scoring and routing as the lead-qualification workflow, with
// nothing written.
type Preview struct {
	Status  string   `json:"status"` // routed or disqualified, as the workflow would leave it
	Score   int      `json:"score"`
	Grade   string   `json:"grade"` // "", mql or sql
	OwnerID string   `json:"ownerId"`
	Queue   string   `json:"queue"`
	Rule    string   `json:"rule"`
	Pool    string   `json:"pool"`
	Reasons []string `json:"reasons"`
	// Skipped lists each pool member passed over and why (out of office, cap, working hours).
	Skipped     []string           `json:"skipped"`
	ScoreLines  []domain.ScoreLine `json:"scoreLines"`
	GradeReason string             `json:"gradeReason"`
	Disqualify  string             `json:"disqualifyReason,omitempty"`
	Account     *domain.Account    `json:"account,omitempty"`
	Explanation string             `json:"explanation"`
	Lead        domain.Lead        `json:"lead"` // normalised
	Warnings    []string           `json:"warnings,omitempty"`
	At          time.Time          `json:"at"`
}

// PreviewReader is what a dry run reads: accounts and today's routing counters. Nil reads
// nothing (no accounts, empty counters).
type PreviewReader interface {
	GetAccountByDomain(ctx context.Context, domain string) (domain.Account, error)
	GetAccount(ctx context.Context, id string) (domain.Account, error)
	GetCounters(ctx context.Context, keys ...string) (map[string]int64, error)
}

// ParsePreviewLead reads a lead file for a dry run: the JSON of POST /v1/leads, plus optional
// "touches" ([{"activity": ..., "at": RFC 3339}] or ["demo_requested", ...]) and "form" (a form
// id of the org file: its field mapping, source and touch apply, as for a form post).
func ParsePreviewLead(org *domain.Org, body []byte, n qualify.Normalizer, now time.Time) (domain.Lead, []string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return domain.Lead{}, nil, fmt.Errorf("the lead must be a JSON object of lead fields: %v", err)
	}
	var touches []domain.Touch
	if raw, ok := obj["touches"]; ok {
		delete(obj, "touches")
		ts, err := previewTouches(raw, now)
		if err != nil {
			return domain.Lead{}, nil, err
		}
		touches = ts
	}
	var form *domain.Form
	if raw, ok := obj["form"]; ok {
		var id string
		if err := json.Unmarshal(raw, &id); err != nil {
			return domain.Lead{}, nil, errors.New(`"form" must be a form id of the org file`)
		}
		for i := range org.Forms {
			if org.Forms[i].ID == id {
				form = &org.Forms[i]
			}
		}
		if form == nil {
			return domain.Lead{}, nil, fmt.Errorf("no form %q in the org file", id)
		}
		delete(obj, "form")
		// Apply the form's mapping to the JSON names, as the form endpoint does to posted names.
		for from, to := range form.Fields {
			for k, v := range obj {
				if strings.EqualFold(k, from) && !strings.EqualFold(k, to) {
					delete(obj, k)
					obj[to] = v
				}
			}
		}
	}
	clean, _ := json.Marshal(obj)
	source := "api"
	if form != nil {
		source = "form:" + form.ID
		if form.Source != "" {
			source = form.Source
		}
	}
	norm, err := webhook.ParseLeadJSON(clean, source, n)
	if err != nil {
		return domain.Lead{}, nil, fmt.Errorf("invalid lead: %w", err)
	}
	l := norm.Lead
	if form != nil {
		l.Touches = append(l.Touches, domain.Touch{Kind: form.TouchKind(), At: now, Source: "form:" + form.ID})
	}
	l.AddTouches(touches...)
	var warns []string
	for _, w := range norm.Warnings {
		warns = append(warns, w.Field+": "+w.Reason)
	}
	return l, warns, nil
}

func previewTouches(raw json.RawMessage, now time.Time) ([]domain.Touch, error) {
	var names []string
	if json.Unmarshal(raw, &names) == nil {
		out := make([]domain.Touch, len(names))
		for i, n := range names {
			out[i] = domain.Touch{Kind: strings.ToLower(strings.TrimSpace(n)), At: now}
		}
		return out, nil
	}
	var list []struct {
		Activity, Kind, Type, At string
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New(`"touches" must be a list of activities or of {"activity": ..., "at": RFC 3339}`)
	}
	out := make([]domain.Touch, 0, len(list))
	for i, t := range list {
		kind := strings.ToLower(strings.TrimSpace(t.Activity + t.Kind + t.Type))
		if kind == "" {
			return nil, fmt.Errorf("touches[%d]: activity is required", i)
		}
		at := now
		if t.At != "" {
			v, err := time.Parse(time.RFC3339, t.At)
			if err != nil {
				return nil, fmt.Errorf("touches[%d].at: want RFC 3339, e.g. 2026-11-30T09:15:00Z", i)
			}
			at = v
		}
		out = append(out, domain.Touch{Kind: kind, At: at})
	}
	return out, nil
}

// PreviewRoute qualifies and routes l as of now without writing: counters are read from rd (or
// start at zero) and charged only in memory.
func PreviewRoute(ctx context.Context, org *domain.Org, rd PreviewReader, available func(*domain.Rep, time.Time) bool, l domain.Lead, now time.Time) (Preview, error) {
	p := Preview{Lead: l, At: now, Reasons: []string{}, Skipped: []string{}}
	var match qualify.AccountMatch
	if rd != nil && l.Domain != "" {
		var cands []domain.Account
		for _, dom := range parentDomains(l.Domain) {
			a, err := rd.GetAccountByDomain(ctx, dom)
			if err == nil {
				cands = append(cands, a)
			} else if !errors.Is(err, store.ErrNotFound) {
				return p, fmt.Errorf("read account %s: %w", dom, err)
			}
		}
		match, _ = qualify.MatchAccount(l, cands)
	}
	res := ScoringModel(org.Scoring).Score(l, l.Touches, now)
	res.Apply(&l)
	p.Score, p.Grade, p.ScoreLines, p.GradeReason = res.Score, string(res.Grade), res.Lines, res.GradeReason
	if p.ScoreLines == nil {
		p.ScoreLines = []domain.ScoreLine{}
	}
	for _, s := range res.Lines {
		p.Reasons = append(p.Reasons, s.Kind+": "+s.Reason)
	}
	p.Reasons = append(p.Reasons, res.GradeReason)
	if match.Account.ID != "" {
		l.AccountID, l.Account = match.Account.ID, accountLine(match.Account, match.Reason)
		a := match.Account
		p.Account = &a
		p.Reasons = append(p.Reasons, l.Account)
	}
	p.Lead = l
	if res.Disqualified {
		p.Status, p.Disqualify = string(domain.LeadDisqualified), res.DisqualifyReason
		p.Explanation = "disqualified: " + res.DisqualifyReason + "; not routed"
		p.Reasons = append(p.Reasons, p.Explanation)
		return p, nil
	}
	r := &routing.Router{Org: org, Counters: &dryCounters{base: rd}, Available: available}
	dec, err := r.Route(ctx, domain.RouteLead, routing.Subject{Lead: l, AccountOwner: match.Account.OwnerID}, now)
	if err != nil {
		return p, err
	}
	p.Status = string(domain.LeadRouted)
	p.OwnerID, p.Queue, p.Rule, p.Pool, p.Explanation = dec.OwnerID, dec.Queue, dec.Rule, dec.Pool, dec.Explanation
	if l.Account != "" {
		p.Explanation = l.Account + "; " + dec.Explanation // as RouteLead stores it
	}
	for _, part := range strings.Split(dec.Explanation, "; ") {
		p.Reasons = append(p.Reasons, part)
		if strings.HasPrefix(part, "skipped ") {
			p.Skipped = append(p.Skipped, part)
		} else if i := strings.Index(part, "; skipped "); i >= 0 {
			p.Skipped = append(p.Skipped, part[i+2:])
		}
	}
	return p, nil
}

// dryCounters reads counters from base (nil = all zero) and keeps increments in memory.
type dryCounters struct {
	base  PreviewReader
	mu    sync.Mutex
	delta map[string]int64
}

func (c *dryCounters) GetCounters(ctx context.Context, keys ...string) (map[string]int64, error) {
	out := map[string]int64{}
	if c.base != nil {
		got, err := c.base.GetCounters(ctx, keys...)
		if err != nil {
			return nil, err
		}
		for k, v := range got {
			out[k] = v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		out[k] += c.delta[k]
	}
	return out, nil
}

func (c *dryCounters) IncrementCounters(ctx context.Context, keys []string, d int64) ([]int64, error) {
	c.mu.Lock()
	if c.delta == nil {
		c.delta = map[string]int64{}
	}
	for _, k := range keys {
		c.delta[k] += d
	}
	c.mu.Unlock()
	got, err := c.GetCounters(ctx, keys...)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i] = got[k]
	}
	return out, nil
}

func (c *dryCounters) IncrementCounter(ctx context.Context, key string, d int64) (int64, error) {
	v, err := c.IncrementCounters(ctx, []string{key}, d)
	if err != nil {
		return 0, err
	}
	return v[0], nil
}
