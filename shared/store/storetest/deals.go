package storetest

import (
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

const accountTxWhy = "CreateAccount writes the account and its unique domain key together"

var accountCases = []testCase{
	{"Account/CreateGetByDomain", func(e *env) {
		e.needsTx(accountTxWhy)
		want := domain.Account{ID: "a1", Domain: "acme.example", Name: "Acme GmbH", OwnerID: "rep-ben", CreatedAt: Base, UpdatedAt: Base}
		_, err := e.s.CreateAccount(e.ctx, want)
		e.ok(err, "create account")
		want.Version = 1
		got, err := e.s.GetAccount(e.ctx, "a1")
		e.ok(err, "get account")
		e.same(got, want, "account by id")
		got, err = e.s.GetAccountByDomain(e.ctx, "acme.example")
		e.ok(err, "get account by domain")
		e.same(got, want, "account by domain")
		_, err = e.s.GetAccountByDomain(e.ctx, "other.example")
		e.is(err, store.ErrNotFound, "unknown domain")
		_, err = e.s.GetAccount(e.ctx, "a2")
		e.is(err, store.ErrNotFound, "unknown id")
	}},
	{"Account/DomainAndIDAreUnique", func(e *env) {
		e.needsTx(accountTxWhy)
		_, err := e.s.CreateAccount(e.ctx, domain.Account{ID: "a1", Domain: "acme.example", Name: "Acme"})
		e.ok(err, "create")
		_, err = e.s.CreateAccount(e.ctx, domain.Account{ID: "a2", Domain: "acme.example", Name: "Acme again"})
		e.is(err, store.ErrAlreadyExists, "second account for the same domain")
		_, err = e.s.CreateAccount(e.ctx, domain.Account{ID: "a1", Domain: "new.example", Name: "Same id"})
		e.is(err, store.ErrAlreadyExists, "second account with the same id")
		_, err = e.s.GetAccount(e.ctx, "a2")
		e.is(err, store.ErrNotFound, "rejected account not stored")
		_, err = e.s.GetAccountByDomain(e.ctx, "new.example")
		e.is(err, store.ErrNotFound, "rejected account's domain not claimed")
	}},
	{"Account/UpdateOwnerNotDomain", func(e *env) {
		e.needsTx(accountTxWhy)
		_, err := e.s.CreateAccount(e.ctx, domain.Account{ID: "a1", Domain: "acme.example", Name: "Acme"})
		e.ok(err, "create")
		got, err := e.s.UpdateAccount(e.ctx, "a1", func(a domain.Account) (domain.Account, error) { a.OwnerID = "rep-cem"; return a, nil })
		e.ok(err, "update owner")
		e.eq(got.Version, 2, "version")
		byDomain, err := e.s.GetAccountByDomain(e.ctx, "acme.example")
		e.ok(err, "by domain after update")
		e.eq(byDomain.OwnerID, "rep-cem", "owner seen through the domain lookup")
		_, err = e.s.UpdateAccount(e.ctx, "a1", func(a domain.Account) (domain.Account, error) { a.Domain = "x.example"; return a, nil })
		e.fails(err, "changing the unique domain")
		_, err = e.s.UpdateAccount(e.ctx, "zz", func(a domain.Account) (domain.Account, error) { return a, nil })
		e.is(err, store.ErrNotFound, "update missing account")
	}},
}

func sampleDeal(id, owner, team, stage string, created time.Time) domain.Deal {
	d := domain.Deal{
		ID: id, Name: "Deal " + id, Source: "handoff", Pipeline: "new-business", Status: domain.DealOpen,
		Amount:  domain.Money{AmountMinor: 1_250_000, Currency: "EUR"},
		OwnerID: owner, TeamID: team, AccountID: "a1", LeadID: "l-" + id, SDRID: "sdr-sam",
		SDRNotes:  domain.QualificationNotes{Fields: map[string]string{"budget": "50k", "timeline": "Q1"}, Text: "keen"},
		CreatedAt: created, UpdatedAt: created, NextStep: "demo",
	}
	_ = d.EnterStage(stage, created)
	return d
}

func dealID(d domain.Deal) string { return d.ID }

// closeDeal marks a deal won or lost at t.
func closeDeal(status domain.DealStatus, t time.Time) func(domain.Deal) (domain.Deal, error) {
	return func(d domain.Deal) (domain.Deal, error) {
		stage := "closed-won"
		if status == domain.DealLost {
			stage, d.LostReason = "closed-lost", "budget"
		}
		if err := d.EnterStage(stage, t); err != nil {
			return d, err
		}
		d.Status, d.ClosedAt = status, &t
		return d, nil
	}
}

var dealCases = []testCase{
	{"Deal/CreateGetRoundTrip", func(e *env) {
		want := sampleDeal("d1", "ae-1", "t1", "discovery", Base)
		want.CloseDate = ptr(time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC))
		_, err := e.s.CreateDeal(e.ctx, want)
		e.ok(err, "create deal")
		want.Version = 1
		got, err := e.s.GetDeal(e.ctx, "d1")
		e.ok(err, "get deal")
		e.same(got, want, "deal read back")
		_, err = e.s.CreateDeal(e.ctx, want)
		e.is(err, store.ErrAlreadyExists, "duplicate deal id")
		_, err = e.s.GetDeal(e.ctx, "d2")
		e.is(err, store.ErrNotFound, "missing deal")
	}},
	{"Deal/StageHistoryAcrossUpdates", func(e *env) {
		_, err := e.s.CreateDeal(e.ctx, sampleDeal("d1", "ae-1", "t1", "discovery", Base))
		e.ok(err, "create")
		_, err = e.s.UpdateDeal(e.ctx, "d1", func(d domain.Deal) (domain.Deal, error) {
			return d, d.EnterStage("proposal", at(48*time.Hour))
		})
		e.ok(err, "move to proposal")
		got, err := e.s.UpdateDeal(e.ctx, "d1", closeDeal(domain.DealWon, at(72*time.Hour)))
		e.ok(err, "close won")
		e.eq(got.Version, 3, "version after two updates")
		read, _ := e.s.GetDeal(e.ctx, "d1")
		e.eq(len(read.StageHistory), 3, "history entries")
		var sum time.Duration
		for _, d := range read.TimeInStages(at(72 * time.Hour)) {
			sum += d
		}
		e.eq(sum, 72*time.Hour, "time in stages equals the deal's age at close")
		e.eq(read.StageHistory[0].ExitedAt.Equal(at(48*time.Hour)), true, "discovery exited when proposal entered")
	}},
	{"Deal/ListByOwnerAndStage", func(e *env) {
		for _, d := range []domain.Deal{
			sampleDeal("d1", "ae-1", "t1", "proposal", at(0)),
			sampleDeal("d2", "ae-1", "t1", "discovery", at(time.Minute)),
			sampleDeal("d3", "ae-1", "t1", "discovery", at(-time.Minute)),
			sampleDeal("d4", "ae-2", "t1", "discovery", at(0)),
		} {
			_, err := e.s.CreateDeal(e.ctx, d)
			e.ok(err, "create "+d.ID)
		}
		all, _, err := e.s.ListDealsByOwner(e.ctx, "ae-1", "", store.Page{})
		e.ok(err, "list by owner")
		e.eq(ids(all, dealID), []string{"d3", "d2", "d1"}, "ae-1's deals by stage then creation")
		disc, _, err := e.s.ListDealsByOwner(e.ctx, "ae-1", "discovery", store.Page{})
		e.ok(err, "list by owner and stage")
		e.eq(ids(disc, dealID), []string{"d3", "d2"}, "ae-1's discovery deals")
		_, err = e.s.UpdateDeal(e.ctx, "d3", func(d domain.Deal) (domain.Deal, error) {
			d.OwnerID = "ae-2"
			return d, d.EnterStage("proposal", at(time.Hour))
		})
		e.ok(err, "reassign d3")
		disc, _, _ = e.s.ListDealsByOwner(e.ctx, "ae-1", "discovery", store.Page{})
		e.eq(ids(disc, dealID), []string{"d2"}, "reassigned deal left ae-1's list")
		prop, _, _ := e.s.ListDealsByOwner(e.ctx, "ae-2", "proposal", store.Page{})
		e.eq(ids(prop, dealID), []string{"d3"}, "reassigned deal in ae-2's proposal list")
	}},
	{"Deal/WonByTeam", func(e *env) {
		for _, d := range []domain.Deal{
			sampleDeal("d1", "ae-1", "t1", "discovery", at(0)),
			sampleDeal("d2", "ae-2", "t1", "discovery", at(0)),
			sampleDeal("d3", "ae-1", "t1", "discovery", at(0)),
			sampleDeal("d4", "ae-1", "t2", "discovery", at(0)),
			sampleDeal("d5", "ae-1", "t1", "discovery", at(0)),
			sampleDeal("d6", "ae-1", "t1", "discovery", at(0)),
		} {
			_, err := e.s.CreateDeal(e.ctx, d)
			e.ok(err, "create "+d.ID)
		}
		from, to := at(24*time.Hour), at(48*time.Hour)
		for _, c := range []struct {
			id     string
			status domain.DealStatus
			at     time.Time
		}{
			{"d1", domain.DealWon, at(30 * time.Hour)},
			{"d2", domain.DealLost, at(30 * time.Hour)}, // lost: not listed
			{"d3", domain.DealWon, from},                // window start: inside
			{"d4", domain.DealWon, at(30 * time.Hour)},  // other team
			{"d5", domain.DealWon, to},                  // window end: outside
		} {
			_, err := e.s.UpdateDeal(e.ctx, c.id, closeDeal(c.status, c.at))
			e.ok(err, "close "+c.id)
		}
		// d6 stays open
		got, next, err := e.s.ListDealsWonByTeam(e.ctx, "t1", store.Window{From: from, To: to}, store.Page{})
		e.ok(err, "won by team")
		e.eq(ids(got, dealID), []string{"d3", "d1"}, "t1's deals won in [from, to), by close time")
		e.eq(next, "", "no further page")
		closed, _, err := e.s.ListDealsClosedByTeam(e.ctx, "t1", store.Window{From: from, To: to}, store.Page{})
		e.ok(err, "closed by team")
		e.eq(ids(closed, dealID), []string{"d3", "d1", "d2"}, "the closed list still has won and lost deals")
	}},
	{"Deal/OpenAndClosedByTeam", func(e *env) {
		for _, d := range []domain.Deal{
			sampleDeal("d1", "ae-1", "t1", "discovery", at(0)),
			sampleDeal("d2", "ae-2", "t1", "discovery", at(time.Hour)),
			sampleDeal("d3", "ae-3", "t1", "discovery", at(2*time.Hour)),
			sampleDeal("d4", "ae-1", "t2", "discovery", at(0)),
		} {
			_, err := e.s.CreateDeal(e.ctx, d)
			e.ok(err, "create "+d.ID)
		}
		from, to := at(24*time.Hour), at(48*time.Hour)
		_, err := e.s.UpdateDeal(e.ctx, "d1", closeDeal(domain.DealWon, from)) // at the window start: inside
		e.ok(err, "win d1")
		_, err = e.s.UpdateDeal(e.ctx, "d2", closeDeal(domain.DealLost, to)) // at the window end: outside
		e.ok(err, "lose d2")
		_, err = e.s.UpdateDeal(e.ctx, "d4", closeDeal(domain.DealWon, at(30*time.Hour))) // other team
		e.ok(err, "win d4")
		open, _, err := e.s.ListOpenDealsByTeam(e.ctx, "t1", store.Page{})
		e.ok(err, "open by team")
		e.eq(ids(open, dealID), []string{"d3"}, "t1's open deals")
		closed, _, err := e.s.ListDealsClosedByTeam(e.ctx, "t1", store.Window{From: from, To: to}, store.Page{})
		e.ok(err, "closed by team")
		e.eq(ids(closed, dealID), []string{"d1"}, "closed in [from,to): start included, end excluded")
		closed, _, _ = e.s.ListDealsClosedByTeam(e.ctx, "t1", store.Window{From: from, To: to.Add(time.Nanosecond)}, store.Page{})
		e.eq(ids(closed, dealID), []string{"d1", "d2"}, "closed ordered by close time")
		_, err = e.s.UpdateDeal(e.ctx, "d2", func(d domain.Deal) (domain.Deal, error) { // reopen
			d.Status, d.ClosedAt, d.LostReason = domain.DealOpen, nil, ""
			return d, d.EnterStage("negotiation", to.Add(time.Hour))
		})
		e.ok(err, "reopen d2")
		open, _, _ = e.s.ListOpenDealsByTeam(e.ctx, "t1", store.Page{})
		e.eq(ids(open, dealID), []string{"d2", "d3"}, "reopened deal is open again")
		open, _, err = e.s.ListOpenDealsByOwner(e.ctx, "ae-1", store.Page{})
		e.ok(err, "open by owner")
		e.eq(ids(open, dealID), []string{}, "ae-1 won both deals: none open")
		open, _, _ = e.s.ListOpenDealsByOwner(e.ctx, "ae-2", store.Page{})
		e.eq(ids(open, dealID), []string{"d2"}, "ae-2's reopened deal")
		open, _, _ = e.s.ListOpenDealsByOwner(e.ctx, "ae-3", store.Page{})
		e.eq(ids(open, dealID), []string{"d3"}, "ae-3's open deal")
		closed, _, _ = e.s.ListDealsClosedByTeam(e.ctx, "t1", store.Window{From: from, To: to.Add(time.Hour)}, store.Page{})
		e.eq(ids(closed, dealID), []string{"d1"}, "reopened deal no longer closed")
	}},
	{"Deal/CreatedByTeamWindow", func(e *env) {
		for _, d := range []domain.Deal{
			sampleDeal("d0", "ae-1", "t1", "discovery", at(-time.Nanosecond)),
			sampleDeal("d1", "ae-1", "t1", "discovery", at(0)),
			sampleDeal("d2", "ae-1", "t1", "discovery", at(6*24*time.Hour)),
			sampleDeal("d3", "ae-1", "t1", "discovery", at(7*24*time.Hour)),
			sampleDeal("d4", "ae-1", "t2", "discovery", at(time.Hour)),
		} {
			_, err := e.s.CreateDeal(e.ctx, d)
			e.ok(err, "create "+d.ID)
		}
		got, _, err := e.s.ListDealsCreatedByTeam(e.ctx, "t1", store.Window{From: Base, To: at(7 * 24 * time.Hour)}, store.Page{})
		e.ok(err, "created by team")
		e.eq(ids(got, dealID), []string{"d1", "d2"}, "t1's deals created in the week [from,to)")
	}},
	{"Deal/UpdateWithEvents", func(e *env) {
		e.needsTx("UpdateDeal with outbox events")
		_, err := e.s.CreateDeal(e.ctx, sampleDeal("d1", "ae-1", "t1", "discovery", Base), event("Deal Created", "d1"))
		e.ok(err, "create")
		e.clk.Advance(time.Millisecond)
		_, err = e.s.UpdateDeal(e.ctx, "d1", closeDeal(domain.DealWon, at(time.Hour)),
			event("Deal Stage Changed", "d1"), event("Deal Closed Won", "d1"))
		e.ok(err, "close won")
		e.eq(e.pending(), []string{"Deal Created:d1", "Deal Stage Changed:d1", "Deal Closed Won:d1"}, "events in write order")
	}},
}

