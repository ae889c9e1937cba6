package storetest

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

var idempotencyCases = []testCase{
	{"Idempotency/PutIfAbsentWithTTL", func(e *env) {
		v, created, err := e.s.PutIdempotencyKey(e.ctx, "lead:hubspot:123", "lead-1", time.Hour)
		e.ok(err, "first put")
		e.eq(created, true, "first put creates")
		e.eq(v, "lead-1", "value in effect")
		v, created, err = e.s.PutIdempotencyKey(e.ctx, "lead:hubspot:123", "lead-2", time.Hour)
		e.ok(err, "second put")
		e.eq(created, false, "second put within the TTL")
		e.eq(v, "lead-1", "second put sees the first value")
		e.clk.Advance(time.Hour - time.Nanosecond)
		_, created, _ = e.s.PutIdempotencyKey(e.ctx, "lead:hubspot:123", "lead-3", time.Hour)
		e.eq(created, false, "just before expiry the key still holds")
		e.clk.Advance(time.Nanosecond)
		v, created, err = e.s.PutIdempotencyKey(e.ctx, "lead:hubspot:123", "lead-4", time.Hour)
		e.ok(err, "put after expiry")
		e.eq(created, true, "an expired key counts as absent")
		e.eq(v, "lead-4", "new value in effect")
		v, created, _ = e.s.PutIdempotencyKey(e.ctx, "lead:hubspot:123", "lead-5", time.Hour)
		e.eq(fmt.Sprintf("%v %v", created, v), "false lead-4", "new key holds for its own TTL")
	}},
	{"Idempotency/ZeroTTLNeverExpires", func(e *env) {
		_, created, err := e.s.PutIdempotencyKey(e.ctx, "deal:hubspot:9", "d1", 0)
		e.ok(err, "put")
		e.eq(created, true, "created")
		e.clk.Advance(10 * 365 * 24 * time.Hour)
		v, created, _ := e.s.PutIdempotencyKey(e.ctx, "deal:hubspot:9", "d2", 0)
		e.eq(fmt.Sprintf("%v %v", created, v), "false d1", "ten years later the key still holds")
		v, created, _ = e.s.PutIdempotencyKey(e.ctx, "deal:hubspot:10", "d3", time.Minute)
		e.eq(fmt.Sprintf("%v %v", created, v), "true d3", "other keys are independent")
	}},
}

func init() {
	idempotencyCases = append(idempotencyCases, testCase{"Idempotency/ReleaseOnlyTheClaimersValue", func(e *env) {
		_, created, err := e.s.PutIdempotencyKey(e.ctx, "mail:notify-owner:l1", "claim-a", time.Hour)
		e.ok(err, "claim")
		e.eq(created, true, "claimed")
		e.ok(e.s.ReleaseIdempotencyKey(e.ctx, "mail:notify-owner:l1", "claim-b"), "release with another value")
		v, created, _ := e.s.PutIdempotencyKey(e.ctx, "mail:notify-owner:l1", "claim-c", time.Hour)
		e.eq(fmt.Sprintf("%v %v", created, v), "false claim-a", "another value does not release the claim")
		e.ok(e.s.ReleaseIdempotencyKey(e.ctx, "mail:notify-owner:l1", "claim-a"), "release by the claimer")
		v, created, _ = e.s.PutIdempotencyKey(e.ctx, "mail:notify-owner:l1", "claim-d", time.Hour)
		e.eq(fmt.Sprintf("%v %v", created, v), "true claim-d", "a released key can be claimed again")
		e.ok(e.s.ReleaseIdempotencyKey(e.ctx, "never-claimed", "x"), "releasing an absent key is not an error")
	}})
}

