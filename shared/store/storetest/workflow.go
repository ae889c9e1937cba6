package storetest

import (
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

func sampleHandoff(id, lead, ae string, requested time.Time) domain.Handoff {
	return domain.Handoff{
		ID: id, LeadID: lead, SDRID: "sdr-sam", AEID: ae, Status: domain.HandoffRequested,
		Notes:       domain.QualificationNotes{Fields: map[string]string{"budget": "50k", "authority": "CTO", "need": "routing", "timeline": "Q1"}},
		RequestedAt: requested, SLADueAt: requested.Add(4 * time.Hour), UpdatedAt: requested,
		Attempts: []domain.HandoffAttempt{{AEID: ae, AssignedAt: requested, SLADueAt: requested.Add(4 * time.Hour)}},
	}
}

func handoffID(h domain.Handoff) string { return h.ID }

var handoffCases = []testCase{
	{"Handoff/CreateGetAndLists", func(e *env) {
		hs := []domain.Handoff{
			sampleHandoff("h1", "l1", "ae-1", at(time.Hour)),
			sampleHandoff("h2", "l2", "ae-1", at(0)),
			sampleHandoff("h3", "l1", "ae-2", at(2*time.Hour)),
		}
		for _, h := range hs {
			_, err := e.s.CreateHandoff(e.ctx, h)
			e.ok(err, "create "+h.ID)
		}
		_, err := e.s.CreateHandoff(e.ctx, hs[0])
		e.is(err, store.ErrAlreadyExists, "duplicate handoff")
		want := hs[0]
		want.Version = 1
		got, err := e.s.GetHandoff(e.ctx, "h1")
		e.ok(err, "get")
		e.same(got, want, "handoff read back")
		_, err = e.s.GetHandoff(e.ctx, "h9")
		e.is(err, store.ErrNotFound, "missing handoff")
		open, _, err := e.s.ListOpenHandoffsByAE(e.ctx, "ae-1", store.Page{})
		e.ok(err, "open by AE")
		e.eq(ids(open, handoffID), []string{"h2", "h1"}, "ae-1's open handoffs by SLA due")
		byLead, _, err := e.s.ListHandoffsByLead(e.ctx, "l1", store.Page{})
		e.ok(err, "by lead")
		e.eq(ids(byLead, handoffID), []string{"h1", "h3"}, "l1's handoffs by request time")
	}},
	{"Handoff/ListByAEInWindow", func(e *env) {
		for _, h := range []domain.Handoff{
			sampleHandoff("h1", "l1", "ae-1", at(time.Hour)),
			sampleHandoff("h2", "l2", "ae-1", at(0)), // window start: inside
			sampleHandoff("h3", "l3", "ae-2", at(2*time.Hour)),
			sampleHandoff("h4", "l4", "ae-1", at(-time.Minute)),
			sampleHandoff("h5", "l5", "ae-1", at(3*time.Hour)), // window end: outside
		} {
			_, err := e.s.CreateHandoff(e.ctx, h)
			e.ok(err, "create "+h.ID)
		}
		acceptedAt := at(90 * time.Minute)
		_, err := e.s.UpdateHandoff(e.ctx, "h1", func(h domain.Handoff) (domain.Handoff, error) {
			h.Status, h.AcceptedAt, h.AcceptedBy = domain.HandoffAccepted, &acceptedAt, "ae-1"
			h.Attempts[0].EndedAt, h.Attempts[0].Outcome = &acceptedAt, domain.HandoffAccepted
			return h, nil
		})
		e.ok(err, "accept h1")
		w := store.Window{From: Base, To: at(3 * time.Hour)}
		got, next, err := e.s.ListHandoffsByAE(e.ctx, "ae-1", w, store.Page{})
		e.ok(err, "list by AE")
		e.eq(ids(got, handoffID), []string{"h2", "h1"}, "ae-1's handoffs requested in [0, 3h), accepted ones too, by request time")
		e.eq(next, "", "no further page")
		e.eq(got[1].Status, domain.HandoffAccepted, "accepted handoff listed with its status")
		_, err = e.s.UpdateHandoff(e.ctx, "h2", func(h domain.Handoff) (domain.Handoff, error) {
			end := at(4 * time.Hour)
			h.Attempts[0].EndedAt, h.Attempts[0].Outcome = &end, domain.HandoffExpired
			h.AEID, h.SLADueAt = "ae-2", at(8*time.Hour)
			h.Attempts = append(h.Attempts, domain.HandoffAttempt{AEID: "ae-2", AssignedAt: end, SLADueAt: h.SLADueAt})
			return h, nil
		})
		e.ok(err, "reassign h2")
		got, _, _ = e.s.ListHandoffsByAE(e.ctx, "ae-1", w, store.Page{})
		e.eq(ids(got, handoffID), []string{"h1"}, "a reassigned handoff leaves the old AE's list")
		got, _, _ = e.s.ListHandoffsByAE(e.ctx, "ae-2", w, store.Page{})
		e.eq(ids(got, handoffID), []string{"h2", "h3"}, "and lists under the AE now asked, by its original request time")
	}},
	{"Handoff/AcceptAndReassignMoveOpenLists", func(e *env) {
		for _, h := range []domain.Handoff{sampleHandoff("h1", "l1", "ae-1", Base), sampleHandoff("h2", "l2", "ae-1", Base)} {
			_, err := e.s.CreateHandoff(e.ctx, h)
			e.ok(err, "create")
		}
		acceptedAt := at(time.Hour)
		_, err := e.s.UpdateHandoff(e.ctx, "h1", func(h domain.Handoff) (domain.Handoff, error) {
			h.Status, h.AcceptedAt, h.AcceptedBy, h.DealID = domain.HandoffAccepted, &acceptedAt, "ae-1", "d1"
			return h, nil
		})
		e.ok(err, "accept h1")
		_, err = e.s.UpdateHandoff(e.ctx, "h2", func(h domain.Handoff) (domain.Handoff, error) {
			end := at(4 * time.Hour)
			h.Attempts[0].EndedAt, h.Attempts[0].Outcome = &end, domain.HandoffExpired
			h.AEID, h.SLADueAt = "ae-2", at(8*time.Hour)
			h.Attempts = append(h.Attempts, domain.HandoffAttempt{AEID: "ae-2", AssignedAt: end, SLADueAt: h.SLADueAt})
			return h, nil
		})
		e.ok(err, "reassign h2")
		open, _, _ := e.s.ListOpenHandoffsByAE(e.ctx, "ae-1", store.Page{})
		e.eq(len(open), 0, "ae-1 has nothing open")
		open, _, _ = e.s.ListOpenHandoffsByAE(e.ctx, "ae-2", store.Page{})
		e.eq(ids(open, handoffID), []string{"h2"}, "ae-2 now has h2")
		e.eq(len(open[0].Attempts), 2, "attempt history kept")
	}},
}

const reminderTxWhy = "CreateReminder writes the reminder and its unique (deal, policy, period) key together"

func sampleReminder(id, deal, rep, policy, period string, due time.Time) domain.Reminder {
	return domain.Reminder{ID: id, DealID: deal, RepID: rep, Policy: policy, PeriodKey: period,
		Reason: "no activity for 5 business days", DueAt: due, Status: domain.ReminderPending, CreatedAt: Base, UpdatedAt: Base}
}

func reminderID(r domain.Reminder) string { return r.ID }

var reminderCases = []testCase{
	{"Reminder/DedupeKeyIsUnique", func(e *env) {
		e.needsTx(reminderTxWhy)
		r := sampleReminder("r1", "d1", "ae-1", "stale", "2026-W45", at(time.Hour))
		_, err := e.s.CreateReminder(e.ctx, r)
		e.ok(err, "create")
		_, err = e.s.CreateReminder(e.ctx, sampleReminder("r2", "d1", "ae-1", "stale", "2026-W45", at(2*time.Hour)))
		e.is(err, store.ErrAlreadyExists, "same deal, policy and period")
		_, err = e.s.GetReminder(e.ctx, "r2")
		e.is(err, store.ErrNotFound, "rejected reminder not stored")
		_, err = e.s.CreateReminder(e.ctx, sampleReminder("r3", "d1", "ae-1", "stale", "2026-W46", at(2*time.Hour)))
		e.ok(err, "next period is a new reminder")
		_, err = e.s.CreateReminder(e.ctx, sampleReminder("r1", "d9", "ae-1", "stale", "2026-W45", at(2*time.Hour)))
		e.is(err, store.ErrAlreadyExists, "same id")
		_, err = e.s.GetReminderByKey(e.ctx, "d9", "stale", "2026-W45")
		e.is(err, store.ErrNotFound, "rejected reminder's key not claimed")
		got, err := e.s.GetReminderByKey(e.ctx, "d1", "stale", "2026-W45")
		e.ok(err, "dedupe lookup")
		r.Version = 1
		e.same(got, r, "reminder by key")
		got, err = e.s.GetReminder(e.ctx, "r1")
		e.ok(err, "get")
		e.same(got, r, "reminder by id")
		_, err = e.s.UpdateReminder(e.ctx, "r1", func(r domain.Reminder) (domain.Reminder, error) { r.PeriodKey = "2026-W47"; return r, nil })
		e.fails(err, "changing the dedupe key")
	}},
	{"Reminder/OpenDueByRep", func(e *env) {
		e.needsTx(reminderTxWhy)
		for _, r := range []domain.Reminder{
			sampleReminder("r1", "d1", "ae-1", "stale", "p", at(2*time.Hour)),
			sampleReminder("r2", "d2", "ae-1", "stale", "p", at(time.Hour)),
			sampleReminder("r3", "d3", "ae-1", "stale", "p", at(3*time.Hour)),
			sampleReminder("r4", "d4", "ae-1", "stale", "p", at(0)),
			sampleReminder("r5", "d5", "ae-2", "stale", "p", at(0)),
		} {
			_, err := e.s.CreateReminder(e.ctx, r)
			e.ok(err, "create "+r.ID)
		}
		due, _, err := e.s.ListOpenRemindersDue(e.ctx, "ae-1", at(2*time.Hour), store.Page{})
		e.ok(err, "due")
		e.eq(ids(due, reminderID), []string{"r4", "r2", "r1"}, "due at or before T, by due time")
		sent := at(time.Hour)
		_, err = e.s.UpdateReminder(e.ctx, "r2", func(r domain.Reminder) (domain.Reminder, error) {
			r.Status, r.SentAt = domain.ReminderSent, &sent
			return r, nil
		})
		e.ok(err, "mark r2 sent")
		_, err = e.s.UpdateReminder(e.ctx, "r4", func(r domain.Reminder) (domain.Reminder, error) {
			r.Status, r.SnoozedUntil = domain.ReminderSnoozed, ptr(at(24*time.Hour))
			return r, nil
		})
		e.ok(err, "snooze r4 for a day")
		due, _, _ = e.s.ListOpenRemindersDue(e.ctx, "ae-1", at(3*time.Hour), store.Page{})
		e.eq(ids(due, reminderID), []string{"r1", "r3"}, "sent and snoozed reminders are not due")
		due, _, _ = e.s.ListOpenRemindersDue(e.ctx, "ae-1", at(24*time.Hour), store.Page{})
		e.eq(ids(due, reminderID), []string{"r1", "r3", "r4"}, "snoozed reminder due when the snooze ends")
	}},
}

const onboardingTxWhy = "CreateOnboarding writes the onboarding and its one-per-deal key together"

func sampleOnboarding(id, deal, csm string, started time.Time) domain.Onboarding {
	return domain.Onboarding{ID: id, DealID: deal, CSMID: csm, AEID: "ae-1", Plan: "standard", Status: domain.OnboardingActive,
		HandoffNote: "promised SSO by January", StartedAt: started, UpdatedAt: started,
		Milestones: []domain.OnboardingMilestone{
			{Key: "welcome", Name: "Welcome call", DueAt: started.Add(24 * time.Hour)},
			{Key: "kickoff", Name: "Kickoff", DueAt: started.Add(72 * time.Hour)},
		}}
}

func onboardingID(o domain.Onboarding) string { return o.ID }

var onboardingCases = []testCase{
	{"Onboarding/OnePerDeal", func(e *env) {
		e.needsTx(onboardingTxWhy)
		o := sampleOnboarding("o1", "d1", "csm-1", Base)
		_, err := e.s.CreateOnboarding(e.ctx, o)
		e.ok(err, "create")
		_, err = e.s.CreateOnboarding(e.ctx, sampleOnboarding("o2", "d1", "csm-2", at(time.Hour)))
		e.is(err, store.ErrAlreadyExists, "a deal won twice is onboarded once")
		_, err = e.s.GetOnboarding(e.ctx, "o2")
		e.is(err, store.ErrNotFound, "second onboarding not stored")
		got, err := e.s.GetOnboardingByDeal(e.ctx, "d1")
		e.ok(err, "by deal")
		o.Version = 1
		e.same(got, o, "onboarding by deal")
		_, err = e.s.GetOnboardingByDeal(e.ctx, "d2")
		e.is(err, store.ErrNotFound, "deal without onboarding")
	}},
	{"Onboarding/MilestonesAndByCSM", func(e *env) {
		e.needsTx(onboardingTxWhy)
		for _, o := range []domain.Onboarding{
			sampleOnboarding("o1", "d1", "csm-1", at(time.Hour)),
			sampleOnboarding("o2", "d2", "csm-1", at(0)),
			sampleOnboarding("o3", "d3", "csm-2", at(0)),
		} {
			_, err := e.s.CreateOnboarding(e.ctx, o)
			e.ok(err, "create "+o.ID)
		}
		done := at(30 * time.Hour)
		got, err := e.s.UpdateOnboarding(e.ctx, "o1", func(o domain.Onboarding) (domain.Onboarding, error) {
			o.Milestones[0].DoneAt, o.Milestones[0].DoneBy = &done, "csm-1"
			return o, nil
		})
		e.ok(err, "complete a milestone")
		e.eq(got.Version, 2, "version")
		read, _ := e.s.GetOnboarding(e.ctx, "o1")
		e.eq(read.Milestones[0].DoneAt != nil && read.Milestones[0].DoneAt.Equal(done), true, "milestone done time stored")
		list, _, err := e.s.ListOnboardingsByCSM(e.ctx, "csm-1", store.Page{})
		e.ok(err, "by CSM")
		e.eq(ids(list, onboardingID), []string{"o2", "o1"}, "csm-1's onboardings by start")
		_, err = e.s.UpdateOnboarding(e.ctx, "o1", func(o domain.Onboarding) (domain.Onboarding, error) { o.DealID = "d9"; return o, nil })
		e.fails(err, "moving an onboarding to another deal")
	}},
}

var digestCases = []testCase{
	{"Digest/PutIfAbsent", func(e *env) {
		first := domain.DigestRecord{ManagerID: "mgr-1", PeriodKey: "2026-W45", SentAt: Base, MessageID: "m-1"}
		got, created, err := e.s.PutDigest(e.ctx, first)
		e.ok(err, "first put")
		e.eq(created, true, "first put creates")
		first.Version = 1
		e.same(got, first, "returned record")
		got, created, err = e.s.PutDigest(e.ctx, domain.DigestRecord{ManagerID: "mgr-1", PeriodKey: "2026-W45", SentAt: at(time.Hour), MessageID: "m-2"})
		e.ok(err, "second put")
		e.eq(created, false, "second put for the same period does not create")
		e.same(got, first, "second put returns the first record")
		_, created, err = e.s.PutDigest(e.ctx, domain.DigestRecord{ManagerID: "mgr-1", PeriodKey: "2026-W46", SentAt: at(time.Hour)})
		e.ok(err, "next period")
		e.eq(created, true, "next period creates")
		_, created, _ = e.s.PutDigest(e.ctx, domain.DigestRecord{ManagerID: "mgr-2", PeriodKey: "2026-W45", SentAt: at(time.Hour)})
		e.eq(created, true, "another manager creates")
		read, err := e.s.GetDigest(e.ctx, "mgr-1", "2026-W45")
		e.ok(err, "get")
		e.same(read, first, "stored record")
		_, err = e.s.GetDigest(e.ctx, "mgr-3", "2026-W45")
		e.is(err, store.ErrNotFound, "unknown digest")
	}},
	{"Digest/EventOnlyWhenCreated", func(e *env) {
		e.needsTx("PutDigest with an outbox event")
		d := domain.DigestRecord{ManagerID: "mgr-1", PeriodKey: "2026-W45", SentAt: Base}
		_, _, err := e.s.PutDigest(e.ctx, d, event("Digest Sent", "mgr-1"))
		e.ok(err, "first")
		_, _, err = e.s.PutDigest(e.ctx, d, event("Digest Sent", "mgr-1-again"))
		e.ok(err, "second")
		e.eq(e.pending(), []string{"Digest Sent:mgr-1"}, "one event for one digest")
	}},
}