func activityID(a domain.Activity) string { return a.ID }

var activityCases = []testCase{
	{"Activity/ByDealAndByRepWindow", func(e *env) {
		acts := []domain.Activity{
			{ID: "x1", Type: domain.ActivityCall, RepID: "ae-1", DealID: "d1", At: at(2 * time.Hour), Subject: "intro call", CreatedAt: Base},
			{ID: "x2", Type: domain.ActivityEmail, RepID: "ae-1", DealID: "d1", At: at(time.Hour), CreatedAt: Base},
			{ID: "x3", Type: domain.ActivityMeeting, RepID: "ae-1", DealID: "d2", At: at(7 * 24 * time.Hour), CreatedAt: Base},
			{ID: "x4", Type: domain.ActivityNote, RepID: "ae-2", DealID: "d1", At: at(3 * time.Hour), CreatedAt: Base},
			{ID: "x5", Type: domain.ActivityProposalSent, RepID: "ae-1", LeadID: "l9", At: at(0), CreatedAt: Base},
		}
		for _, a := range acts {
			_, err := e.s.CreateActivity(e.ctx, a)
			e.ok(err, "create "+a.ID)
		}
		_, err := e.s.CreateActivity(e.ctx, acts[0])
		e.is(err, store.ErrAlreadyExists, "duplicate activity id")
		byDeal, _, err := e.s.ListActivitiesByDeal(e.ctx, "d1", store.Page{})
		e.ok(err, "by deal")
		e.eq(ids(byDeal, activityID), []string{"x2", "x1", "x4"}, "d1's activities by time")
		want := acts[1]
		want.Version = 1
		e.same(byDeal[0], want, "activity read back")
		byRep, _, err := e.s.ListActivitiesByRep(e.ctx, "ae-1", store.Window{From: Base, To: at(7 * 24 * time.Hour)}, store.Page{})
		e.ok(err, "by rep")
		e.eq(ids(byRep, activityID), []string{"x5", "x2", "x1"}, "ae-1's activities in [from,to)")
	}},
	{"Activity/CreateWithEvent", func(e *env) {
		e.needsTx("CreateActivity with an outbox event")
		_, err := e.s.CreateActivity(e.ctx, domain.Activity{ID: "x1", Type: domain.ActivityCall, RepID: "ae-1", DealID: "d1", At: Base},
			event("Activity Logged", "x1"))
		e.ok(err, "create")
		e.eq(e.pending(), []string{"Activity Logged:x1"}, "event")
	}},
}
