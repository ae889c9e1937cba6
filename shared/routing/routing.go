// Package routing decides who owns a lead, a handoff or an onboarding: ordered rules from the org
// file (first match wins), sticky account owners, territories, weighted round-robin pools with
// daily and monthly caps and a fairness ledger, out-of-office and working-hours skips, and a
// fallback. Every decision carries a sentence a rep can read to see why.
package routing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Counters is the part of the Store routing needs: exact counters under concurrency.
type Counters interface {
	IncrementCounter(ctx context.Context, key string, delta int64) (int64, error)
	// IncrementCounters adds delta to each key (in one write where the store can) and returns the
	// new values in order: a rep's day and month counters are charged in one round trip.
	IncrementCounters(ctx context.Context, keys []string, delta int64) ([]int64, error)
	GetCounters(ctx context.Context, keys ...string) (map[string]int64, error)
}

// Subject is what is being routed: a lead's attributes plus the owner of its matched account.
type Subject struct {
	Lead         domain.Lead
	AccountOwner string // rep id of the account owner, "" when no account matched
}

// Decision is the outcome of routing.
type Decision struct {
	OwnerID     string `json:"ownerId"` // always present: the workflow reads it
	Queue       string `json:"queue"`
	Rule        string `json:"rule"`
	Pool        string `json:"pool,omitempty"`
	Explanation string `json:"explanation"`
	// Counted lists the counter keys incremented for this assignment, so a reassignment can
	// credit them back (CreditBack).
	Counted []string `json:"counted,omitempty"`
}

// Router routes with the org's rules. Available reports whether a rep works at t (working hours
// and holidays); nil means always.
type Router struct {
	Org       *domain.Org
	Counters  Counters
	Available func(rep *domain.Rep, t time.Time) bool
	// Ledger, when set, replaces the stale check with counts held in memory by the one process
	// that does all the routing (the local runtime): see Ledger.
	Ledger *Ledger
}

// Route runs the rules of stage in order and returns the first decision that names an owner or a
// queue; otherwise the fallback. exclude lists reps that must not get it (e.g. an AE who declined).
func (r *Router) Route(ctx context.Context, stage domain.RoutingStage, s Subject, now time.Time, exclude ...string) (Decision, error) {
	var why []string
	for _, rule := range r.Org.Routing.Rules {
		rs := rule.Stage
		if rs == "" {
			rs = domain.RouteLead
		}
		if rs != stage || !r.matches(rule.Match, s) {
			continue
		}
		a := rule.Action
		switch {
		case a.AccountOwner:
			if s.AccountOwner == "" {
				continue
			}
			rep, ok := r.Org.Rep(s.AccountOwner)
			if !ok {
				why = append(why, fmt.Sprintf("rule %s: account owner %s is not in the org file", rule.ID, s.AccountOwner))
				continue
			}
			if reason := r.unavailable(rep, now, true, false, exclude); reason != "" {
				why = append(why, fmt.Sprintf("rule %s: account owner %s %s", rule.ID, rep.Name, reason))
				continue
			}
			return Decision{OwnerID: rep.ID, Rule: rule.ID, Explanation: join(why, fmt.Sprintf("rule %s → account owner %s (sticky)", rule.ID, rep.Name))}, nil
		case a.Rep != "":
			rep, ok := r.Org.Rep(a.Rep)
			if !ok {
				continue
			}
			if reason := r.unavailable(rep, now, true, false, exclude); reason != "" {
				why = append(why, fmt.Sprintf("rule %s: %s %s", rule.ID, rep.Name, reason))
				continue
			}
			return Decision{OwnerID: rep.ID, Rule: rule.ID, Explanation: join(why, fmt.Sprintf("rule %s → %s", rule.ID, rep.Name))}, nil
		case a.Queue != "":
			return Decision{Queue: a.Queue, Rule: rule.ID, Explanation: join(why, fmt.Sprintf("rule %s → queue %s", rule.ID, a.Queue))}, nil
		case a.Pool != "":
			pool, ok := r.Org.Pool(a.Pool)
			if !ok {
				continue
			}
			d, text, err := r.fromPool(ctx, pool, now, exclude)
			if err != nil {
				return Decision{}, fmt.Errorf("route with rule %s: %w", rule.ID, err)
			}
			if d.OwnerID != "" {
				d.Rule = rule.ID
				d.Explanation = join(why, fmt.Sprintf("rule %s → pool %s; %s", rule.ID, pool.ID, text))
				return d, nil
			}
			why = append(why, fmt.Sprintf("rule %s → pool %s; %s", rule.ID, pool.ID, text))
		}
	}
	fb := r.Org.Routing.Fallback
	if fb.Rep != "" {
		if rep, ok := r.Org.Rep(fb.Rep); ok && !slices.Contains(exclude, rep.ID) {
			return Decision{OwnerID: rep.ID, Rule: "fallback", Explanation: join(why, "no rule assigned it → fallback owner "+rep.Name)}, nil
		}
	}
	q := fb.Queue
	if q == "" {
		q = "unassigned"
	}
	return Decision{Queue: q, Rule: "fallback", Explanation: join(why, "no rule assigned it → fallback queue "+q)}, nil
}

