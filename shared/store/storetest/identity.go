package storetest

import (
	"errors"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

const tokenTxWhy = "CreateAPIToken writes the token and its unique hash key together"

var identityCases = []testCase{
	{"APIToken/CreateFindByHashRevokeList", func(e *env) {
		e.needsTx(tokenTxWhy)
		t1 := domain.APIToken{ID: "tok1", Name: "zapier", Hash: "aa11", Scopes: []string{"leads:write"}, CreatedAt: Base}
		_, err := e.s.CreateAPIToken(e.ctx, t1)
		e.ok(err, "create token")
		_, err = e.s.CreateAPIToken(e.ctx, domain.APIToken{ID: "tok2", Name: "dup", Hash: "aa11", CreatedAt: Base})
		e.is(err, store.ErrAlreadyExists, "second token with the same hash")
		_, err = e.s.CreateAPIToken(e.ctx, domain.APIToken{ID: "tok3", Name: "bi", Hash: "bb22", Scopes: []string{"read"}, CreatedAt: Base.Add(time.Minute)})
		e.ok(err, "create another")
		got, err := e.s.GetAPITokenByHash(e.ctx, "aa11")
		e.ok(err, "by hash")
		e.eq(got.Name, "zapier", "token found by its hash")
		_, err = e.s.GetAPITokenByHash(e.ctx, "cc33")
		e.is(err, store.ErrNotFound, "unknown hash")
		at := Base.Add(time.Hour)
		_, err = e.s.UpdateAPIToken(e.ctx, "tok1", func(t domain.APIToken) (domain.APIToken, error) { t.RevokedAt = &at; return t, nil })
		e.ok(err, "revoke")
		got, err = e.s.GetAPITokenByHash(e.ctx, "aa11")
		e.ok(err, "by hash after revoke")
		e.eq(got.RevokedAt != nil, true, "revocation seen through the hash lookup")
		_, err = e.s.UpdateAPIToken(e.ctx, "tok1", func(t domain.APIToken) (domain.APIToken, error) { t.Hash = "x"; return t, nil })
		e.fails(err, "changing the hash")
		all, next, err := e.s.ListAPITokens(e.ctx, store.Page{Limit: 1})
		e.ok(err, "list page 1")
		e.eq(len(all) == 1 && all[0].ID == "tok1" && next != "", true, "first page holds the oldest token and a cursor")
		rest, next, err := e.s.ListAPITokens(e.ctx, store.Page{Limit: 1, Cursor: next})
		e.ok(err, "list page 2")
		e.eq(len(rest) == 1 && rest[0].ID == "tok3" && next == "", true, "second page holds the newer token and ends")
	}},
	{"Audit/WritesUnderAnActorAreRecordedWithTheirChanges", func(e *env) {
		e.needsTx("a write and its audit entry")
		ctx := store.WithActor(e.ctx, store.Actor{Name: "ben@example.com", Kind: "person", RequestID: "req-1"})
		d := sampleDeal("d1", "rep-ben", "team-a", "qualified", Base)
		_, err := e.s.CreateDeal(ctx, d)
		e.ok(err, "create under an actor")
		e.clk.Advance(time.Minute)
		_, err = e.s.UpdateDeal(ctx, "d1", func(d domain.Deal) (domain.Deal, error) { d.NextStep = "send proposal"; return d, nil })
		e.ok(err, "update under an actor")
		// A write without an actor (a workflow's own bookkeeping) leaves no entry.
		_, err = e.s.UpdateDeal(e.ctx, "d1", func(d domain.Deal) (domain.Deal, error) { d.NextStep = "call"; return d, nil })
		e.ok(err, "update without an actor")
		got, _, err := e.s.ListAudit(e.ctx, "deal/d1", store.Page{})
		e.ok(err, "list audit")
		if len(got) != 2 {
			e.t.Fatalf("audit of deal/d1: want 2 entries, got %d: %+v", len(got), got)
		}
		e.eq(got[0].Action, "create", "first entry")
		e.eq(got[1].Action, "update", "second entry")
		e.eq(got[1].Actor, "ben@example.com", "actor")
		e.eq(got[1].RequestID, "req-1", "request id")
		e.eq(got[1].At.Equal(Base.Add(time.Minute)), true, "time from the store's clock")
		if len(got[1].Changes) != 1 || got[1].Changes[0].Field != "nextStep" || string(got[1].Changes[0].After) != `"send proposal"` {
			e.t.Fatalf("changes of the update: %+v", got[1].Changes)
		}
		other, _, err := e.s.ListAudit(e.ctx, "deal/d2", store.Page{})
		e.ok(err, "list another object")
		e.eq(len(other), 0, "entries of another object")
	}},
	{"Audit/AFailedWriteLeavesNoEntry", func(e *env) {
		e.needsTx("a write and its audit entry")
		ctx := store.WithActor(e.ctx, store.Actor{Name: "zapier", Kind: "token"})
		_, err := e.s.CreateDeal(e.ctx, sampleDeal("d1", "rep-ben", "team-a", "qualified", Base))
		e.ok(err, "create")
		refused := errors.New("refused")
		_, err = e.s.UpdateDeal(ctx, "d1", func(d domain.Deal) (domain.Deal, error) { d.NextStep = "x"; return d, refused })
		e.is(err, refused, "update refused by fn")
		got, _, err := e.s.ListAudit(e.ctx, "deal/d1", store.Page{})
		e.ok(err, "list audit")
		e.eq(len(got), 0, "entries after a refused write")
	}},
}
