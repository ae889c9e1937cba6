package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/onboarding"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workhours"
)

// dealSim drives the local runtime over the sample org on a fake clock, through the HTTP API,
// the bus, the schedules and the ASL engine, as AEs and CSMs would.
type dealSim struct {
	t     *testing.T
	ctx   context.Context
	rt    *Runtime
	srv   *httptest.Server
	fake  *clock.Fake
	token string
	rng   *rand.Rand
	cals  map[string]*workhours.Calendar
	base  int // timers the background loops hold while idle
	deals []string
	// wins counts the Closed Won transitions per deal; snoozed lists reminders an AE snoozed.
	wins    map[string]int
	snoozed map[string]bool
	// sends counts each (subject, policy, period) a reminder went out for.
	sends     map[string][]string
	seenMails map[string]bool
	runs      int
	messages  int
	items     int
	escalated int
}

func newDealSim(t *testing.T, dbPath string, fake *clock.Fake) (*dealSim, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt, err := New(ctx, Config{Root: "../..", OrgFile: "../../examples/org.yaml", DBPath: dbPath, Env: simEnv, Clock: fake, Log: discardLogger()})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := rt.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &dealSim{t: t, ctx: ctx, rt: rt, srv: newServer(rt), fake: fake, rng: rand.New(rand.NewPCG(7, 90)),
		cals: map[string]*workhours.Calendar{}, wins: map[string]int{}, snoozed: map[string]bool{}, sends: map[string][]string{}, seenMails: map[string]bool{}}
	for _, r := range rt.Org.Reps {
		if cal, err := workhours.ForRep(rt.Org, r); err == nil {
			s.cals[r.ID] = cal
		}
	}
	time.Sleep(20 * time.Millisecond) // let the loops park on their first timers
	s.base = fake.Pending() - s.running()
	return s, func() { s.srv.Close(); cancel(); rt.Close() }
}

// simEnv holds the secrets the sample org names.
func simEnv(name string) string {
	return map[string]string{"DEALFLOW_LEADS_SECRET": "lead-secret", "HUBSPOT_CLIENT_SECRET": "hs-secret"}[name]
}