var counterCases = []testCase{
	{"Counter/IncrementAndCreditBack", func(e *env) {
		steps := []struct {
			key   string
			delta int64
			want  int64
		}{
			{"route:emea-ae:ben:2026-11-02", 1, 1},
			{"route:emea-ae:ben:2026-11-02", 1, 2},
			{"route:emea-ae:anna:2026-11-02", 2, 2},
			{"route:emea-ae:ben:2026-11-02", -1, 1}, // credit back on reassignment
			{"route:emea-ae:cem:2026-11-02", -1, -1},
		}
		for _, st := range steps {
			got, err := e.s.IncrementCounter(e.ctx, st.key, st.delta)
			e.ok(err, "increment "+st.key)
			e.eq(got, st.want, fmt.Sprintf("%s after %+d", st.key, st.delta))
		}
		got, err := e.s.GetCounters(e.ctx, "route:emea-ae:ben:2026-11-02", "route:emea-ae:anna:2026-11-02", "route:emea-ae:dora:2026-11-02")
		e.ok(err, "get counters")
		e.eq(got, map[string]int64{"route:emea-ae:ben:2026-11-02": 1, "route:emea-ae:anna:2026-11-02": 2, "route:emea-ae:dora:2026-11-02": 0},
			"counters, missing ones as 0")
	}},
	{"Counter/IncrementSeveral", func(e *env) {
		_, err := e.s.IncrementCounter(e.ctx, "route:p:ben:d", 4)
		e.ok(err, "increment")
		got, err := e.s.IncrementCounters(e.ctx, []string{"route:p:ben:d", "route:p:ben:m"}, 1)
		e.ok(err, "increment day and month")
		e.eq(got, []int64{5, 1}, "new values in key order")
		got, err = e.s.IncrementCounters(e.ctx, []string{"route:p:ben:d", "route:p:ben:m"}, -1)
		e.ok(err, "undo")
		e.eq(got, []int64{4, 0}, "values after the undo")
	}},
	{"Counter/GetManyKeys", func(e *env) {
		keys := make([]string, 0, 230)
		want := map[string]int64{}
		for i := range 230 {
			k := fmt.Sprintf("c%03d", i)
			keys = append(keys, k)
			if i%3 == 0 {
				_, err := e.s.IncrementCounter(e.ctx, k, int64(i))
				e.ok(err, "increment")
				want[k] = int64(i)
			} else {
				want[k] = 0
			}
		}
		got, err := e.s.GetCounters(e.ctx, keys...)
		e.ok(err, "get 230 counters")
		e.eq(got, want, "all counters returned")
	}},
}

var outboxCases = []testCase{
	{"Outbox/PendingAndPublished", func(e *env) {
		e.needsTx("writes with outbox events")
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base), event("Lead Received", "l1"))
		e.ok(err, "create l1")
		e.clk.Advance(time.Second)
		_, err = e.s.CreateLead(e.ctx, sampleLead("l2", Base), event("Lead Received", "l2"), event("Lead Qualified", "l2"))
		e.ok(err, "create l2")
		e.clk.Advance(time.Second)
		_, err = e.s.CreateLead(e.ctx, sampleLead("l3", Base), store.OutboxEvent{ID: "fixed-id", DetailType: "Lead Received", Detail: []byte(`{"id":"l3"}`)})
		e.ok(err, "create l3")
		evs, err := e.s.ListPendingOutbox(e.ctx, 2)
		e.ok(err, "list with limit")
		e.eq(len(evs), 2, "limit respected")
		all, _ := e.s.ListPendingOutbox(e.ctx, 10)
		e.eq(len(all), 4, "all pending")
		e.eq(all[0].CreatedAt.Equal(Base), true, "created time from the store clock")
		e.eq(all[0].ID != "" && all[0].ID != all[1].ID, true, "ids assigned and unique")
		e.eq(all[3].ID, "fixed-id", "caller id kept")
		e.eq(string(all[3].Detail), `{"id":"l3"}`, "detail kept verbatim")
		e.ok(e.s.MarkOutboxPublished(e.ctx, all[0].ID, all[3].ID), "mark published")
		e.ok(e.s.MarkOutboxPublished(e.ctx, all[0].ID), "marking twice is fine")
		left := e.pending()
		sort.Strings(left)
		e.eq(left, []string{"Lead Qualified:l2", "Lead Received:l2"}, "published events are no longer pending")
		e.is(e.s.MarkOutboxPublished(e.ctx, "no-such-event"), store.ErrNotFound, "unknown event id")
		_, err = e.s.CreateLead(e.ctx, sampleLead("l4", Base), store.OutboxEvent{ID: "fixed-id", DetailType: "Lead Received"})
		e.is(err, store.ErrAlreadyExists, "reusing an event id")
		_, err = e.s.GetLead(e.ctx, "l4")
		e.is(err, store.ErrNotFound, "the lead of a rejected event is not written")
	}},
	{"Outbox/EmptyWithoutEvents", func(e *env) {
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base))
		e.ok(err, "create without events")
		e.eq(len(e.pending()), 0, "no events, nothing pending")
	}},
}