func join(why []string, last string) string {
	return strings.Join(append(slices.Clone(why), last), "; ")
}

// unavailable returns why rep cannot take the assignment now, or "".
func (r *Router) unavailable(rep *domain.Rep, now time.Time, skipOOO, hours bool, exclude []string) string {
	switch {
	case slices.Contains(exclude, rep.ID):
		return "already had it"
	case !rep.Active:
		return "is inactive"
	case !rep.StartDate.IsZero() && now.Before(rep.StartDate.In(rep.Location())):
		// A rep who has not started yet (start_date in the org file, a day where they work)
		// gets no leads, handoffs or onboardings; the digest pro-rates their quota from it.
		return "starts on " + rep.StartDate.String()
	}
	if skipOOO {
		if a, away := rep.OutOfOfficeAt(now); away {
			return fmt.Sprintf("is out of office until %s", a.To)
		}
	}
	if hours && r.Available != nil && !r.Available(rep, now) {
		return "is outside working hours"
	}
	return ""
}

// Counter keys. The ledger window is the org's day and month in the org time zone, so a cap of
// 5 a day means 5 between local midnights.
func dayKey(pool, rep string, t time.Time) string {
	return "route:" + pool + ":" + rep + ":d:" + t.Format("2006-01-02")
}
func monthKey(pool, rep string, t time.Time) string {
	return "route:" + pool + ":" + rep + ":m:" + t.Format("2006-01")
}

type candidate struct {
	rep    *domain.Rep
	m      domain.PoolMember
	day    int64
	month  int64
	reason string
}

// fromPool picks the eligible member with the lowest weighted load ((count+1)/weight, today),
// which keeps each rep within one assignment of their exact weighted share. Caps are enforced by
// incrementing first and rolling back when over, so they hold exactly under concurrent leads.
func (r *Router) fromPool(ctx context.Context, pool *domain.Pool, now time.Time, exclude []string) (Decision, string, error) {
	if r.Ledger != nil {
		return r.fromLedger(ctx, pool, now, exclude)
	}
	for attempt := 1; ; attempt++ {
		d, text, stale, err := r.tryPool(ctx, pool, now, exclude, attempt < maxStaleRetries)
		if err != nil || !stale {
			return d, text, err
		}
	}
}

// maxStaleRetries bounds how often a pick is redone because a concurrent lead changed the
// chosen rep's count between reading and charging it.
const maxStaleRetries = 8

// tryPool makes one pick. When retryStale is set and the chosen rep's counter moved since it was
// read (another lead was assigned concurrently), the charge is undone and stale is returned, so
// the pick is made again on fresh counts: shares stay exact under concurrent leads.
// poolKeys are the day and month counter keys of every member of pool.
func poolKeys(pool *domain.Pool, local time.Time) []string {
	keys := make([]string, 0, 2*len(pool.Members))
	for _, m := range pool.Members {
		keys = append(keys, dayKey(pool.ID, m.Rep, local), monthKey(pool.ID, m.Rep, local))
	}
	return keys
}

