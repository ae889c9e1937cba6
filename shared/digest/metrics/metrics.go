package metrics

import (
	"sort"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Input is everything one digest counts. The caller loads (Plan says which windows):
//   - Deals: the team's deals open now, closed in [Plan.ClosedFrom, AsOf), won in
//     [Plan.WonFrom, AsOf) and created in [Plan.CreatedFrom, AsOf); duplicates are fine.
//   - Activities of the members in [Previous.Start, Period.End).
//   - Handoffs the members were asked to accept: requested in [Plan.HandoffsFrom, AsOf), the
//     open ones and those behind recent deals; duplicates are fine.
//   - Leads routed to the members in [Plan.LeadsFrom, AsOf); Onboardings of the members who are CSMs.
type Input struct {
	Org    *domain.Org
	TeamID string
	// Members are the rep ids reported one by one (the team's members, manager excluded).
	Members []string
	Period  Period
	// AsOf is when the digest is computed; stale deals, pacing and "closing this period" use it.
	AsOf time.Time
	// Currency is the report currency (default: the org currency).
	Currency string

	Deals       []domain.Deal
	Activities  []domain.Activity
	Handoffs    []domain.Handoff
	Leads       []domain.Lead
	Onboardings []domain.Onboarding
}

// LoadPlan names the windows a caller must load for Compute.
type LoadPlan struct {
	ClosedFrom time.Time // deals won or lost in [ClosedFrom, AsOf)
	// WonFrom: deals won in [WonFrom, AsOf), for quota-to-date attainment; lost deals before
	// ClosedFrom are not needed.
	WonFrom      time.Time
	CreatedFrom  time.Time // deals created in [CreatedFrom, AsOf)
	LeadsFrom    time.Time // leads routed in [LeadsFrom, AsOf): a lead is routed after it is created
	HandoffsFrom time.Time // handoffs requested in [HandoffsFrom, AsOf)
	ActivityFrom time.Time // activities in [ActivityFrom, ActivityTo)
	ActivityTo   time.Time
	Quota        Period
}

// Plan returns the windows Compute needs for a period.
func Plan(period Period) LoadPlan {
	prev := period.Previous()
	q := QuotaPeriod(period)
	won := prev.Start
	if q.Start.Before(won) {
		won = q.Start
	}
	// A handoff answered in the reported periods may have been requested one period earlier.
	return LoadPlan{ClosedFrom: prev.Start, WonFrom: won, CreatedFrom: prev.Start, LeadsFrom: prev.Start,
		HandoffsFrom: prev.Previous().Start, ActivityFrom: prev.Start, ActivityTo: period.End, Quota: q}
}

// QuotaPeriod is the quota period a digest measures attainment in: the month or quarter being
// reported, or for a weekly digest the quarter that contains the week's last day (quarter-to-date,
// as most sales teams carry quarterly quotas).
func QuotaPeriod(p Period) Period {
	kind := p.Kind
	if kind == Week {
		kind = Quarter
	}
	return PeriodAt(kind, p.End.Add(-time.Nanosecond), p.Loc)
}

// Report is a digest's numbers.
type Report struct {
	TeamID    string    `json:"teamId"`
	Period    Period    `json:"-"`
	Previous  Period    `json:"-"`
	PeriodKey string    `json:"periodKey"`
	AsOf      time.Time `json:"asOf"`
	Currency  string    `json:"currency"`

	Team  Summary      `json:"team"`
	Prior Summary      `json:"prior"` // the previous period, for deltas
	Reps  []RepSummary `json:"reps"`

	Funnel          []StageStep   `json:"funnel"`
	PipelineByStage []StageAmount `json:"pipelineByStage"`
	Quota           QuotaReport   `json:"quota"`
	// Stale lists the StaleListLimit most valuable stale deals; StaleMore counts the rest, so the
	// report stays small enough for a Step Functions payload whatever the team's backlog.
	Stale      []StaleDeal      `json:"stale"`
	StaleMore  StaleMore        `json:"staleMore"`
	TopDeals   []DealLine       `json:"topDeals"` // open deals closing in the current period
	Onboarding OnboardingStatus `json:"onboarding"`
}

// Summary is a team's or a rep's numbers for one period.
type Summary struct {
	Won  int `json:"won"`
	Lost int `json:"lost"`
	// WinRate = won ÷ (won + lost) closed in the period; n/a when nothing closed.
	WinRate   Maybe[float64] `json:"winRate"`
	WonAmount Amount         `json:"wonAmount"`
	// AvgDealSize = won amount ÷ won count.
	AvgDealSize Maybe[Amount] `json:"avgDealSize"`
	// CycleDays = mean(close − create) over deals won in the period, in days.
	CycleDays Maybe[float64] `json:"cycleDays"`
	// Velocity = open deals × average deal size × win rate ÷ cycle length, per day, in the
	// report currency (converted amounts only).
	Velocity Maybe[domain.Money] `json:"velocity"`
	// OpenDeals, OpenPipeline and Weighted are a snapshot at the end of the period.
	OpenDeals    int    `json:"openDeals"`
	OpenPipeline Amount `json:"openPipeline"`
	// Weighted = Σ amount × stage probability.
	Weighted    Amount                      `json:"weighted"`
	Activities  map[domain.ActivityType]int `json:"activities"`
	NewLeads    int                         `json:"newLeads"`
	RoutedLeads int                         `json:"routedLeads"`
	Handoffs    HandoffSLA                  `json:"handoffs"`
}

// RepSummary is one rep's row.
type RepSummary struct {
	RepID   string      `json:"repId"`
	Name    string      `json:"name"`
	Role    domain.Role `json:"role,omitempty"`
	Current Summary     `json:"current"`
	Prior   Summary     `json:"prior"`
	Stale   int         `json:"stale"`
}

// StageStep is one funnel stage: how many deals of the period's cohort reached it.
type StageStep struct {
	Stage   string `json:"stage"`
	Name    string `json:"name"`
	Reached int    `json:"reached"`
	// Next = deals that reached the next stage ÷ deals that reached this one (n/a for the last
	// stage or when none reached this one).
	Next Maybe[float64] `json:"next"`
	// Cumulative = deals that reached this stage ÷ deals that reached the first stage.
	Cumulative Maybe[float64] `json:"cumulative"`
}

// StageAmount is the open pipeline in one stage at the end of the period.
type StageAmount struct {
	Stage       string `json:"stage"`
	Name        string `json:"name"`
	Probability int    `json:"probability"`
	Deals       int    `json:"deals"`
	Amount      Amount `json:"amount"`
	Weighted    Amount `json:"weighted"`
}

// QuotaReport is attainment in the quota period (QuotaPeriod) up to the end of the period.
type QuotaReport struct {
	Key  string       `json:"key"` // the quota period, e.g. "2026-Q4"
	Team Attainment   `json:"team"`
	Reps []Attainment `json:"reps"`
}

// Attainment is quota progress for a rep or the team.
type Attainment struct {
	RepID string `json:"repId,omitempty"`
	// Quota is in the report currency; pro-rated for a rep who started inside the quota period.
	Quota    domain.Money `json:"quota"`
	HasQuota bool         `json:"hasQuota"`
	ProRated bool         `json:"proRated,omitempty"`
	// Booked = won amount with close date in the quota period, up to the end of the period.
	Booked Amount `json:"booked"`
	// Attainment = booked ÷ quota.
	Attainment Maybe[float64] `json:"attainment"`
	DaysLeft   int            `json:"daysLeft"`
	// Pacing = (quota − booked) ÷ days left: what must be booked per day from now on (0 once
	// the quota is met).
	Pacing Maybe[domain.Money] `json:"pacing"`
	// Coverage = open pipeline closing in the quota period ÷ remaining quota.
	Coverage Maybe[float64] `json:"coverage"`
}

// HandoffSLA is how fast AEs accepted SDR handoffs.
type HandoffSLA struct {
	// Decided counts attempts accepted, expired, reassigned or still waiting past their SLA.
	Decided  int `json:"decided"`
	InSLA    int `json:"inSla"`
	Declined int `json:"declined"`
	// Share = accepted within the SLA ÷ decided.
	Share Maybe[float64] `json:"share"`
	// MedianToAccept is the median wall-clock time from assignment to acceptance.
	MedianToAccept Maybe[time.Duration] `json:"medianToAccept"`
}

// StaleDeal is an open deal a reminder policy flags.
type StaleDeal struct {
	DealLine
	Reasons []StaleReason `json:"reasons"`
}

// StaleReason names the policy and since when the deal is idle (no_activity) or overdue.
type StaleReason struct {
	Policy  string    `json:"policy"`
	Trigger string    `json:"trigger"`
	Since   time.Time `json:"since,omitzero"`
}

// DealLine identifies a deal in lists.
type DealLine struct {
	ID        string              `json:"id"`
	Name      string              `json:"name"`
	OwnerID   string              `json:"ownerId"`
	Stage     string              `json:"stage"`
	Amount    domain.Money        `json:"amount"`
	Converted Maybe[domain.Money] `json:"converted"`
	CloseDate *time.Time          `json:"closeDate,omitempty"`
}

// OnboardingStatus summarises the team's customer onboardings.
type OnboardingStatus struct {
	Active            int `json:"active"`
	StartedInPeriod   int `json:"startedInPeriod"`
	CompletedInPeriod int `json:"completedInPeriod"`
	// OverdueMilestones counts open milestones of active onboardings past their due time.
	OverdueMilestones int `json:"overdueMilestones"`
	// OnboardingsLate counts active onboardings with at least one overdue milestone.
	OnboardingsLate int `json:"onboardingsLate"`
}

// StaleListLimit is how many stale deals a report lists (largest first); the rest are counted
// in Report.StaleMore.
const StaleListLimit = 10

// StaleMore counts the stale deals beyond StaleListLimit.
type StaleMore struct {
	Count int `json:"count"`
	// Total sums their amounts in the report's currency; deals whose amount cannot be
	// converted are left out of it.
	Total domain.Money `json:"total"`
}

// TopDealsLimit is how many deals "closing this period" lists.
const TopDealsLimit = 5

// Compute computes a digest's numbers.
func Compute(in Input) Report {
	c := newCalc(in)
	prev := in.Period.Previous()
	r := Report{TeamID: in.TeamID, Period: in.Period, Previous: prev, PeriodKey: in.Period.Key(), AsOf: in.AsOf, Currency: c.conv.to}

	r.Team = c.summary(c.deals, nil, in.Period)
	r.Prior = c.summary(c.deals, nil, prev)
	for _, id := range c.rows {
		row := RepSummary{RepID: id, Name: id}
		if rep, ok := in.Org.Rep(id); ok {
			row.Name, row.Role = rep.Name, rep.Role
		}
		mine := c.byOwner[id]
		who := map[string]bool{id: true}
		row.Current = c.summary(mine, who, in.Period)
		row.Prior = c.summary(mine, who, prev)
		r.Reps = append(r.Reps, row)
	}
	r.Funnel = c.funnel()
	r.PipelineByStage = c.pipelineByStage()
	r.Quota = c.quota()
	r.Stale = c.stale()
	staleBy := map[string]int{}
	for _, s := range r.Stale {
		staleBy[s.OwnerID]++
	}
	for i := range r.Reps {
		r.Reps[i].Stale = staleBy[r.Reps[i].RepID]
	}
	if len(r.Stale) > StaleListLimit {
		r.StaleMore = StaleMore{Count: len(r.Stale) - StaleListLimit, Total: domain.Money{Currency: r.Currency}}
		for _, s := range r.Stale[StaleListLimit:] {
			if s.Converted.OK {
				r.StaleMore.Total.AmountMinor += s.Converted.V.AmountMinor
			}
		}
		r.Stale = r.Stale[:StaleListLimit:StaleListLimit]
	}
	r.TopDeals = c.topDeals()
	r.Onboarding = c.onboarding()
	return r
}

// calc holds the input indexed for the computations.
type calc struct {
	in       Input
	conv     converter
	deals    []*domain.Deal
	byOwner  map[string][]*domain.Deal
	rows     []string // members, then any other owner of a team deal (so rows sum to the team)
	members  map[string]bool
	pipeline *domain.Pipeline
}

func newCalc(in Input) *calc {
	cur := in.Currency
	if cur == "" {
		cur = in.Org.Settings.Currency
	}
	c := &calc{in: in, conv: converter{org: in.Org, to: cur}, byOwner: map[string][]*domain.Deal{}, members: map[string]bool{}}
	seen := map[string]bool{}
	for i := range in.Deals {
		d := &in.Deals[i]
		if seen[d.ID] || (in.TeamID != "" && d.TeamID != in.TeamID) {
			continue
		}
		seen[d.ID] = true
		c.deals = append(c.deals, d)
		c.byOwner[d.OwnerID] = append(c.byOwner[d.OwnerID], d)
	}
	for _, m := range in.Members {
		if !c.members[m] {
			c.members[m] = true
			c.rows = append(c.rows, m)
		}
	}
	var others []string
	for owner := range c.byOwner {
		if !c.members[owner] {
			others = append(others, owner)
		}
	}
	sort.Strings(others)
	c.rows = append(c.rows, others...)
	c.pipeline, _ = in.Org.Pipeline("")
	return c
}

// closedAt is when a won or lost deal closed (UpdatedAt for a record without ClosedAt).
func closedAt(d *domain.Deal) (time.Time, bool) {
	if d.IsOpen() {
		return time.Time{}, false
	}
	if d.ClosedAt != nil {
		return *d.ClosedAt, true
	}
	return d.UpdatedAt, true
}

// openAt reports whether d was open at t and in which stage: created before t and not closed by
// then. The stage comes from the stage history.
func openAt(d *domain.Deal, t time.Time) (string, bool) {
	if !d.CreatedAt.Before(t) {
		return "", false
	}
	if ct, closed := closedAt(d); closed && !ct.After(t) {
		return "", false
	}
	stage := d.Stage
	for i := len(d.StageHistory) - 1; i >= 0; i-- {
		if e := d.StageHistory[i]; e.EnteredAt.Before(t) {
			stage = e.Stage
			break
		}
	}
	return stage, true
}

// snapshotAt is the time the open pipeline of a period is measured: its end, or now for a period
// still running.
func (c *calc) snapshotAt(p Period) time.Time {
	if !c.in.AsOf.IsZero() && c.in.AsOf.Before(p.End) {
		return c.in.AsOf
	}
	return p.End
}

func (c *calc) probability(pipeline, stage string) int {
	p, ok := c.in.Org.Pipeline(pipeline)
	if !ok {
		return 0
	}
	s, ok := p.Stage(stage)
	if !ok {
		return 0
	}
	return s.Probability
}

// summary computes one period's numbers over deals; who limits activities, leads and handoffs to
// those reps (nil = the whole team).
func (c *calc) summary(deals []*domain.Deal, who map[string]bool, p Period) Summary {
	var s Summary
	won, wonCount := bag{}, map[string]int{}
	var cycle time.Duration
	for _, d := range deals {
		ct, closed := closedAt(d)
		if !closed || !p.Contains(ct) {
			continue
		}
		switch d.Status {
		case domain.DealWon:
			s.Won++
			won.add(d.Amount)
			wonCount[d.Amount.Currency]++
			cycle += ct.Sub(d.CreatedAt)
		case domain.DealLost:
			s.Lost++
		}
	}
	s.WinRate = ratio(float64(s.Won), float64(s.Won+s.Lost))
	s.WonAmount = c.conv.amount(won, 1)
	s.AvgDealSize = c.conv.average(won, wonCount)
	if s.Won > 0 {
		s.CycleDays = Some(cycle.Hours() / 24 / float64(s.Won))
	}
	at := c.snapshotAt(p)
	open, weighted := bag{}, bag{}
	for _, d := range deals {
		stage, ok := openAt(d, at)
		if !ok {
			continue
		}
		s.OpenDeals++
		open.add(d.Amount)
		weighted.add(domain.Money{AmountMinor: d.Amount.AmountMinor * int64(c.probability(d.Pipeline, stage)), Currency: d.Amount.Currency})
	}
	s.OpenPipeline = c.conv.amount(open, 1)
	s.Weighted = c.conv.amount(weighted, 100)
	if s.WinRate.OK && s.AvgDealSize.OK && s.CycleDays.OK && s.CycleDays.V > 0 {
		v := float64(s.OpenDeals) * float64(s.AvgDealSize.V.AmountMinor) * s.WinRate.V / s.CycleDays.V
		s.Velocity = Some(domain.Money{AmountMinor: int64(v + 0.5), Currency: c.conv.to})
	}
	in := func(rep string) bool {
		if who != nil {
			return who[rep]
		}
		return c.members[rep] || len(c.members) == 0
	}
	s.Activities = map[domain.ActivityType]int{}
	for _, a := range c.in.Activities {
		if in(a.RepID) && p.Contains(a.At) {
			s.Activities[a.Type]++
		}
	}
	for _, l := range c.in.Leads {
		if !in(l.OwnerID) {
			continue
		}
		if p.Contains(l.CreatedAt) {
			s.NewLeads++
		}
		if l.RoutedAt != nil && p.Contains(*l.RoutedAt) {
			s.RoutedLeads++
		}
	}
	s.Handoffs = c.handoffSLA(in, p)
	return s
}

// funnel counts, for the deals created in the period (the cohort, as HubSpot's deal funnel does),
// how many reached each stage of the default pipeline. A deal that skipped a stage counts as
// having reached it, so the next-step conversion never exceeds 100%.
func (c *calc) funnel() []StageStep {
	if c.pipeline == nil {
		return nil
	}
	var stages []domain.Stage
	for _, s := range c.pipeline.Stages {
		if !s.Lost {
			stages = append(stages, s)
		}
	}
	idx := map[string]int{}
	for i, s := range stages {
		idx[s.ID] = i
	}
	reached := make([]int, len(stages))
	for _, d := range c.deals {
		if !c.in.Period.Contains(d.CreatedAt) || (d.Pipeline != "" && d.Pipeline != c.pipeline.ID) {
			continue
		}
		top := -1
		visit := func(stage string) {
			if i, ok := idx[stage]; ok && i > top {
				top = i
			}
		}
		for _, e := range d.StageHistory {
			visit(e.Stage)
		}
		visit(d.Stage)
		if d.Status == domain.DealWon {
			top = len(stages) - 1
		}
		for i := 0; i <= top; i++ {
			reached[i]++
		}
	}
	out := make([]StageStep, len(stages))
	for i, s := range stages {
		out[i] = StageStep{Stage: s.ID, Name: s.Name, Reached: reached[i], Cumulative: ratio(float64(reached[i]), float64(reached[0]))}
		if i+1 < len(stages) {
			out[i].Next = ratio(float64(reached[i+1]), float64(reached[i]))
		}
	}
	return out
}

// pipelineByStage is the open pipeline at the end of the period per stage of the default
// pipeline (other pipelines' stages follow in order of first appearance).
func (c *calc) pipelineByStage() []StageAmount {
	at := c.snapshotAt(c.in.Period)
	type acc struct {
		n        int
		amt, wtd bag
		prob     int
		name     string
	}
	byStage := map[string]*acc{}
	var order []string
	if c.pipeline != nil {
		for _, s := range c.pipeline.Stages {
			if !s.Won && !s.Lost {
				byStage[s.ID] = &acc{amt: bag{}, wtd: bag{}, prob: s.Probability, name: s.Name}
				order = append(order, s.ID)
			}
		}
	}
	for _, d := range c.deals {
		stage, ok := openAt(d, at)
		if !ok {
			continue
		}
		a := byStage[stage]
		if a == nil {
			a = &acc{amt: bag{}, wtd: bag{}, prob: c.probability(d.Pipeline, stage), name: stage}
			byStage[stage] = a
			order = append(order, stage)
		}
		a.n++
		a.amt.add(d.Amount)
		a.wtd.add(domain.Money{AmountMinor: d.Amount.AmountMinor * int64(a.prob), Currency: d.Amount.Currency})
	}
	out := make([]StageAmount, 0, len(order))
	for _, id := range order {
		a := byStage[id]
		out = append(out, StageAmount{Stage: id, Name: a.name, Probability: a.prob, Deals: a.n, Amount: c.conv.amount(a.amt, 1), Weighted: c.conv.amount(a.wtd, 100)})
	}
	return out
}

// quota measures attainment in the quota period up to the end of the reported period. A rep
// whose quota is of the other length is converted (a quarter is three months).
func (c *calc) quota() QuotaReport {
	q := QuotaPeriod(c.in.Period)
	upTo := c.in.Period.End
	if upTo.After(q.End) {
		upTo = q.End
	}
	at := c.snapshotAt(c.in.Period)
	daysLeft := calendarDays(upTo, q.End, q.Loc)
	out := QuotaReport{Key: q.Key()}
	team := Attainment{Quota: domain.Money{Currency: c.conv.to}}
	teamBooked, teamCover := bag{}, bag{}
	for _, id := range c.rows {
		a := Attainment{RepID: id, Quota: domain.Money{Currency: c.conv.to}, DaysLeft: daysLeft}
		if rep, ok := c.in.Org.Rep(id); ok {
			if target, ok := repQuota(rep, q.Kind); ok {
				if conv, ok := c.conv.convert(target); ok {
					a.Quota, a.HasQuota = conv, true
					if num, den := proRate(rep.StartDate, q); num != den {
						a.Quota, a.ProRated = scaleMoney(conv, num, den), true
					}
				}
			}
		}
		booked, cover := bag{}, bag{}
		for _, d := range c.byOwner[id] {
			if ct, closed := closedAt(d); closed && d.Status == domain.DealWon && !ct.Before(q.Start) && ct.Before(upTo) {
				booked.add(d.Amount)
				teamBooked.add(d.Amount)
			}
			if _, open := openAt(d, at); open && d.CloseDate != nil && q.Contains(*d.CloseDate) {
				cover.add(d.Amount)
				teamCover.add(d.Amount)
			}
		}
		c.finishAttainment(&a, booked, cover)
		if a.HasQuota {
			team.HasQuota = true
			team.Quota.AmountMinor += a.Quota.AmountMinor
		}
		out.Reps = append(out.Reps, a)
	}
	team.DaysLeft = daysLeft
	c.finishAttainment(&team, teamBooked, teamCover)
	out.Team = team
	return out
}

func (c *calc) finishAttainment(a *Attainment, booked, cover bag) {
	a.Booked = c.conv.amount(booked, 1)
	if !a.HasQuota || a.Quota.AmountMinor <= 0 {
		return
	}
	a.Attainment = ratio(float64(a.Booked.AmountMinor), float64(a.Quota.AmountMinor))
	remaining := a.Quota.AmountMinor - a.Booked.AmountMinor
	if remaining <= 0 {
		a.Pacing = Some(domain.Money{Currency: a.Quota.Currency})
	} else {
		if a.DaysLeft > 0 {
			a.Pacing = Some(domain.Money{AmountMinor: divRound(remaining, int64(a.DaysLeft)), Currency: a.Quota.Currency})
		}
		a.Coverage = ratio(float64(c.conv.amount(cover, 1).AmountMinor), float64(remaining))
	}
}

// repQuota returns the rep's target for a quota period kind, converting between month and
// quarter quotas when the rep has only the other one.
func repQuota(rep *domain.Rep, kind PeriodKind) (domain.Money, bool) {
	want, other := domain.QuotaQuarter, domain.QuotaMonth
	num, den := int64(3), int64(1) // other → want
	if kind == Month {
		want, other = domain.QuotaMonth, domain.QuotaQuarter
		num, den = 1, 3
	}
	if q, ok := rep.QuotaFor(want); ok && q.Target.Currency != "" {
		return q.Target, true
	}
	if q, ok := rep.QuotaFor(other); ok && q.Target.Currency != "" {
		return scaleMoney(q.Target, num, den), true
	}
	return domain.Money{}, false
}

// proRate returns the share of the quota period a rep who started inside it works: calendar days
// from the start date to the end over the period's days. A rep who starts after the period gets 0.
func proRate(start domain.CalendarDate, q Period) (int64, int64) {
	days := int64(q.Days())
	if start.IsZero() || days == 0 {
		return 1, 1
	}
	s := start.In(q.Loc)
	if !s.After(q.Start) {
		return 1, 1
	}
	if !s.Before(q.End) {
		return 0, 1
	}
	return int64(calendarDays(s, q.End, q.Loc)), days
}

// handoffSLA evaluates every handoff attempt assigned to one of the reps: accepted within the SLA,
// or missed (accepted late, expired, reassigned, or still waiting past its due time). Declines are
// counted apart: they answer within the SLA but are not acceptances.
func (c *calc) handoffSLA(in func(string) bool, p Period) HandoffSLA {
	var out HandoffSLA
	var waits []time.Duration
	end := c.snapshotAt(p)
	seen := map[string]bool{}
	for _, h := range c.in.Handoffs {
		if seen[h.ID] {
			continue
		}
		seen[h.ID] = true
		attempts := h.Attempts
		if len(attempts) == 0 {
			a := domain.HandoffAttempt{AEID: h.AEID, AssignedAt: h.RequestedAt, SLADueAt: h.SLADueAt}
			if h.Status != domain.HandoffRequested {
				a.Outcome, a.EndedAt = h.Status, h.AcceptedAt
				if a.EndedAt == nil {
					t := h.UpdatedAt
					a.EndedAt = &t
				}
			}
			attempts = []domain.HandoffAttempt{a}
		}
		for _, a := range attempts {
			if !in(a.AEID) {
				continue
			}
			if a.EndedAt == nil || a.Outcome == "" || a.Outcome == domain.HandoffRequested {
				// Still waiting: a miss once its SLA has passed inside the period.
				if p.Contains(a.SLADueAt) && a.SLADueAt.Before(end) {
					out.Decided++
				}
				continue
			}
			if !p.Contains(*a.EndedAt) {
				continue
			}
			switch a.Outcome {
			case domain.HandoffAccepted:
				out.Decided++
				if !a.EndedAt.After(a.SLADueAt) {
					out.InSLA++
				}
				waits = append(waits, a.EndedAt.Sub(a.AssignedAt))
			case domain.HandoffDeclined:
				out.Declined++
			case domain.HandoffWithdrawn:
			default: // expired, reassigned
				out.Decided++
			}
		}
	}
	out.Share = ratio(float64(out.InSLA), float64(out.Decided))
	if len(waits) > 0 {
		sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
		m := waits[len(waits)/2]
		if len(waits)%2 == 0 {
			m = (waits[len(waits)/2-1] + m) / 2
		}
		out.MedianToAccept = Some(m)
	}
	return out
}

func (c *calc) line(d *domain.Deal) DealLine {
	l := DealLine{ID: d.ID, Name: d.Name, OwnerID: d.OwnerID, Stage: d.Stage, Amount: d.Amount, CloseDate: d.CloseDate}
	if m, ok := c.conv.convert(d.Amount); ok {
		l.Converted = Some(m)
	}
	return l
}

// sortLines orders deals by converted amount, largest first (unconvertible ones last), then id.
func sortLines(ls []DealLine) {
	sort.SliceStable(ls, func(i, j int) bool { return lineLess(&ls[i], &ls[j]) })
}

// lineLess orders deal lines largest converted amount first, then by id.
func lineLess(a, b *DealLine) bool {
	if a.Converted.OK != b.Converted.OK {
		return a.Converted.OK
	}
	if a.Converted.V.AmountMinor != b.Converted.V.AmountMinor {
		return a.Converted.V.AmountMinor > b.Converted.V.AmountMinor
	}
	return a.ID < b.ID
}

// topDeals lists the largest open deals whose close date falls in the period running at AsOf
// ("closing this week" in a Monday digest about last week).
func (c *calc) topDeals() []DealLine {
	now := PeriodAt(c.in.Period.Kind, c.in.AsOf, c.in.Period.Loc)
	var out []DealLine
	for _, d := range c.deals {
		if d.IsOpen() && d.CloseDate != nil && now.Contains(*d.CloseDate) {
			out = append(out, c.line(d))
		}
	}
	sortLines(out)
	if len(out) > TopDealsLimit {
		out = out[:TopDealsLimit]
	}
	return out
}

func (c *calc) onboarding() OnboardingStatus {
	var s OnboardingStatus
	p := c.in.Period
	seen := map[string]bool{}
	for _, o := range c.in.Onboardings {
		if seen[o.ID] {
			continue
		}
		seen[o.ID] = true
		if p.Contains(o.StartedAt) {
			s.StartedInPeriod++
		}
		if o.Status == domain.OnboardingCompleted && o.CompletedAt != nil && p.Contains(*o.CompletedAt) {
			s.CompletedInPeriod++
		}
		if o.Status != domain.OnboardingActive {
			continue
		}
		s.Active++
		late := 0
		for _, m := range o.Milestones {
			if m.DoneAt == nil && m.DueAt.Before(c.in.AsOf) {
				late++
			}
		}
		s.OverdueMilestones += late
		if late > 0 {
			s.OnboardingsLate++
		}
	}
	return s
}
