package metrics

import (
	"math"
	"sort"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Input is everything one digest counts, as of AsOf. The caller loads (Plan says which windows;
// every window runs up to the time of loading, not to AsOf, so that an AsOf in the past still sees
// the deals that were open then and closed since — Compute rebuilds each record's state at AsOf
// and ignores everything that happened at or after it):
//   - Deals: the team's deals open now, closed in [Plan.ClosedFrom, now), won in
//     [Plan.WonFrom, Plan.ClosedFrom) and created in [Plan.CreatedFrom, now); duplicates are fine.
//   - Activities of the members in [Plan.ActivityFrom, Plan.ActivityTo).
//   - Handoffs the members were asked to accept: requested in [Plan.HandoffsFrom, now), the
//     open ones and those behind recent deals; duplicates are fine.
//   - Leads routed to the members in [Plan.LeadsFrom, now).
//   - TeamLeads: every lead created in [Plan.LeadsFrom, now) in the team's territories (the
//     territories of its members), whatever became of it: routed to anyone, waiting unassigned
//     in a queue, or disqualified. Duplicates with Leads are fine.
//   - Onboardings of the members who are CSMs.
//   - Reminders: the members' open (pending or snoozed) reminders; a cause whose reminder is
//     snoozed past AsOf is left out of "needs attention".
type Input struct {
	Org    *domain.Org
	TeamID string
	// Members are the rep ids reported one by one (the team's members, manager excluded).
	Members []string
	Period  Period
	// AsOf is the instant the digest describes: records are taken in the state they were in
	// just before it. Stale deals, pacing, days left and "closing this period" use it.
	AsOf time.Time
	// Currency is the report currency; empty means the team's (teams[].currency), which defaults
	// to the org currency.
	Currency string

	Deals       []domain.Deal
	Activities  []domain.Activity
	Handoffs    []domain.Handoff
	Leads       []domain.Lead
	TeamLeads   []domain.Lead
	Onboardings []domain.Onboarding
	Reminders   []domain.Reminder
	// DealActivities are the activities of the deals closed in [Plan.ClosedFrom, now), whenever
	// and by whomever logged (competitor mentions, activities before won and lost deals);
	// duplicates with Activities are fine.
	DealActivities []domain.Activity
	// ForecastCalls are the team's forecast calls for the forecast period and the one before
	// (forecast.go); duplicates and other periods are fine.
	ForecastCalls []domain.ForecastCall
}

// LoadPlan names the windows a caller must load for Compute. Windows without an end run to the
// time of loading ("now"), which is AsOf for a digest computed live.
type LoadPlan struct {
	ClosedFrom time.Time // deals won or lost in [ClosedFrom, now)
	// WonFrom: deals won in [WonFrom, ClosedFrom), for quota-to-date attainment; lost deals
	// before ClosedFrom are not needed.
	WonFrom      time.Time
	CreatedFrom  time.Time // deals created in [CreatedFrom, now)
	LeadsFrom    time.Time // leads routed (Leads) or created (TeamLeads) in [LeadsFrom, now)
	HandoffsFrom time.Time // handoffs requested in [HandoffsFrom, now)
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
	// Forecast accuracy compares the previous forecast (quota) period's call with its bookings.
	if qp := q.Previous().Start; qp.Before(won) {
		won = qp
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
	TeamID    string `json:"teamId"`
	Period    Period `json:"-"`
	Previous  Period `json:"-"`
	PeriodKey string `json:"periodKey"`
	// PeriodStart and PeriodEnd bound the period, [start, end), midnights in Timezone (the
	// manager's zone).
	PeriodStart time.Time `json:"periodStart"`
	PeriodEnd   time.Time `json:"periodEnd"`
	Timezone    string    `json:"timezone"`
	AsOf        time.Time `json:"asOf"`
	// Currency is the report currency: the team's (teams[].currency, default the org's).
	Currency string `json:"currency"`
	// Rates are the org file's exchange rates the report applied, one per converted currency.
	Rates []RateUsed `json:"rates"`

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

	// Competitors, ActivityMeasures and Territories: insight.go.
	Competitors      CompetitorReport  `json:"competitors"`
	ActivityMeasures ActivityReport    `json:"activities"`
	Territories      []TerritoryReport `json:"territories"`
	Forecast         ForecastReport    `json:"forecast"`
	Commission       CommissionReport  `json:"commission"`
}

// Summary is a team's or a rep's numbers for one period.
type Summary struct {
	Won  int `json:"won"`
	Lost int `json:"lost"`
	// WinRate = won ÷ (won + lost) closed in the period; n/a when nothing closed.
	WinRate   Maybe[float64] `json:"winRate"`
	WonAmount Amount         `json:"wonAmount"`
	// AvgDealSize = won amount ÷ won count, over the won deals in a currency with a rate (n/a
	// when there is none); WonWithoutRate counts the won deals left out.
	AvgDealSize    Maybe[domain.Money] `json:"avgDealSize"`
	WonWithoutRate int                 `json:"wonWithoutRate"`
	// CycleDays = mean(close − create) over deals won in the period, in days.
	CycleDays Maybe[float64] `json:"cycleDays"`
	// Velocity = open deals × average deal size × win rate ÷ cycle length, per day, in the
	// report currency (converted amounts only).
	Velocity Maybe[domain.Money] `json:"velocity"`
	// OpenDeals, OpenPipeline and Weighted are a snapshot at the end of the period.
	OpenDeals    int    `json:"openDeals"`
	OpenPipeline Amount `json:"openPipeline"`
	// Weighted = Σ amount × stage probability.
	Weighted   Amount                      `json:"weighted"`
	Activities map[domain.ActivityType]int `json:"activities"`
	// NewLeads counts leads created in the period: for the team every lead in its territories
	// or owned by a member, for a rep the leads they own. As of AsOf each is routed (has an
	// owner), disqualified, or unassigned (waiting in a queue or not yet routed):
	// NewLeads = NewRouted + NewUnassigned + NewDisqualified.
	NewLeads        int `json:"newLeads"`
	NewRouted       int `json:"newRouted"`
	NewUnassigned   int `json:"newUnassigned"`
	NewDisqualified int `json:"newDisqualified"`
	// RoutedLeads counts leads routed in the period to the reps (whenever they were created).
	RoutedLeads int        `json:"routedLeads"`
	Handoffs    HandoffSLA `json:"handoffs"`
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
	// Booked = won amount closed in the quota period, up to the snapshot (the end of the
	// reported period, or AsOf while it runs).
	Booked Amount `json:"booked"`
	// Attainment = booked ÷ quota.
	Attainment Maybe[float64] `json:"attainment"`
	// DaysLeft counts the calendar days of the quota period from the snapshot's day (that day
	// included) to its end: from today while the period runs.
	DaysLeft int `json:"daysLeft"`
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
	r := Report{TeamID: in.TeamID, Period: in.Period, Previous: prev, PeriodKey: in.Period.Key(),
		PeriodStart: in.Period.Start, PeriodEnd: in.Period.End, AsOf: in.AsOf, Currency: c.conv.to}
	if in.Period.Loc != nil {
		r.Timezone = in.Period.Loc.String()
	}

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
	c.insight(&r)
	r.Rates = c.conv.rates()
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
	acts     []domain.Activity // activities(), built on first use
}

// ReportCurrency is the currency a team's digest reports in: teams[].currency, else the org's.
func ReportCurrency(org *domain.Org, teamID string) string {
	if t, ok := org.Team(teamID); ok && t.Currency != "" {
		return t.Currency
	}
	return org.Settings.Currency
}

func newCalc(in Input) *calc {
	cur := in.Currency
	if cur == "" {
		cur = ReportCurrency(in.Org, in.TeamID)
	}
	c := &calc{in: in, conv: converter{org: in.Org, to: cur, used: map[string]bool{}}, byOwner: map[string][]*domain.Deal{}, members: map[string]bool{}}
	seen := map[string]bool{}
	for i := range in.Deals {
		d := in.Deals[i] // a copy: the amount may be normalised below
		if seen[d.ID] || (in.TeamID != "" && d.TeamID != in.TeamID) {
			continue
		}
		seen[d.ID] = true
		if d.Amount.Currency == "" {
			// A deal stored without a currency is in the org currency (the API's default, and
			// what stored deals are migrated to).
			d.Amount.Currency = in.Org.Settings.Currency
		}
		c.deals = append(c.deals, &d)
		c.byOwner[d.OwnerID] = append(c.byOwner[d.OwnerID], &d)
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

// snapshotAt is the instant the open pipeline of a period is measured: its end, or AsOf for a
// period still running.
func (c *calc) snapshotAt(p Period) time.Time {
	if !c.in.AsOf.IsZero() && c.in.AsOf.Before(p.End) {
		return c.in.AsOf
	}
	return p.End
}

// outcome is a deal's state as of AsOf: whether (and when) it is won or lost.
func (c *calc) outcome(d *domain.Deal) dealState {
	if c.in.AsOf.IsZero() {
		if ct, closed := closedAt(d); closed {
			return dealState{status: d.Status, stage: d.Stage, closedAt: ct}
		}
		return dealState{open: true, status: domain.DealOpen, stage: d.Stage}
	}
	st, _ := c.stateAt(d, c.in.AsOf)
	return st
}

// before reports whether t is before AsOf (everything is, without an AsOf).
func (c *calc) before(t time.Time) bool { return c.in.AsOf.IsZero() || t.Before(c.in.AsOf) }

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
		st := c.outcome(d)
		if st.open || !p.Contains(st.closedAt) {
			continue
		}
		switch st.status {
		case domain.DealWon:
			s.Won++
			won.add(d.Amount)
			wonCount[d.Amount.Currency]++
			cycle += st.closedAt.Sub(d.CreatedAt)
		case domain.DealLost:
			s.Lost++
		}
	}
	s.WinRate = ratio(float64(s.Won), float64(s.Won+s.Lost), WhyNothingClosed)
	s.WonAmount = c.conv.amount(won, 1)
	s.AvgDealSize, s.WonWithoutRate = c.conv.average(won, wonCount)
	s.CycleDays = NA[float64](WhyNothingWon)
	if s.Won > 0 {
		s.CycleDays = Some(cycle.Hours() / 24 / float64(s.Won))
	}
	at := c.snapshotAt(p)
	open, weighted := bag{}, bag{}
	for _, d := range deals {
		st, ok := c.stateAt(d, at)
		if !ok || !st.open {
			continue
		}
		s.OpenDeals++
		open.add(d.Amount)
		weighted.add(domain.Money{AmountMinor: d.Amount.AmountMinor * int64(c.probability(d.Pipeline, st.stage)), Currency: d.Amount.Currency})
	}
	s.OpenPipeline = c.conv.amount(open, 1)
	s.Weighted = c.conv.amount(weighted, 100)
	switch {
	case !s.WinRate.OK:
		s.Velocity = NA[domain.Money](s.WinRate.Why)
	case !s.AvgDealSize.OK:
		s.Velocity = NA[domain.Money](s.AvgDealSize.Why)
	case !s.CycleDays.OK:
		s.Velocity = NA[domain.Money](s.CycleDays.Why)
	case s.CycleDays.V <= 0:
		s.Velocity = NA[domain.Money](WhyNoCycle)
	default:
		v := float64(s.OpenDeals) * float64(s.AvgDealSize.V.AmountMinor) * s.WinRate.V / s.CycleDays.V
		s.Velocity = Some(domain.Money{AmountMinor: int64(math.Round(v)), Currency: c.conv.to})
	}
	in := func(rep string) bool {
		if who != nil {
			return who[rep]
		}
		return c.members[rep] || len(c.members) == 0
	}
	s.Activities = map[domain.ActivityType]int{}
	seenAct := map[string]bool{}
	for _, a := range c.in.Activities {
		if a.ID != "" && seenAct[a.ID] {
			continue
		}
		seenAct[a.ID] = true
		if in(a.RepID) && p.Contains(a.At) && c.before(a.At) {
			s.Activities[a.Type]++
		}
	}
	c.countLeads(&s, who, in, p)
	s.Handoffs = c.handoffSLA(in, p)
	return s
}

// countLeads counts the leads created in p (NewLeads and its split) and routed in p. For the team
// (who == nil) a new lead is one in TeamLeads or owned by a member; for reps, one they own.
func (c *calc) countLeads(s *Summary, who map[string]bool, in func(string) bool, p Period) {
	seen := map[string]bool{}
	count := func(l domain.Lead, territory bool) {
		if seen[l.ID] {
			return
		}
		seen[l.ID] = true
		routed := l.OwnerID != "" && (l.RoutedAt == nil || c.before(*l.RoutedAt))
		if routed && in(l.OwnerID) && l.RoutedAt != nil && p.Contains(*l.RoutedAt) {
			s.RoutedLeads++
		}
		mine := routed && in(l.OwnerID)
		if who != nil && !mine || who == nil && !territory && !mine {
			return
		}
		if !p.Contains(l.CreatedAt) || !c.before(l.CreatedAt) {
			return
		}
		s.NewLeads++
		switch {
		case routed:
			s.NewRouted++
		case l.Status == domain.LeadDisqualified && c.before(l.UpdatedAt):
			s.NewDisqualified++
		default:
			s.NewUnassigned++
		}
	}
	for _, l := range c.in.Leads {
		count(l, false)
	}
	for _, l := range c.in.TeamLeads {
		count(l, true)
	}
}

// funnel counts, for the deals created in the period (the cohort, as HubSpot's deal funnel does),
// how many reached each stage of the default pipeline by AsOf. A deal that skipped a stage counts
// as having reached it, so the next-step conversion never exceeds 100%.
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
		if !c.in.Period.Contains(d.CreatedAt) || !c.before(d.CreatedAt) || (d.Pipeline != "" && d.Pipeline != c.pipeline.ID) {
			continue
		}
		top := -1
		visit := func(stage string) {
			if i, ok := idx[stage]; ok && i > top {
				top = i
			}
		}
		for _, e := range d.StageHistory {
			if c.before(e.EnteredAt) {
				visit(e.Stage)
			}
		}
		st := c.outcome(d)
		if st.open {
			visit(st.stage)
		} else if st.status == domain.DealWon {
			top = len(stages) - 1
		}
		for i := 0; i <= top; i++ {
			reached[i]++
		}
	}
	out := make([]StageStep, len(stages))
	for i, s := range stages {
		out[i] = StageStep{Stage: s.ID, Name: s.Name, Reached: reached[i], Cumulative: ratio(float64(reached[i]), float64(reached[0]), WhyNoDeals)}
		if i+1 < len(stages) {
			out[i].Next = ratio(float64(reached[i+1]), float64(reached[i]), WhyNoDeals)
		} else {
			out[i].Next = NA[float64](WhyLastStage)
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
		st, ok := c.stateAt(d, at)
		if !ok || !st.open {
			continue
		}
		a := byStage[st.stage]
		if a == nil {
			a = &acc{amt: bag{}, wtd: bag{}, prob: c.probability(d.Pipeline, st.stage), name: st.stage}
			byStage[st.stage] = a
			order = append(order, st.stage)
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

// quota measures attainment in the quota period up to the snapshot of the reported period (its
// end, or AsOf while it runs). A rep whose quota is of the other length is converted (a quarter
// is three months).
func (c *calc) quota() QuotaReport {
	q := QuotaPeriod(c.in.Period)
	at := c.snapshotAt(c.in.Period)
	upTo := at
	if upTo.After(q.End) {
		upTo = q.End
	}
	from := upTo
	if from.Before(q.Start) {
		from = q.Start
	}
	daysLeft := calendarDays(from, q.End, q.Loc)
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
			if st := c.outcome(d); st.status == domain.DealWon && !st.closedAt.Before(q.Start) && st.closedAt.Before(upTo) {
				booked.add(d.Amount)
				teamBooked.add(d.Amount)
			}
			if st, ok := c.stateAt(d, at); ok && st.open {
				if day, ok := closeDay(d); ok && dayIn(day, q) {
					cover.add(d.Amount)
					teamCover.add(d.Amount)
				}
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
		a.Attainment, a.Pacing, a.Coverage = NA[float64](WhyNoQuota), NA[domain.Money](WhyNoQuota), NA[float64](WhyNoQuota)
		return
	}
	a.Attainment = ratio(float64(a.Booked.AmountMinor), float64(a.Quota.AmountMinor), WhyNoQuota)
	remaining := a.Quota.AmountMinor - a.Booked.AmountMinor
	if remaining <= 0 {
		a.Pacing = Some(domain.Money{Currency: a.Quota.Currency})
		a.Coverage = NA[float64](WhyQuotaMet)
		return
	}
	a.Pacing = NA[domain.Money](WhyPeriodOver)
	if a.DaysLeft > 0 {
		a.Pacing = Some(domain.Money{AmountMinor: divRound(remaining, int64(a.DaysLeft)), Currency: a.Quota.Currency})
	}
	a.Coverage = ratio(float64(c.conv.amount(cover, 1).AmountMinor), float64(remaining), WhyQuotaMet)
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

// handoffSLA evaluates every handoff attempt assigned to one of the reps, as of AsOf: accepted
// within the SLA, or missed (accepted late, expired, reassigned, or still waiting past its due
// time). Declines are counted apart: they answer within the SLA but are not acceptances.
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
			if !in(a.AEID) || !c.before(a.AssignedAt) {
				continue
			}
			if a.EndedAt == nil || a.Outcome == "" || a.Outcome == domain.HandoffRequested || !c.before(*a.EndedAt) {
				// Still waiting (as of AsOf): a miss once its SLA has passed inside the period.
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
	out.Share = ratio(float64(out.InSLA), float64(out.Decided), WhyNothingDecided)
	out.MedianToAccept = NA[time.Duration](WhyNothingAccepted)
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
	if st := c.outcome(d); st.open {
		l.Stage = st.stage
	}
	if m, ok := c.conv.convert(d.Amount); ok {
		l.Converted = Some(m)
	} else {
		l.Converted = NA[domain.Money](WhyNoRate)
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

// topDeals lists the largest deals open at AsOf whose close date is a day of the period running
// at AsOf in the manager's zone ("closing this week" in a Monday digest about last week).
func (c *calc) topDeals() []DealLine {
	now := PeriodAt(c.in.Period.Kind, c.in.AsOf, c.in.Period.Loc)
	var out []DealLine
	for _, d := range c.deals {
		st, ok := c.stateAt(d, c.in.AsOf)
		if !ok || !st.open {
			continue
		}
		if day, ok := closeDay(d); ok && dayIn(day, now) {
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
		if seen[o.ID] || !c.before(o.StartedAt) {
			continue
		}
		seen[o.ID] = true
		if p.Contains(o.StartedAt) {
			s.StartedInPeriod++
		}
		completed := o.Status == domain.OnboardingCompleted && o.CompletedAt != nil && c.before(*o.CompletedAt)
		if completed && p.Contains(*o.CompletedAt) {
			s.CompletedInPeriod++
		}
		if completed || (o.Status != domain.OnboardingActive && o.Status != domain.OnboardingCompleted) {
			continue
		}
		s.Active++
		late := 0
		for _, m := range o.Milestones {
			if (m.DoneAt == nil || !c.before(*m.DoneAt)) && m.DueAt.Before(c.in.AsOf) {
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