// pageAll walks every page of size n and fails on repeats or a page larger than n.
func pageAll[T any](e *env, n int, id func(T) string, list func(store.Page) ([]T, string, error)) (all []string, pages int) {
	e.t.Helper()
	seen := map[string]bool{}
	p := store.Page{Limit: n}
	for {
		items, next, err := list(p)
		e.ok(err, fmt.Sprintf("page %d", pages+1))
		pages++
		if len(items) > n {
			e.t.Fatalf("page %d has %d items, limit %d", pages, len(items), n)
		}
		for _, it := range items {
			if seen[id(it)] {
				e.t.Fatalf("item %s returned twice", id(it))
			}
			seen[id(it)] = true
			all = append(all, id(it))
		}
		if next == "" {
			return all, pages
		}
		if pages > 100 {
			e.t.Fatal("pagination does not end")
		}
		p.Cursor = next
	}
}

var paginationCases = []testCase{
	{"Pagination/EveryListPages", func(e *env) {
		var wantDeals, wantActs, wantLeads []string
		for i := range 7 {
			id := fmt.Sprintf("p%d", i)
			created := at(time.Duration(i) * time.Minute)
			d := sampleDeal(id, "ae-1", "t1", "discovery", created)
			_, err := e.s.CreateDeal(e.ctx, d)
			e.ok(err, "create deal")
			_, err = e.s.CreateActivity(e.ctx, domain.Activity{ID: id, Type: domain.ActivityCall, RepID: "ae-1", DealID: "d1", At: created})
			e.ok(err, "create activity")
			l := sampleLead(id, created)
			l.OwnerID, l.RoutedAt = "ae-1", &created
			_, err = e.s.CreateLead(e.ctx, l)
			e.ok(err, "create lead")
			_, err = e.s.CreateHandoff(e.ctx, sampleHandoff(id, "l1", "ae-1", created))
			e.ok(err, "create handoff")
			wantDeals, wantActs, wantLeads = append(wantDeals, id), append(wantActs, id), append(wantLeads, id)
		}
		w := store.Window{From: Base, To: at(time.Hour)}
		checks := []struct {
			name string
			walk func(n int) ([]string, int)
			want []string
		}{
			{"deals by owner", func(n int) ([]string, int) {
				return pageAll(e, n, dealID, func(p store.Page) ([]domain.Deal, string, error) { return e.s.ListDealsByOwner(e.ctx, "ae-1", "", p) })
			}, wantDeals},
			{"deals by owner and stage", func(n int) ([]string, int) {
				return pageAll(e, n, dealID, func(p store.Page) ([]domain.Deal, string, error) {
					return e.s.ListDealsByOwner(e.ctx, "ae-1", "discovery", p)
				})
			}, wantDeals},
			{"open deals by team", func(n int) ([]string, int) {
				return pageAll(e, n, dealID, func(p store.Page) ([]domain.Deal, string, error) { return e.s.ListOpenDealsByTeam(e.ctx, "t1", p) })
			}, wantDeals},
			{"deals created by team", func(n int) ([]string, int) {
				return pageAll(e, n, dealID, func(p store.Page) ([]domain.Deal, string, error) {
					return e.s.ListDealsCreatedByTeam(e.ctx, "t1", w, p)
				})
			}, wantDeals},
			{"activities by deal", func(n int) ([]string, int) {
				return pageAll(e, n, activityID, func(p store.Page) ([]domain.Activity, string, error) {
					return e.s.ListActivitiesByDeal(e.ctx, "d1", p)
				})
			}, wantActs},
			{"activities by rep", func(n int) ([]string, int) {
				return pageAll(e, n, activityID, func(p store.Page) ([]domain.Activity, string, error) {
					return e.s.ListActivitiesByRep(e.ctx, "ae-1", w, p)
				})
			}, wantActs},
			{"leads by domain", func(n int) ([]string, int) {
				return pageAll(e, n, leadID, func(p store.Page) ([]domain.Lead, string, error) {
					return e.s.ListLeadsByDomain(e.ctx, "acme.example", p)
				})
			}, wantLeads},
			{"leads routed by owner", func(n int) ([]string, int) {
				return pageAll(e, n, leadID, func(p store.Page) ([]domain.Lead, string, error) {
					return e.s.ListLeadsRoutedByOwner(e.ctx, "ae-1", w, p)
				})
			}, wantLeads},
			{"handoffs by AE", func(n int) ([]string, int) {
				return pageAll(e, n, handoffID, func(p store.Page) ([]domain.Handoff, string, error) {
					return e.s.ListHandoffsByAE(e.ctx, "ae-1", w, p)
				})
			}, wantLeads},
			{"open handoffs by AE", func(n int) ([]string, int) {
				return pageAll(e, n, handoffID, func(p store.Page) ([]domain.Handoff, string, error) {
					return e.s.ListOpenHandoffsByAE(e.ctx, "ae-1", p)
				})
			}, wantLeads},
			{"handoffs by lead", func(n int) ([]string, int) {
				return pageAll(e, n, handoffID, func(p store.Page) ([]domain.Handoff, string, error) {
					return e.s.ListHandoffsByLead(e.ctx, "l1", p)
				})
			}, wantLeads},
		}
		for _, c := range checks {
			for _, size := range []struct{ n, pages int }{{3, 3}, {7, 1}, {1, 7}, {100, 1}} {
				got, pages := c.walk(size.n)
				e.eq(got, c.want, fmt.Sprintf("%s in pages of %d", c.name, size.n))
				e.eq(pages, size.pages, fmt.Sprintf("%s: number of pages of %d", c.name, size.n))
			}
		}
		_, _, err := e.s.ListDealsByOwner(e.ctx, "ae-1", "", store.Page{Limit: 2, Cursor: "not-a-cursor"})
		e.is(err, store.ErrBadCursor, "a cursor the store did not produce")
	}},
	{"Pagination/RemindersAndOnboardings", func(e *env) {
		e.needsTx("creating reminders and onboardings")
		var want []string
		for i := range 5 {
			id := fmt.Sprintf("q%d", i)
			_, err := e.s.CreateReminder(e.ctx, sampleReminder(id, "d"+id, "ae-1", "stale", "p", at(time.Duration(i)*time.Minute)))
			e.ok(err, "create reminder")
			_, err = e.s.CreateOnboarding(e.ctx, sampleOnboarding(id, "d"+id, "csm-1", at(time.Duration(i)*time.Minute)))
			e.ok(err, "create onboarding")
			want = append(want, id)
		}
		got, pages := pageAll(e, 2, reminderID, func(p store.Page) ([]domain.Reminder, string, error) {
			return e.s.ListOpenRemindersDue(e.ctx, "ae-1", at(time.Hour), p)
		})
		e.eq(fmt.Sprint(got, pages), fmt.Sprint(want, 3), "reminders in pages of 2")
		got, pages = pageAll(e, 2, onboardingID, func(p store.Page) ([]domain.Onboarding, string, error) {
			return e.s.ListOnboardingsByCSM(e.ctx, "csm-1", p)
		})
		e.eq(fmt.Sprint(got, pages), fmt.Sprint(want, 3), "onboardings in pages of 2")
	}},
}

