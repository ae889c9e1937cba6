package storetest

import (
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

func sampleLead(id string, created time.Time) domain.Lead {
	return domain.Lead{
		ID: id, Source: "hubspot", ExternalID: "hs-" + id, Email: id + "@acme.example", Name: "Ada " + id,
		Company: "Acme GmbH", Domain: "acme.example", Country: "DE", Region: "EMEA", State: "BE",
		Phone: "+493012345678", Title: "CTO", Employees: 250, Industry: "software",
		Attributes: map[string]string{"utm_source": "newsletter"},
		Score:      42, ScoreExplanation: []domain.ScoreLine{{Rule: "fit.employees", Points: 30, Reason: "250 employees"}, {Rule: "decay", Points: -3}},
		Grade: domain.GradeMQL, Status: domain.LeadNew, CreatedAt: created, UpdatedAt: created,
	}
}

func leadID(l domain.Lead) string { return l.ID }

var leadCases = []testCase{
	{"Lead/TooLarge", func(e *env) {
		// Over the DynamoDB item limit: refused as ErrTooLarge (permanent), on every store, and
		// nothing is written; a lead just under it is stored whole.
		big := sampleLead("big", Base)
		big.Attributes = map[string]string{"message": strings.Repeat("x", store.MaxItemBytes)}
		_, err := e.s.CreateLead(e.ctx, big)
		e.is(err, store.ErrTooLarge, "create a lead over 400 KB")
		_, err = e.s.GetLead(e.ctx, "big")
		e.is(err, store.ErrNotFound, "the oversized lead was not written")
		if !e.cfg.noTx {
			_, _, err = e.s.CreateLeadClaiming(e.ctx, big, []string{"lead-email:big@acme.example"})
			e.is(err, store.ErrTooLarge, "create claiming a lead over 400 KB")
			v, _, _ := e.s.PutIdempotencyKey(e.ctx, "lead-email:big@acme.example", "other", 0)
			e.eq(v, "other", "the keys of the refused lead were not claimed")
		}

		fits := sampleLead("fits", Base)
		fits.Attributes = map[string]string{"message": strings.Repeat("x", store.MaxItemBytes-4096)}
		_, err = e.s.CreateLead(e.ctx, fits)
		e.ok(err, "create a lead just under 400 KB")
		got, err := e.s.GetLead(e.ctx, "fits")
		e.ok(err, "get it")
		e.eq(len(got.Attributes["message"]), store.MaxItemBytes-4096, "stored whole")
		_, err = e.s.UpdateLead(e.ctx, "fits", func(l domain.Lead) (domain.Lead, error) {
			l.Attributes["more"] = strings.Repeat("y", 8192)
			return l, nil
		})
		e.is(err, store.ErrTooLarge, "grow it past 400 KB")
		got, _ = e.s.GetLead(e.ctx, "fits")
		e.eq(got.Version, int64(1), "the refused update wrote nothing")
	}},
	{"Lead/CreateClaimingKeys", func(e *env) {
		e.needsTx("CreateLeadClaiming")
		got, held, err := e.s.CreateLeadClaiming(e.ctx, sampleLead("l1", Base), []string{"lead-email:a@acme.example", "lead-idem:api:k1"}, event("Lead Received", "l1"))
		e.ok(err, "create l1 claiming two keys")
		e.eq(len(held), 0, "no key held")
		e.eq(got.Version, 1, "version after create")
		v, created, err := e.s.PutIdempotencyKey(e.ctx, "lead-idem:api:k1", "other", 0)
		e.ok(err, "put key")
		e.eq(v, "l1", "the claimed key points at the new lead")
		e.eq(created, false, "the key was claimed")
		evs, err := e.s.ListPendingOutbox(e.ctx, 10)
		e.ok(err, "list outbox")
		e.eq(len(evs), 1, "the lead's event written with it")

		// One key held: nothing written, and the holder is reported.
		_, held, err = e.s.CreateLeadClaiming(e.ctx, sampleLead("l2", at(time.Hour)), []string{"lead-email:b@acme.example", "lead-idem:api:k1"}, event("Lead Received", "l2"))
		e.ok(err, "create l2 with a held key")
		e.eq(held, map[string]string{"lead-idem:api:k1": "l1"}, "held keys")
		_, err = e.s.GetLead(e.ctx, "l2")
		e.is(err, store.ErrNotFound, "l2 not written")
		v, _, err = e.s.PutIdempotencyKey(e.ctx, "lead-email:b@acme.example", "l3", 0)
		e.ok(err, "put key")
		e.eq(v, "l3", "the free key of the refused write was not claimed")
		evs, _ = e.s.ListPendingOutbox(e.ctx, 10)
		e.eq(len(evs), 1, "no event from the refused write")

		// An expired key is taken over.
		_, _, err = e.s.PutIdempotencyKey(e.ctx, "lead-idem:api:old", "l0", time.Minute)
		e.ok(err, "put expiring key")
		e.clk.Advance(2 * time.Minute)
		_, held, err = e.s.CreateLeadClaiming(e.ctx, sampleLead("l4", at(2*time.Hour)), []string{"lead-idem:api:old"})
		e.ok(err, "create over an expired key")
		e.eq(len(held), 0, "an expired key is not held")

		// A taken lead id is ErrAlreadyExists.
		_, _, err = e.s.CreateLeadClaiming(e.ctx, sampleLead("l1", Base), []string{"lead-idem:api:k9"})
		e.is(err, store.ErrAlreadyExists, "duplicate lead id")
	}},
	{"Lead/CreateGetRoundTrip", func(e *env) {
		want := sampleLead("l1", Base)
		want.Version = 99 // the store owns Version
		got, err := e.s.CreateLead(e.ctx, want)
		e.ok(err, "create lead")
		e.eq(got.Version, 1, "version after create")
		want.Version = 1
		read, err := e.s.GetLead(e.ctx, "l1")
		e.ok(err, "get lead")
		e.same(read, want, "lead read back")
	}},
	{"Lead/DuplicateIDAlreadyExists", func(e *env) {
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base))
		e.ok(err, "create lead")
		other := sampleLead("l1", at(time.Hour))
		other.Email = "other@else.example"
		_, err = e.s.CreateLead(e.ctx, other)
		e.is(err, store.ErrAlreadyExists, "second create with the same id")
		read, err := e.s.GetLead(e.ctx, "l1")
		e.ok(err, "get lead")
		e.eq(read.Email, "l1@acme.example", "first lead is untouched")
	}},
	{"Lead/MissingNotFound", func(e *env) {
		_, err := e.s.GetLead(e.ctx, "nope")
		e.is(err, store.ErrNotFound, "get missing lead")
		_, err = e.s.GetLeadByEmail(e.ctx, "nobody@x.example")
		e.is(err, store.ErrNotFound, "get lead by unknown email")
		_, err = e.s.GetLeadBySourceID(e.ctx, "hubspot", "unknown")
		e.is(err, store.ErrNotFound, "get lead by unknown source id")
		_, err = e.s.UpdateLead(e.ctx, "nope", func(l domain.Lead) (domain.Lead, error) { return l, nil })
		e.is(err, store.ErrNotFound, "update missing lead")
	}},
	{"Lead/LookupsReturnEarliest", func(e *env) {
		later := sampleLead("b-later", at(2*time.Hour))
		later.Email, later.ExternalID = "same@acme.example", "ext-1"
		earlier := sampleLead("z-earlier", at(time.Hour))
		earlier.Email, earlier.ExternalID = "same@acme.example", "ext-1"
		otherSource := sampleLead("a-form", at(0))
		otherSource.Source, otherSource.ExternalID = "form:demo", "ext-1"
		for _, l := range []domain.Lead{later, earlier, otherSource} {
			_, err := e.s.CreateLead(e.ctx, l)
			e.ok(err, "create "+l.ID)
		}
		got, err := e.s.GetLeadByEmail(e.ctx, "same@acme.example")
		e.ok(err, "by email")
		e.eq(got.ID, "z-earlier", "lead by email is the earliest created")
		got, err = e.s.GetLeadBySourceID(e.ctx, "hubspot", "ext-1")
		e.ok(err, "by source id")
		e.eq(got.ID, "z-earlier", "lead by hubspot ext-1")
		got, err = e.s.GetLeadBySourceID(e.ctx, "form:demo", "ext-1")
		e.ok(err, "by source id")
		e.eq(got.ID, "a-form", "same external id in another source is another lead")
	}},
	{"Lead/ListByDomain", func(e *env) {
		for i, id := range []string{"c", "a", "b"} {
			l := sampleLead(id, at(time.Duration(i)*time.Minute))
			_, err := e.s.CreateLead(e.ctx, l)
			e.ok(err, "create")
		}
		other := sampleLead("x", Base)
		other.Domain = "other.example"
		_, err := e.s.CreateLead(e.ctx, other)
		e.ok(err, "create other")
		got, next, err := e.s.ListLeadsByDomain(e.ctx, "acme.example", store.Page{})
		e.ok(err, "list by domain")
		e.eq(ids(got, leadID), []string{"c", "a", "b"}, "leads of acme.example oldest first")
		e.eq(next, "", "no further page")
		got, _, err = e.s.ListLeadsByDomain(e.ctx, "none.example", store.Page{})
		e.ok(err, "list empty domain")
		e.eq(len(got), 0, "no leads for unknown domain")
	}},
	{"Lead/ListRoutedByOwner", func(e *env) {
		route := func(id, owner string, t time.Time) {
			_, err := e.s.UpdateLead(e.ctx, id, func(l domain.Lead) (domain.Lead, error) {
				l.Status, l.OwnerID, l.RoutedAt = domain.LeadRouted, owner, &t
				return l, nil
			})
			e.ok(err, "route "+id)
		}
		for _, id := range []string{"l1", "l2", "l3", "l4", "l5"} {
			_, err := e.s.CreateLead(e.ctx, sampleLead(id, Base))
			e.ok(err, "create "+id)
		}
		route("l1", "ae-1", at(2*time.Hour))
		route("l2", "ae-1", at(time.Hour)) // window start: inside
		route("l3", "ae-2", at(90*time.Minute))
		route("l5", "ae-1", at(3*time.Hour)) // window end: outside
		// l4 is never routed
		w := store.Window{From: at(time.Hour), To: at(3 * time.Hour)}
		got, next, err := e.s.ListLeadsRoutedByOwner(e.ctx, "ae-1", w, store.Page{})
		e.ok(err, "list routed to ae-1")
		e.eq(ids(got, leadID), []string{"l2", "l1"}, "ae-1's leads routed in [1h, 3h), by routing time")
		e.eq(next, "", "no further page")
		e.eq(got[0].OwnerID, "ae-1", "listed lead carries its owner")
		route("l1", "ae-2", at(150*time.Minute)) // reassigned
		got, _, err = e.s.ListLeadsRoutedByOwner(e.ctx, "ae-1", w, store.Page{})
		e.ok(err, "list after reassignment")
		e.eq(ids(got, leadID), []string{"l2"}, "a reassigned lead leaves the old owner's list")
		got, _, _ = e.s.ListLeadsRoutedByOwner(e.ctx, "ae-2", w, store.Page{})
		e.eq(ids(got, leadID), []string{"l3", "l1"}, "and joins the new owner's at its new routing time")
		got, _, err = e.s.ListLeadsRoutedByOwner(e.ctx, "ae-1", store.Window{From: at(time.Hour), To: at(time.Hour)}, store.Page{})
		e.ok(err, "empty window")
		e.eq(len(got), 0, "an empty window lists nothing")
	}},
	{"Lead/ListCreated", func(e *env) {
		// Leads created across several UTC days, some routed, one disqualified: the list is every
		// lead created in the window, by creation time, whatever became of it.
		mk := func(id string, t time.Time) {
			_, err := e.s.CreateLead(e.ctx, sampleLead(id, t))
			e.ok(err, "create "+id)
		}
		mk("l1", at(-time.Minute))   // before the window
		mk("l2", at(0))              // window start: inside
		mk("l3", at(30*time.Hour))   // next UTC day
		mk("l4", at(26*time.Hour))   // also next day, earlier
		mk("l5", at(3*24*time.Hour)) // two days later, an empty day between
		mk("l6", at(4*24*time.Hour)) // window end: outside
		_, err := e.s.UpdateLead(e.ctx, "l3", func(l domain.Lead) (domain.Lead, error) {
			t := at(31 * time.Hour)
			l.Status, l.OwnerID, l.RoutedAt = domain.LeadRouted, "ae-1", &t
			return l, nil
		})
		e.ok(err, "route l3")
		_, err = e.s.UpdateLead(e.ctx, "l5", func(l domain.Lead) (domain.Lead, error) {
			l.Status = domain.LeadDisqualified
			return l, nil
		})
		e.ok(err, "disqualify l5")
		w := store.Window{From: at(0), To: at(4 * 24 * time.Hour)}
		got, next, err := e.s.ListLeadsCreated(e.ctx, w, store.Page{})
		e.ok(err, "list created")
		e.eq(ids(got, leadID), []string{"l2", "l4", "l3", "l5"}, "leads created in the window, by creation time, any status")
		e.eq(next, "", "no further page")
		// Paging one at a time crosses the day boundaries and lists each lead once.
		var paged []string
		cursor := ""
		for range 10 {
			got, next, err := e.s.ListLeadsCreated(e.ctx, w, store.Page{Limit: 1, Cursor: cursor})
			e.ok(err, "page")
			paged = append(paged, ids(got, leadID)...)
			if next == "" {
				break
			}
			cursor = next
		}
		e.eq(paged, []string{"l2", "l4", "l3", "l5"}, "pages of one")
		got, _, err = e.s.ListLeadsCreated(e.ctx, store.Window{From: at(time.Hour), To: at(time.Hour)}, store.Page{})
		e.ok(err, "empty window")
		e.eq(len(got), 0, "an empty window lists nothing")
	}},
	{"Lead/UpdateIsReadModifyWrite", func(e *env) {
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base))
		e.ok(err, "create")
		routedAt := at(time.Minute)
		got, err := e.s.UpdateLead(e.ctx, "l1", func(l domain.Lead) (domain.Lead, error) {
			if l.Version != 1 {
				e.t.Errorf("update fn saw version %d, want 1", l.Version)
			}
			l.Status, l.OwnerID, l.RoutedAt = domain.LeadRouted, "rep-anna", &routedAt
			l.RoutingExplanation = "rule emea → pool emea-ae; Anna has 1/5 today"
			l.Email = "new@acme.example"
			l.MergedFrom = append(l.MergedFrom, "form:demo:77")
			return l, nil
		})
		e.ok(err, "update")
		e.eq(got.Version, 2, "version after one update")
		read, err := e.s.GetLead(e.ctx, "l1")
		e.ok(err, "get")
		e.same(read, got, "stored lead equals returned lead")
		byEmail, err := e.s.GetLeadByEmail(e.ctx, "new@acme.example")
		e.ok(err, "index follows the update")
		e.eq(byEmail.ID, "l1", "lead found by its new email")
		_, err = e.s.GetLeadByEmail(e.ctx, "l1@acme.example")
		e.is(err, store.ErrNotFound, "old email no longer indexed")
	}},
	{"Lead/UpdateFnErrorChangesNothing", func(e *env) {
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base))
		e.ok(err, "create")
		_, err = e.s.UpdateLead(e.ctx, "l1", func(l domain.Lead) (domain.Lead, error) {
			l.Status = domain.LeadDisqualified
			return l, errBoom
		})
		e.is(err, errBoom, "update error is returned wrapped")
		read, _ := e.s.GetLead(e.ctx, "l1")
		e.eq(read.Status, domain.LeadNew, "status unchanged")
		e.eq(read.Version, 1, "version unchanged")
	}},
	{"Lead/UpdateCannotChangeID", func(e *env) {
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base))
		e.ok(err, "create")
		_, err = e.s.UpdateLead(e.ctx, "l1", func(l domain.Lead) (domain.Lead, error) { l.ID = "l2"; return l, nil })
		e.fails(err, "update that changes the id")
		_, err = e.s.GetLead(e.ctx, "l2")
		e.is(err, store.ErrNotFound, "no lead under the new id")
	}},
	{"Lead/CreateWithEventsIsAtomic", func(e *env) {
		e.needsTx("CreateLead with outbox events")
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base), event("Lead Received", "l1"))
		e.ok(err, "create with event")
		e.eq(e.pending(), []string{"Lead Received:l1"}, "event written with the lead")
		_, err = e.s.CreateLead(e.ctx, sampleLead("l1", Base), event("Lead Received", "l1-dup"))
		e.is(err, store.ErrAlreadyExists, "duplicate create")
		e.eq(e.pending(), []string{"Lead Received:l1"}, "a failed create writes no event")
	}},
	{"Lead/UpdateWithEventsIsAtomic", func(e *env) {
		e.needsTx("UpdateLead with outbox events")
		_, err := e.s.CreateLead(e.ctx, sampleLead("l1", Base))
		e.ok(err, "create")
		_, err = e.s.UpdateLead(e.ctx, "l1", func(l domain.Lead) (domain.Lead, error) { return l, errBoom }, event("Lead Routed", "l1"))
		e.is(err, errBoom, "rejected update")
		e.eq(len(e.pending()), 0, "a rejected update writes no event")
		_, err = e.s.UpdateLead(e.ctx, "l1", func(l domain.Lead) (domain.Lead, error) {
			l.Status = domain.LeadRouted
			return l, nil
		}, event("Lead Routed", "l1"))
		e.ok(err, "update")
		e.eq(e.pending(), []string{"Lead Routed:l1"}, "event written with the update")
	}},
}
