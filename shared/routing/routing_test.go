package routing

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

type memCounters struct {
	mu sync.Mutex
	m  map[string]int64
}

func (c *memCounters) IncrementCounter(_ context.Context, k string, d int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int64{}
	}
	c.m[k] += d
	return c.m[k], nil
}

func (c *memCounters) IncrementCounters(ctx context.Context, keys []string, d int64) ([]int64, error) {
	out := make([]int64, len(keys))
	for i, k := range keys {
		out[i], _ = c.IncrementCounter(ctx, k, d)
	}
	return out, nil
}

func (c *memCounters) GetCounters(_ context.Context, keys ...string) (map[string]int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int64{}
	for _, k := range keys {
		out[k] = c.m[k]
	}
	return out, nil
}

func date(s string) domain.CalendarDate {
	d, err := domain.ParseCalendarDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func testOrg() *domain.Org {
	rep := func(id, name string) domain.Rep {
		return domain.Rep{ID: id, Name: name, Active: true, Timezone: "Europe/Berlin", Role: domain.RoleAE}
	}
	anna := rep("anna", "Anna")
	anna.OutOfOffice = []domain.Absence{{From: date("2026-11-20"), To: date("2026-12-01")}}
	return &domain.Org{
		Settings: domain.OrgSettings{Timezone: "Europe/Berlin"},
		Segments: []domain.Segment{{ID: "smb", MinEmployees: 1, MaxEmployees: 199}, {ID: "enterprise", MinEmployees: 1000}},
		Reps:     []domain.Rep{anna, rep("ben", "Ben"), rep("cara", "Cara"), rep("dan", "Dan"), rep("eve", "Eve")},
		Territories: []domain.Territory{
			{ID: "dach-ent", Countries: []string{"DE", "AT", "CH"}, Segments: []string{"enterprise"}},
			{ID: "us-ny", Countries: []string{"US"}, Regions: []string{"US-NY"}},
		},
		Routing: domain.Routing{
			Rules: []domain.RoutingRule{
				{ID: "sticky", Match: domain.RoutingMatch{ExistingAccount: true}, Action: domain.RoutingAction{AccountOwner: true}},
				{ID: "dach-enterprise", Match: domain.RoutingMatch{Territories: []string{"dach-ent"}}, Action: domain.RoutingAction{Pool: "dach-ae"}},
				{ID: "ny", Match: domain.RoutingMatch{Territories: []string{"us-ny"}}, Action: domain.RoutingAction{Rep: "eve"}},
				{ID: "everyone", Action: domain.RoutingAction{Pool: "weighted"}},
			},
			Pools: []domain.Pool{
				{ID: "dach-ae", SkipOutOfOffice: true, Members: []domain.PoolMember{{Rep: "anna", Weight: 1}, {Rep: "ben", Weight: 2, DailyCap: 5}, {Rep: "cara", Weight: 1, DailyCap: 1}}},
				{ID: "weighted", SkipOutOfOffice: true, Members: []domain.PoolMember{{Rep: "ben", Weight: 1}, {Rep: "cara", Weight: 2}, {Rep: "dan", Weight: 3}}},
			},
			Fallback: domain.RoutingFallback{Queue: "inbox"},
		},
	}
}

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func TestWeightedRoundRobinStaysWithinOneOfTheExactShare(t *testing.T) {
	for mode, r := range routers(testOrg(), nil) {
		t.Run(mode, func(t *testing.T) {
			r.Counters = &memCounters{}
			testWeightedShares(t, r)
		})
	}
}

func testWeightedShares(t *testing.T, r *Router) {
	got := map[string]int{}
	const n = 1000
	for i := 0; i < n; i++ {
		d, err := r.Route(context.Background(), domain.RouteLead, Subject{Lead: domain.Lead{Country: "FR"}}, now)
		if err != nil {
			t.Fatal(err)
		}
		got[d.OwnerID]++
		// The invariant holds after every assignment, not just at the end.
		for rep, w := range map[string]float64{"ben": 1, "cara": 2, "dan": 3} {
			exact := float64(i+1) * w / 6
			if math.Abs(float64(got[rep])-exact) > 1 {
				t.Fatalf("after %d leads %s has %d, exact share %.2f", i+1, rep, got[rep], exact)
			}
		}
	}
	if got["ben"]+got["cara"]+got["dan"] != n {
		t.Fatalf("assignments = %v", got)
	}
}

func TestPoolSkipsOutOfOfficeAndCapsThenFallsBack(t *testing.T) {
	r := &Router{Org: testOrg(), Counters: &memCounters{}}
	lead := domain.Lead{Country: "DE", Employees: 5000}
	var owners []string
	var last Decision
	for i := 0; i < 7; i++ {
		d, err := r.Route(context.Background(), domain.RouteLead, Subject{Lead: lead}, now)
		if err != nil {
			t.Fatal(err)
		}
		owners = append(owners, d.OwnerID)
		last = d
	}
	// Anna is away; Ben (weight 2, cap 5) and Cara (weight 1, cap 1) share until both caps are hit;
	// the 7th lead falls through to the next matching rule (the weighted pool).
	want := []string{"ben", "ben", "cara", "ben", "ben", "ben"} // ties go to the higher weight
	for i, w := range want {
		if owners[i] != w {
			t.Fatalf("owners = %v, want prefix %v", owners, want)
		}
	}
	if last.Rule != "everyone" {
		t.Fatalf("7th lead rule = %s, want everyone", last.Rule)
	}
	wantText := "rule dach-enterprise → pool dach-ae; skipped Anna (out of office until 2026-12-01); skipped Ben (daily cap 5 reached); skipped Cara (daily cap 1 reached); rule everyone → pool weighted; Dan has 1 today at weight 3"
	if last.Explanation != wantText {
		t.Fatalf("explanation =\n %s\nwant\n %s", last.Explanation, wantText)
	}
}

func TestStickyAccountOwnerAndTerritoriesAndFallback(t *testing.T) {
	org := testOrg()
	org.Routing.Rules = org.Routing.Rules[:3] // no catch-all pool
	r := &Router{Org: org, Counters: &memCounters{}}
	cases := []struct {
		name      string
		s         Subject
		owner     string
		queue     string
		rule      string
		wantWords string
	}{
		{"account owner wins", Subject{Lead: domain.Lead{Country: "DE", Employees: 5000}, AccountOwner: "dan"}, "dan", "", "sticky", "rule sticky → account owner Dan (sticky)"},
		{"away owner falls through", Subject{Lead: domain.Lead{Country: "US", Region: "NY"}, AccountOwner: "anna"}, "eve", "", "ny", "rule sticky: account owner Anna is out of office until 2026-12-01; rule ny → Eve"},
		{"region outside territory", Subject{Lead: domain.Lead{Country: "US", Region: "US-CA"}}, "", "inbox", "fallback", "no rule assigned it → fallback queue inbox"},
		{"smb not enterprise", Subject{Lead: domain.Lead{Country: "AT", Employees: 50}}, "", "inbox", "fallback", "no rule assigned it → fallback queue inbox"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := r.Route(context.Background(), domain.RouteLead, tc.s, now)
			if err != nil {
				t.Fatal(err)
			}
			if d.OwnerID != tc.owner || d.Queue != tc.queue || d.Rule != tc.rule || d.Explanation != tc.wantWords {
				t.Fatalf("decision = %+v", d)
			}
		})
	}
}