// candidates lists the members that may take the pick, best first (lowest (count+1)/weight; ties
// to the higher weight, then pool order), and the reasons the others were skipped.
func (r *Router) candidates(pool *domain.Pool, now, local time.Time, exclude []string, counts map[string]int64) ([]*candidate, []string) {
	var cands []*candidate
	var skipped []string
	for _, m := range pool.Members {
		rep, ok := r.Org.Rep(m.Rep)
		if !ok || m.Weight <= 0 {
			continue
		}
		c := &candidate{rep: rep, m: m, day: counts[dayKey(pool.ID, m.Rep, local)], month: counts[monthKey(pool.ID, m.Rep, local)]}
		if reason := r.unavailable(rep, now, pool.SkipOutOfOffice, pool.RespectWorkingHours, exclude); reason != "" {
			skipped = append(skipped, fmt.Sprintf("skipped %s (%s)", rep.Name, strings.TrimPrefix(reason, "is ")))
			continue
		}
		// Caps already reached are skipped up front (in pool order, for a readable explanation);
		// the increment below still guards against a concurrent lead taking the last slot.
		if m.DailyCap > 0 && c.day >= int64(m.DailyCap) {
			skipped = append(skipped, fmt.Sprintf("skipped %s (daily cap %d reached)", rep.Name, m.DailyCap))
			continue
		}
		if m.MonthlyCap > 0 && c.month >= int64(m.MonthlyCap) {
			skipped = append(skipped, fmt.Sprintf("skipped %s (monthly cap %d reached)", rep.Name, m.MonthlyCap))
			continue
		}
		cands = append(cands, c)
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int {
		l, r := (a.day+1)*int64(b.m.Weight), (b.day+1)*int64(a.m.Weight)
		switch {
		case l < r:
			return -1
		case l > r:
			return 1
		}
		return b.m.Weight - a.m.Weight
	})
	return cands, skipped
}

// assigned is the decision and explanation for giving the pick to c with day assignments today.
func assigned(pool *domain.Pool, c *candidate, day int64, dk, mk string, skipped []string) (Decision, string) {
	capText := ""
	if c.m.DailyCap > 0 {
		capText = fmt.Sprintf("/%d", c.m.DailyCap)
	}
	text := fmt.Sprintf("%s has %d%s today at weight %d", c.rep.Name, day, capText, c.m.Weight)
	return Decision{OwnerID: c.rep.ID, Pool: pool.ID, Counted: []string{dk, mk}}, strings.Join(append(skipped, text), "; ")
}

func (r *Router) tryPool(ctx context.Context, pool *domain.Pool, now time.Time, exclude []string, retryStale bool) (Decision, string, bool, error) {
	local := now.In(r.orgLocation())
	counts, err := r.Counters.GetCounters(ctx, poolKeys(pool, local)...)
	if err != nil {
		return Decision{}, "", false, err
	}
	cands, skipped := r.candidates(pool, now, local, exclude, counts)
	for _, c := range cands {
		dk, mk := dayKey(pool.ID, c.rep.ID, local), monthKey(pool.ID, c.rep.ID, local)
		// Both counters in one write; a pick that cannot stand is undone the same way.
		vals, err := r.Counters.IncrementCounters(ctx, []string{dk, mk}, 1)
		if err != nil {
			return Decision{}, "", false, err
		}
		day, month := vals[0], vals[1]
		undo := func() error {
			_, err := r.Counters.IncrementCounters(ctx, []string{dk, mk}, -1)
			return err
		}
		if retryStale && (day != c.day+1 || month != c.month+1) {
			if err := undo(); err != nil {
				return Decision{}, "", false, err
			}
			return Decision{}, "", true, nil
		}
		if c.m.DailyCap > 0 && day > int64(c.m.DailyCap) {
			if err := undo(); err != nil {
				return Decision{}, "", false, err
			}
			skipped = append(skipped, fmt.Sprintf("skipped %s (daily cap %d reached)", c.rep.Name, c.m.DailyCap))
			continue
		}
		if c.m.MonthlyCap > 0 && month > int64(c.m.MonthlyCap) {
			if err := undo(); err != nil {
				return Decision{}, "", false, err
			}
			skipped = append(skipped, fmt.Sprintf("skipped %s (monthly cap %d reached)", c.rep.Name, c.m.MonthlyCap))
			continue
		}
		d, text := assigned(pool, c, day, dk, mk, skipped)
		return d, text, false, nil
	}
	if len(skipped) == 0 {
		skipped = append(skipped, "no member available")
	}
	return Decision{}, strings.Join(skipped, "; "), false, nil
}