// call sends a JSON request to the API with an integration's token.
func (s *dealSim) call(method, path string, body any) (int, map[string]any) {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if s.token == "" {
		s.token = integrationToken(s.t, s.rt.Store)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode >= 300 {
		s.t.Fatalf("%s %s %s: %d %v", method, path, b, res.StatusCode, out)
	}
	return res.StatusCode, out
}

// running counts executions of every machine that have not finished.
func (s *dealSim) running() int {
	n := 0
	for _, sm := range s.rt.Machine {
		xs, err := s.rt.Engine.ListExecutions(s.ctx, sm.ARN, "RUNNING")
		if err != nil {
			s.t.Fatal(err)
		}
		n += len(xs)
	}
	return n
}

// settle waits until every event is delivered and every running execution is parked on a timer
// (a Wait or a retry back-off): the background loops hold their timers plus one per execution.
func (s *dealSim) settle() {
	s.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	quiet := 0
	for quiet < 2 {
		if time.Now().After(deadline) {
			p, _, _ := s.rt.Bus.Pending(s.ctx)
			s.t.Fatalf("at %s the runtime did not settle: %d timers, base %d, %d running, %d deliveries pending", s.fake.Now(), s.fake.Pending(), s.base, s.running(), p)
		}
		if _, err := s.rt.Caps.Outbox.RelayOutbox(s.ctx, s.rt.Publisher(), 1000); err != nil {
			s.t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
		pend, err := s.rt.Store.ListPendingOutbox(s.ctx, 1)
		if err != nil {
			s.t.Fatal(err)
		}
		deliveries, _, _ := s.rt.Bus.Pending(s.ctx)
		if len(pend) == 0 && deliveries == 0 && s.fake.Pending() >= s.base+s.running() {
			quiet++
		} else {
			quiet = 0
		}
	}
}

// advance moves the clock to t and lets everything that fell due run.
func (s *dealSim) advance(t time.Time) {
	s.fake.Set(t)
	s.settle()
}

// hourlyRun moves the clock onto the hour, where the follow-up-reminders schedule fires, waits
// for that run and checks what it sent.
func (s *dealSim) hourlyRun(slot time.Time) {
	s.t.Helper()
	s.advance(slot.Add(-time.Minute))
	s.fake.Set(slot)
	arn := fmt.Sprintf("arn:aws:states:%s:%s:execution:follow-up-reminders:follow-up-reminders-%d", Region, Account, slot.Unix())
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err := s.rt.Engine.DescribeExecution(s.ctx, arn)
		if err == nil && d.Status == "SUCCEEDED" {
			break
		}
		if err == nil && d.Status != "RUNNING" {
			s.t.Fatalf("reminder run %s: %s %s %s", slot, d.Status, deref(d.Error), deref(d.Cause))
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("reminder run of %s did not finish (%v)", slot, err)
		}
		time.Sleep(time.Millisecond)
	}
	s.runs++
	s.settle()
	s.checkRun(slot)
}

// checkRun checks the reminder messages of one run against the deals as they are now (nobody
// acts during a run): at most one per AE, inside the AE's working hours, every item justified by
// its policy, and no cause twice in one period unless the AE snoozed it.
func (s *dealSim) checkRun(slot time.Time) {
	t := s.t
	msgs, err := s.rt.Outbox.List(s.ctx, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	perAE := map[string]int{}
	for _, m := range msgs {
		if s.seenMails[m.ID] || !strings.HasPrefix(m.Message.IdempotencyKey, "reminders:") {
			continue
		}
		s.seenMails[m.ID] = true
		repID := m.Message.Refs["repId"]
		perAE[repID]++
		s.messages++
		cal := s.cals[repID]
		if !cal.IsWorking(m.SentAt) {
			t.Errorf("reminder message to %s at %s, outside their working hours", repID, m.SentAt.In(cal.Location()))
		}
		for _, id := range strings.Split(m.Message.Refs["reminderIds"], ",") {
			r, err := s.rt.Store.GetReminder(s.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			s.items++
			if r.Status == domain.ReminderEscalated {
				s.escalated++
			}
			p := policyByID(s.rt.Org, r.Policy)
			deal, err := s.rt.Store.GetDeal(s.ctx, r.DealID)
			if err != nil {
				t.Fatal(err)
			}
			if why := unjustified(p, deal, repID, cal, m.SentAt); why != "" {
				t.Errorf("reminder %s (%s) on %s sent %s is not justified: %s", id, p.ID, deal.ID, m.SentAt.In(cal.Location()), why)
			}
			key := r.DealID + "|" + r.Policy + "|" + periodOf(p.Period, m.SentAt, cal.Location())
			s.sends[key] = append(s.sends[key], id)
			if n := len(s.sends[key]); n > 1 && !slices.ContainsFunc(s.sends[key], func(id string) bool { return s.snoozed[id] }) {
				t.Errorf("%s sent %d times in one period without a snooze: %v", key, n, s.sends[key])
			}
		}
		// The AE sometimes snoozes one item of the message.
		if s.rng.Float64() < 0.08 {
			s.snooze(m)
		}
	}
	for rep, n := range perAE {
		if n > 1 {
			t.Errorf("run %s sent %d reminder messages to %s", slot, n, rep)
		}
	}
}

func (s *dealSim) snooze(m notify.StoredMessage) {
	var links []string
	for _, f := range strings.Fields(m.Message.Text) {
		if strings.Contains(f, "/snooze?") {
			links = append(links, f)
		}
	}
	if len(links) == 0 {
		s.t.Fatalf("reminder message without snooze links:\n%s", m.Message.Text)
	}
	u, _ := url.Parse(links[s.rng.IntN(len(links))])
	res, err := http.Post(s.srv.URL+u.RequestURI(), "application/x-www-form-urlencoded", nil)
	if err != nil || res.StatusCode != 200 {
		s.t.Fatalf("snooze %s: %v %v", u, res.StatusCode, err)
	}
	res.Body.Close()
	s.snoozed[strings.Split(u.Path, "/")[3]] = true
}

func policyByID(org *domain.Org, id string) domain.ReminderPolicy {
	for _, p := range org.ReminderPolicies {
		if p.ID == id {
			return p
		}
	}
	return domain.ReminderPolicy{}
}

// periodOf names the dedupe period independently of the reminders package.
func periodOf(p domain.ReminderPeriod, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if p == domain.PeriodDay {
		return t.Format(time.DateOnly)
	}
	y, w := t.ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// unjustified re-checks a policy the long way round (counting working days one by one) and
// returns why the reminder was not due, or "".
func unjustified(p domain.ReminderPolicy, d domain.Deal, repID string, cal *workhours.Calendar, at time.Time) string {
	switch {
	case d.Status != domain.DealOpen:
		return "deal is " + string(d.Status)
	case d.OwnerID != repID:
		return "deal belongs to " + d.OwnerID
	case len(p.Stages) > 0 && !slices.Contains(p.Stages, d.Stage):
		return "stage " + d.Stage + " is not covered"
	}
	loc := cal.Location()
	switch p.Trigger {
	case domain.TriggerNoActivity:
		last := d.CreatedAt
		if e := d.StageHistory[len(d.StageHistory)-1].EnteredAt; e.After(last) {
			last = e
		}
		if d.LastActivityAt != nil && d.LastActivityAt.After(last) {
			last = *d.LastActivityAt
		}
		l, a := last.In(loc), at.In(loc)
		days := 0
		for day := time.Date(l.Year(), l.Month(), l.Day()+1, 12, 0, 0, 0, loc); !day.After(time.Date(a.Year(), a.Month(), a.Day(), 12, 0, 0, 0, loc)); day = day.AddDate(0, 0, 1) {
			if cal.IsWorkingDay(domain.DateOf(day)) {
				days++
			}
		}
		wall := func(t time.Time) int { return t.Hour()*3600 + t.Minute()*60 + t.Second() }
		lastDayIsNth := cal.IsWorkingDay(domain.DateOf(a)) && days == p.BusinessDays
		if days < p.BusinessDays || (lastDayIsNth && wall(a) < wall(l)) {
			return fmt.Sprintf("only %d business days since the last touch %s", days, l)
		}
	case domain.TriggerCloseDatePast:
		if d.CloseDate == nil {
			return "no close date"
		}
		if !domain.DateOf(d.CloseDate.UTC()).Before(domain.DateOf(at.In(loc))) {
			return "close date " + d.CloseDate.Format(time.DateOnly) + " not past"
		}
	case domain.TriggerNoNextStep:
		if strings.TrimSpace(d.NextStep) != "" {
			return "has a next step"
		}
	default:
		return "unexpected trigger " + p.Trigger
	}
	return ""
}

var simAEs = []string{"anna-weber", "max-hoffmann", "sophie-wagner", "olivia-brown", "daniel-garcia", "ava-wilson"}

var openStages = []string{"discovery", "qualification", "demo", "proposal", "negotiation"}

// act is one simulated half hour of work: new deals, activities, stage moves, next steps, close
// dates, wins, losses and reopens by AEs who are at work, and CSMs completing milestones.
func (s *dealSim) act(now time.Time, createDeals bool) {
	r := s.rng
	working := func(rep string) bool { return s.cals[rep].IsWorking(now) }
	if createDeals {
		for _, ae := range simAEs {
			if working(ae) && r.Float64() < 0.13 {
				body := map[string]any{"name": fmt.Sprintf("Deal %d", len(s.deals)+1), "ownerId": ae,
					"stage":    openStages[min(r.IntN(8), 4)], // most start early; some arrive late-stage
					"amount":   fmt.Sprintf("%d.%02d", 5000+r.IntN(95000), r.IntN(100)),
					"currency": []string{"EUR", "USD", "CHF"}[r.IntN(3)], "closeDate": now.AddDate(0, 0, 10+r.IntN(50)).Format(time.DateOnly)}
				if r.Float64() < 0.7 {
					body["nextStep"] = "discovery call"
				}
				_, out := s.call("POST", "/v1/deals", body)
				s.deals = append(s.deals, out["id"].(string))
			}
		}
	}
	for _, id := range s.deals {
		d, err := s.rt.Store.GetDeal(s.ctx, id)
		if err != nil {
			s.t.Fatal(err)
		}
		if !working(d.OwnerID) {
			continue
		}
		if d.Status == domain.DealWon && d.ClosedAt != nil && now.Sub(*d.ClosedAt) < 5*24*time.Hour && r.Float64() < 0.01 {
			s.call("PATCH", "/v1/deals/"+id, map[string]any{"stage": "negotiation"}) // reopened
			continue
		}
		if d.Status != domain.DealOpen {
			continue
		}
		switch x := r.Float64(); {
		case x < 0.035:
			s.call("POST", "/v1/activities", map[string]any{"type": []string{"call", "email", "meeting", "note", "proposal_sent"}[r.IntN(5)],
				"repId": d.OwnerID, "dealId": id, "subject": "touch", "notes": "customer asked for a pilot"})
		case x < 0.045:
			i := slices.Index(openStages, d.Stage)
			switch {
			case i < len(openStages)-1:
				s.call("PATCH", "/v1/deals/"+id, map[string]any{"stage": openStages[i+1]})
			case r.Float64() < 0.6:
				s.call("PATCH", "/v1/deals/"+id, map[string]any{"stage": "closed-won"})
				s.wins[id]++
			default:
				s.call("PATCH", "/v1/deals/"+id, map[string]any{"stage": "closed-lost", "lostReason": "no budget"})
			}
		case x < 0.047:
			s.call("PATCH", "/v1/deals/"+id, map[string]any{"stage": "closed-lost", "lostReason": "competitor"})
		case x < 0.055:
			if d.NextStep == "" {
				s.call("PATCH", "/v1/deals/"+id, map[string]any{"nextStep": "send proposal"})
			} else {
				s.call("PATCH", "/v1/deals/"+id, map[string]any{"nextStep": ""})
			}
		case x < 0.065 && d.CloseDate != nil && d.CloseDate.Before(now):
			s.call("PATCH", "/v1/deals/"+id, map[string]any{"closeDate": now.AddDate(0, 0, 14).Format(time.DateOnly)})
		}
	}
	// CSMs: a diligent one completes milestones around their due date, others let some slip.
	for _, csm := range []string{"felix-schulz", "mia-fischer", "noah-martinez"} {
		if !working(csm) {
			continue
		}
		os, _, err := s.rt.Store.ListOnboardingsByCSM(s.ctx, csm, store.Page{Limit: store.MaxPageSize})
		if err != nil {
			s.t.Fatal(err)
		}
		for _, o := range os {
			if o.Status != domain.OnboardingActive {
				continue
			}
			// Diligent CSMs work milestones around their due date and sometimes hold a check-in
			// weeks early; the others let milestones slip into reminders and escalations.
			diligent := o.DealID[len(o.DealID)-1]%3 != 0
			for _, m := range o.Milestones {
				if m.DoneAt != nil {
					continue
				}
				p := 0.0
				switch soon := m.DueAt.Sub(now); {
				case diligent && soon < 48*time.Hour:
					p = 0.25
				case diligent && soon < 45*24*time.Hour:
					p = 0.03
				case soon < 0:
					p = 0.01
				}
				if r.Float64() < p {
					s.call("POST", "/v1/onboardings/"+o.ID+"/milestones/"+m.Key+"/complete", map[string]any{"by": csm})
				}
			}
		}
	}
}

// TestDealsNinetyDays is the acceptance run of the deals area: 90 simulated days over the sample
// org with a few hundred deals driven through the HTTP API.
func TestDealsNinetyDays(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates 90 days")
	}
	start := time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC) // a Monday; crosses both DST changes and Anna's leave
	end := start.AddDate(0, 0, 90)
	fake := clock.NewFake(start)
	s, stop := newDealSim(t, filepath.Join(t.TempDir(), "dealflow.db"), fake)
	defer stop()
	began := time.Now()
	for slot := start.Add(time.Hour); !slot.After(end); slot = slot.Add(time.Hour) {
		s.advance(slot.Add(-30 * time.Minute))
		s.act(fake.Now(), slot.Before(start.AddDate(0, 0, 60)))
		s.hourlyRun(slot)
	}
	elapsed := time.Since(began)
	now := fake.Now()
	ctx := s.ctx

	// Stage history is complete: contiguous, and the time in stages adds up to the deal's age.
	won, reopened := 0, 0
	for _, id := range s.deals {
		d, err := s.rt.Store.GetDeal(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var sum time.Duration
		for _, v := range d.TimeInStages(now) {
			sum += v
		}
		if sum != now.Sub(d.CreatedAt) {
			t.Errorf("deal %s: %s in stages, age %s", id, sum, now.Sub(d.CreatedAt))
		}
		h := d.StageHistory
		for i := range h {
			if i+1 < len(h) && (h[i].ExitedAt == nil || !h[i].ExitedAt.Equal(h[i+1].EnteredAt)) {
				t.Errorf("deal %s: gap after %s", id, h[i].Stage)
			}
		}
		if h[len(h)-1].ExitedAt != nil || h[len(h)-1].Stage != d.Stage || !h[0].EnteredAt.Equal(d.CreatedAt) {
			t.Errorf("deal %s: history does not run from creation to the current stage", id)
		}
		// One onboarding per deal ever won, none otherwise.
		o, err := s.rt.Store.GetOnboardingByDeal(ctx, id)
		switch {
		case s.wins[id] > 0 && err != nil:
			t.Errorf("won deal %s has no onboarding: %v", id, err)
		case s.wins[id] == 0 && err == nil:
			t.Errorf("deal %s was never won but has onboarding %s", id, o.ID)
		}
		if s.wins[id] > 0 {
			won++
		}
		if s.wins[id] > 1 {
			reopened++
		}
	}
	// Onboardings follow the plan: a reminder when a milestone fell due undone, an escalation
	// when it was still undone at the overdue time, each within the hour, never otherwise.
	remindMails, escalateMails, handoffNotes := 0, 0, 0
	msgs, _ := s.rt.Outbox.List(ctx, "", 100000)
	for _, m := range msgs {
		switch k := m.Message.IdempotencyKey; {
		case strings.HasPrefix(k, "onboarding-remind:"):
			remindMails++
		case strings.HasPrefix(k, "onboarding-escalate:"):
			escalateMails++
		case strings.HasPrefix(k, "onboarding-handoff:"):
			handoffNotes++
		}
	}
	reminded, escalations, completed, onboardings := 0, 0, 0, 0
	for _, csm := range []string{"felix-schulz", "mia-fischer", "noah-martinez"} {
		os, _, _ := s.rt.Store.ListOnboardingsByCSM(ctx, csm, store.Page{Limit: store.MaxPageSize})
		cal := s.cals[csm]
		for _, o := range os {
			onboardings++
			plan, _ := onboarding.PlanByID(s.rt.Org, o.Plan)
			allDone := true
			for _, m := range o.Milestones {
				allDone = allDone && m.DoneAt != nil
				// Undone when the check ran (a completion in the same half hour comes after it).
				undoneAt := func(t time.Time) bool { return m.DoneAt == nil || !m.DoneAt.Before(t) }
				checkFired := func(what string, due time.Time, fired *time.Time) {
					switch {
					case fired != nil && (fired.Before(due) || fired.Sub(due) >= time.Hour):
						t.Errorf("%s %s/%s at %s, due %s", what, o.ID, m.Key, fired, due)
					case fired != nil && !undoneAt(*fired):
						t.Errorf("%s %s/%s at %s although done at %s", what, o.ID, m.Key, fired, m.DoneAt)
					case fired == nil && due.Before(now.Add(-time.Hour)) && undoneAt(due.Add(time.Hour)):
						t.Errorf("%s %s/%s missing: due %s, done %v", what, o.ID, m.Key, due, m.DoneAt)
					}
				}
				checkFired("reminder", m.DueAt, m.RemindedAt)
				if m.RemindedAt != nil {
					reminded++
					if at, ok := onboarding.EscalateAt(m, plan, cal); ok {
						checkFired("escalation", at, m.EscalatedAt)
					}
				} else if m.EscalatedAt != nil {
					t.Errorf("%s/%s escalated without a reminder", o.ID, m.Key)
				}
				if m.EscalatedAt != nil {
					escalations++
				}
			}
			if allDone != (o.Status == domain.OnboardingCompleted) {
				t.Errorf("onboarding %s: all done %v, status %s", o.ID, allDone, o.Status)
			}
			if o.Status == domain.OnboardingCompleted {
				completed++
			}
		}
	}
	if remindMails != reminded || escalateMails != escalations || handoffNotes != onboardings || onboardings != won {
		t.Errorf("mails: %d reminders for %d reminded milestones, %d escalations for %d, %d handoff notes for %d onboardings of %d won deals",
			remindMails, reminded, escalateMails, escalations, handoffNotes, onboardings, won)
	}
	if failed := s.failed(); failed != "" {
		t.Error(failed)
	}
	if len(s.deals) < 200 || s.messages == 0 || s.escalated == 0 || len(s.snoozed) == 0 || reopened == 0 || completed == 0 || escalations == 0 {
		t.Errorf("the simulation did not exercise everything: %d deals, %d messages, %d escalated, %d snoozed, %d reopened-and-won, %d onboardings completed, %d milestone escalations",
			len(s.deals), s.messages, s.escalated, len(s.snoozed), reopened, completed, escalations)
	}
	t.Logf("90 days in %s: %d deals (%d won, %d reopened and won again), %d hourly runs, %d reminder messages listing %d follow-ups (%d escalated to a manager, %d snoozed); %d onboardings: %d completed, %d milestone reminders, %d escalations",
		elapsed.Round(time.Second), len(s.deals), won, reopened, s.runs, s.messages, s.items, s.escalated, len(s.snoozed), onboardings, completed, reminded, escalations)
}

// failed lists executions of the deals area's workflows that did not succeed.
func (s *dealSim) failed() string {
	var out []string
	for _, name := range []string{"follow-up-reminders", "cs-onboarding"} {
		for _, st := range []string{"FAILED", "TIMED_OUT", "ABORTED"} {
			xs, _ := s.rt.Engine.ListExecutions(s.ctx, s.rt.Machine[name].ARN, st)
			for _, x := range xs {
				d, _ := s.rt.Engine.DescribeExecution(s.ctx, x.ExecutionArn)
				out = append(out, fmt.Sprintf("%s %s: %s %s", x.Name, st, deref(d.Error), deref(d.Cause)))
			}
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestOnboardingWaitSurvivesRestart: the process stops while an onboarding waits for its 30-day
// check-in; a new process on the same database resumes the wait and reminds the CSM at exactly
// the due time.
func TestOnboardingWaitSurvivesRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "dealflow.db")
	start := time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC) // Monday, 09:30 in Berlin
	fake := clock.NewFake(start)
	s, stop := newDealSim(t, db, fake)
	_, out := s.call("POST", "/v1/deals", map[string]any{"name": "Restart AG", "ownerId": "max-hoffmann", "stage": "negotiation", "amount": "30000"})
	id := out["id"].(string)
	s.call("PATCH", "/v1/deals/"+id, map[string]any{"stage": "closed-won"})
	s.settle()
	o, err := s.rt.Store.GetOnboardingByDeal(s.ctx, id)
	if err != nil {
		t.Fatalf("no onboarding after the win: %v", err)
	}
	// The CSM does everything up to the 30-day check-in, which stays open.
	var checkIn domain.OnboardingMilestone
	for _, m := range o.Milestones {
		if m.Key == "check-in-30" {
			checkIn = m
			break
		}
		s.call("POST", "/v1/onboardings/"+o.ID+"/milestones/"+m.Key+"/complete", map[string]any{})
	}
	if checkIn.DueAt.Sub(start) < 28*24*time.Hour {
		t.Fatalf("check-in-30 due %s", checkIn.DueAt)
	}
	// Ten days in, the workflow is parked on the wait for the check-in; the process stops.
	s.advance(start.Add(10 * 24 * time.Hour))
	stop()

	s2, stop2 := newDealSim(t, db, fake)
	defer stop2()
	s2.advance(checkIn.DueAt.Add(-time.Second))
	checkInOf := func(o domain.Onboarding) domain.OnboardingMilestone {
		return o.Milestones[slices.IndexFunc(o.Milestones, func(m domain.OnboardingMilestone) bool { return m.Key == "check-in-30" })]
	}
	if o, _ := s2.rt.Store.GetOnboarding(s2.ctx, o.ID); checkInOf(o).RemindedAt != nil {
		t.Fatalf("reminded before the due time: %v", checkInOf(o).RemindedAt)
	}
	s2.advance(checkIn.DueAt)
	got, _ := s2.rt.Store.GetOnboarding(s2.ctx, o.ID)
	m := checkInOf(got)
	if m.RemindedAt == nil || !m.RemindedAt.Equal(checkIn.DueAt) {
		t.Fatalf("after the restart the check-in reminder fired at %v, want %s", m.RemindedAt, checkIn.DueAt)
	}
	var found bool
	msgs, _ := s2.rt.Outbox.List(s2.ctx, "", 100)
	for _, mm := range msgs {
		found = found || mm.Message.IdempotencyKey == "onboarding-remind:"+o.ID+":check-in-30"
	}
	if !found {
		t.Fatal("no reminder email to the CSM")
	}
	if failed := s2.failed(); failed != "" {
		t.Fatal(failed)
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