// routers are the two ways the router keeps counts exact: the store's counters with a stale
// check (Lambdas), and a Ledger in the one process that routes (the local runtime).
func routers(org *domain.Org, c Counters) map[string]*Router {
	return map[string]*Router{
		"store":  {Org: org, Counters: c},
		"ledger": {Org: org, Counters: c, Ledger: &Ledger{}},
	}
}

func TestCapsAreExactUnderConcurrentLeadsAndCreditBackFreesThem(t *testing.T) {
	for mode, r := range routers(nil, nil) {
		t.Run(mode, func(t *testing.T) {
			org := testOrg()
			org.Routing.Rules = org.Routing.Rules[1:2] // dach-enterprise only
			r.Org, r.Counters = org, countersFor(mode)
			testCapsUnderConcurrency(t, r)
		})
	}
}

func testCapsUnderConcurrency(t *testing.T, r *Router) {
	lead := domain.Lead{Country: "CH", Employees: 1200}
	var mu sync.Mutex
	got := map[string]int{}
	var decisions []Decision
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := r.Route(context.Background(), domain.RouteLead, Subject{Lead: lead}, now)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[d.OwnerID+d.Queue]++
			decisions = append(decisions, d)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got["ben"] != 5 || got["cara"] != 1 || got["inbox"] != 44 {
		t.Fatalf("assignments = %v, want ben 5, cara 1, inbox 44", got)
	}
	for _, d := range decisions {
		if d.OwnerID == "cara" {
			if err := r.CreditBack(context.Background(), d); err != nil {
				t.Fatal(err)
			}
		}
	}
	d, _ := r.Route(context.Background(), domain.RouteLead, Subject{Lead: lead}, now, "ben")
	if d.OwnerID != "cara" {
		t.Fatalf("after credit back and excluding ben: %+v", d)
	}
}

func TestSharesStayExactUnderConcurrentLeads(t *testing.T) {
	for mode, r := range routers(nil, nil) {
		t.Run(mode, func(t *testing.T) {
			org := testOrg()
			org.Routing.Rules = org.Routing.Rules[3:] // the weighted pool only: ben 1, cara 2, dan 3
			r.Org, r.Counters = org, countersFor(mode)
			testSharesUnderConcurrency(t, r)
		})
	}
}

func testSharesUnderConcurrency(t *testing.T, r *Router) {
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < 600; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := r.Route(context.Background(), domain.RouteLead, Subject{Lead: domain.Lead{Country: "FR"}}, now)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[d.OwnerID]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	for rep, w := range map[string]int{"ben": 1, "cara": 2, "dan": 3} {
		if exact := 600 * w / 6; got[rep] < exact-1 || got[rep] > exact+1 {
			t.Errorf("%s got %d leads, exact share %d", rep, got[rep], exact)
		}
	}
}