var concurrencyCases = []testCase{
	{"Concurrency/NoLostUpdates", func(e *env) {
		const workers = 50
		_, err := e.s.CreateDeal(e.ctx, sampleDeal("d1", "ae-1", "t1", "discovery", Base))
		e.ok(err, "create deal")
		var wg sync.WaitGroup
		errs := make(chan error, 2*workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := e.s.IncrementCounter(e.ctx, "route:pool:ben", 1); err != nil {
					errs <- fmt.Errorf("worker %d increment: %w", i, err)
				}
				_, err := e.s.UpdateDeal(e.ctx, "d1", func(d domain.Deal) (domain.Deal, error) {
					d.Amount.AmountMinor++
					d.SDRNotes.Fields = cloneMap(d.SDRNotes.Fields)
					d.SDRNotes.Fields[fmt.Sprintf("w%02d", i)] = "x"
					return d, nil
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d update deal: %w", i, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			e.t.Error(err)
		}
		c, err := e.s.GetCounters(e.ctx, "route:pool:ben")
		e.ok(err, "get counter")
		e.eq(c["route:pool:ben"], workers, "counter after 50 concurrent increments")
		d, err := e.s.GetDeal(e.ctx, "d1")
		e.ok(err, "get deal")
		e.eq(d.Amount.AmountMinor, 1_250_000+workers, "amount after 50 concurrent updates")
		e.eq(len(d.SDRNotes.Fields), 2+workers, "every worker's field is present")
		e.eq(d.Version, 1+workers, "one version per update")
	}},
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}