// CreditBack returns a pool assignment to the ledger when the lead is reassigned, so the rep is
// not charged for work they did not keep.
func (r *Router) CreditBack(ctx context.Context, d Decision) error {
	if r.Ledger != nil && len(d.Counted) > 0 {
		r.Ledger.add(d.Counted, -1)
		if _, err := r.Counters.IncrementCounters(ctx, d.Counted, -1); err != nil {
			r.Ledger.add(d.Counted, 1)
			return fmt.Errorf("credit back %s: %w", strings.Join(d.Counted, ", "), err)
		}
		return nil
	}
	for _, k := range d.Counted {
		if _, err := r.Counters.IncrementCounter(ctx, k, -1); err != nil {
			return fmt.Errorf("credit back %s: %w", k, err)
		}
	}
	return nil
}

func (r *Router) orgLocation() *time.Location {
	if loc, err := domain.LoadLocation(r.Org.Settings.Timezone); err == nil && r.Org.Settings.Timezone != "" {
		return loc
	}
	return time.UTC
}

// matches reports whether every set condition of m holds for s (an empty condition matches).
func (r *Router) matches(m domain.RoutingMatch, s Subject) bool {
	l := s.Lead
	if m.ExistingAccount && s.AccountOwner == "" {
		return false
	}
	if len(m.Countries) > 0 && !containsFold(m.Countries, l.Country) {
		return false
	}
	if len(m.Segments) > 0 && !r.inSegments(m.Segments, l.Employees) {
		return false
	}
	if len(m.Industries) > 0 && !containsFold(m.Industries, l.Industry) {
		return false
	}
	if len(m.Sources) > 0 && !slices.ContainsFunc(m.Sources, func(src string) bool {
		return strings.EqualFold(src, l.Source) || strings.HasSuffix(src, "*") && strings.HasPrefix(l.Source, strings.TrimSuffix(src, "*"))
	}) {
		return false
	}
	if len(m.Statuses) > 0 && !containsFold(m.Statuses, string(l.Grade)) {
		return false
	}
	if m.MinScore > 0 && l.Score < m.MinScore {
		return false
	}
	if len(m.Territories) > 0 && !slices.ContainsFunc(m.Territories, func(id string) bool {
		t, ok := r.Org.Territory(id)
		return ok && r.InTerritory(t, l)
	}) {
		return false
	}
	return true
}

// InTerritory reports whether a lead falls in a territory: its country (or region, when the
// territory lists regions), size segment and industry.
func (r *Router) InTerritory(t *domain.Territory, l domain.Lead) bool {
	if len(t.Regions) > 0 {
		region := l.Region
		if region == "" {
			region = l.State
		}
		if region != "" && !strings.Contains(region, "-") && l.Country != "" {
			region = l.Country + "-" + region
		}
		if !containsFold(t.Regions, region) {
			return false
		}
	} else if len(t.Countries) > 0 && !containsFold(t.Countries, l.Country) {
		return false
	}
	if len(t.Segments) > 0 && !r.inSegments(t.Segments, l.Employees) {
		return false
	}
	if len(t.Industries) > 0 && !containsFold(t.Industries, l.Industry) {
		return false
	}
	return true
}

func (r *Router) inSegments(ids []string, employees int) bool {
	if employees <= 0 {
		return false
	}
	for _, id := range ids {
		if seg, ok := r.Org.Segment(id); ok && seg.Contains(employees) {
			return true
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	if v == "" {
		return false
	}
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}