// countersFor gives the ledger slow counters, so that concurrent picks overlap the writes it
// makes after releasing the pool lock; the store mode keeps fast ones (its stale check retries a
// bounded number of times, as it always has).
func countersFor(mode string) Counters {
	if mode == "ledger" {
		return &slowCounters{}
	}
	return &memCounters{}
}

// slowCounters are memCounters whose writes take a while, so concurrent picks overlap them.
type slowCounters struct{ memCounters }

func (c *slowCounters) IncrementCounters(ctx context.Context, keys []string, d int64) ([]int64, error) {
	time.Sleep(200 * time.Microsecond)
	return c.memCounters.IncrementCounters(ctx, keys, d)
}

func (c *slowCounters) IncrementCounter(ctx context.Context, k string, d int64) (int64, error) {
	time.Sleep(200 * time.Microsecond)
	return c.memCounters.IncrementCounter(ctx, k, d)
}

// failingCounters fail every write while fail is set.
type failingCounters struct {
	memCounters
	fail bool
}

func (c *failingCounters) IncrementCounters(ctx context.Context, keys []string, d int64) ([]int64, error) {
	if c.fail {
		return nil, errors.New("disk full")
	}
	return c.memCounters.IncrementCounters(ctx, keys, d)
}

// The ledger starts from the store's counts, writes every charge through, and takes back a charge
// the store did not take: the next pick is the same.
func TestLedgerStartsFromTheStoreAndUndoesFailedCharges(t *testing.T) {
	ctx := context.Background()
	org := testOrg()
	org.Routing.Rules = org.Routing.Rules[3:] // ben 1, cara 2, dan 3
	c := &failingCounters{}
	local := now.In(time.UTC)
	// Dan already has 3 today (e.g. before a restart): the weighted pick goes to cara first.
	if _, err := c.IncrementCounter(ctx, dayKey("weighted", "dan", local), 3); err != nil {
		t.Fatal(err)
	}
	r := &Router{Org: org, Counters: c, Ledger: &Ledger{}}
	c.fail = true
	if _, err := r.Route(ctx, domain.RouteLead, Subject{Lead: domain.Lead{Country: "FR"}}, now); err == nil {
		t.Fatal("a failed charge routed the lead")
	}
	c.fail = false
	d, err := r.Route(ctx, domain.RouteLead, Subject{Lead: domain.Lead{Country: "FR"}}, now)
	if err != nil {
		t.Fatal(err)
	}
	if d.OwnerID != "cara" || !strings.Contains(d.Explanation, "Cara has 1 today") {
		t.Fatalf("decision %+v; want cara with 1 today (the failed charge undone, dan's 3 counted)", d)
	}
	got, _ := c.GetCounters(ctx, d.Counted...)
	if got[d.Counted[0]] != 1 || got[d.Counted[1]] != 1 {
		t.Fatalf("store counters %v; want the one charge written", got)
	}
	if err := r.CreditBack(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetCounters(ctx, d.Counted...); got[d.Counted[0]] != 0 {
		t.Fatalf("store counters after credit back %v", got)
	}
	if d2, _ := r.Route(ctx, domain.RouteLead, Subject{Lead: domain.Lead{Country: "FR"}}, now); d2.OwnerID != "cara" || !strings.Contains(d2.Explanation, "Cara has 1 today") {
		t.Fatalf("after credit back: %+v; want cara with 1 today again", d2)
	}
}

// A rep is not routed work before their start date (the org file's start_date, a day in their
// zone): the pool skips them and says why; from that day on they take their share.
func TestPoolSkipsRepsBeforeTheirStartDate(t *testing.T) {
	org := testOrg()
	dan, _ := org.Rep("dan")
	dan.StartDate = date("2026-11-27") // the day after now, in Berlin
	r := &Router{Org: org, Counters: &memCounters{}}
	lead := domain.Lead{Country: "FR"} // only the weighted pool matches
	for i := 0; i < 3; i++ {
		d, err := r.Route(context.Background(), domain.RouteLead, Subject{Lead: lead}, now)
		if err != nil {
			t.Fatal(err)
		}
		if d.OwnerID == "dan" {
			t.Fatalf("lead %d routed to Dan before his start date: %s", i, d.Explanation)
		}
		if !strings.Contains(d.Explanation, "skipped Dan (starts on 2026-11-27)") {
			t.Errorf("explanation %q does not say Dan starts on 2026-11-27", d.Explanation)
		}
	}
	// Midnight of the start day in Berlin (23:00Z the day before): Dan is in the pool.
	start := time.Date(2026, 11, 26, 23, 0, 0, 0, time.UTC)
	d, err := r.Route(context.Background(), domain.RouteLead, Subject{Lead: lead}, start)
	if err != nil {
		t.Fatal(err)
	}
	if d.OwnerID != "dan" {
		t.Errorf("on his start day the lead went to %s (%s), want dan (weight 3, no leads yet)", d.OwnerID, d.Explanation)
	}
}
