package deal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/dealflow/dealflow/shared/account"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store"
)

// DealView is a deal as the API answers it: the stored deal plus what the org file says about
// its stage.
type DealView struct {
	domain.Deal
	StageName     string `json:"stageName"`
	Probability   int    `json:"probability"`
	AmountDecimal string `json:"amountDecimal,omitempty"`
	// Forecast is an open deal's forecast category in effect: the override, else the stage's.
	Forecast domain.ForecastCategory `json:"forecast,omitempty"`
}

func (d *Service) dealView(deal domain.Deal) DealView {
	v := DealView{Deal: deal}
	if p, ok := d.Org.Pipeline(deal.Pipeline); ok {
		if s, ok := p.Stage(deal.Stage); ok {
			v.StageName, v.Probability = s.Name, s.Probability
		}
	}
	if deal.Amount.Currency != "" {
		v.AmountDecimal = deal.Amount.Decimal()
	}
	if deal.IsOpen() {
		v.Forecast = ForecastCategory(d.Org, deal)
	}
	return v
}

// HubSpotDealID is the dealflow id given to a deal created with source hubspot, so a HubSpot
// webhook finds its deal with one read.
func HubSpotDealID(externalID string) string { return "deal_hs_" + externalID }

// HubSpotDealKey maps a HubSpot deal id onto the dealflow deal that mirrors it.
func HubSpotDealKey(externalID string) string { return "hubspot-deal:" + externalID }

// DealInput is the body of POST /v1/deals.
type DealInput struct {
	Name, Pipeline, Stage, OwnerID          string
	Amount, Currency                        string
	CloseDate                               *time.Time
	NextStep, AccountID, LeadID, ExternalID string
	Source                                  string
	// LostReason is required when the deal starts in a lost stage of a pipeline that asks for it.
	LostReason string
}

var dealCreateFields = []string{"name", "pipeline", "stage", "ownerId", "amount", "currency", "closeDate", "nextStep",
	"accountId", "leadId", "externalId", "source", "lostReason"}

func (ds *Service) postDeal(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr == nil {
		var key string
		if key, herr = httpapi.IdempotencyKey(r); herr == nil {
			var m map[string]json.RawMessage
			if m, herr = httpapi.JSONFields(body, dealCreateFields...); herr == nil {
				f := &httpapi.Fields{M: m}
				in := DealInput{Name: f.Str("name"), Pipeline: f.Str("pipeline"), Stage: f.Str("stage"), OwnerID: identity.Self(r.Context(), f.Str("ownerId")),
					Amount: f.Amount("amount"), Currency: f.Str("currency"), CloseDate: f.Date("closeDate"), NextStep: f.Str("nextStep"),
					AccountID: f.Str("accountId"), LeadID: f.Str("leadId"), ExternalID: f.Str("externalId"), Source: f.Str("source"),
					LostReason: f.Str("lostReason")}
				if len(f.Errs) > 0 {
					herr = httpapi.BadRequest("InvalidDeal", "the deal has invalid fields", f.Errs...)
				} else if err := identity.Check(r.Context(), identity.DealCreate, identity.ObjectOf(ds.Org, in.OwnerID)); err != nil && in.OwnerID != "" {
					herr = err.(*httpapi.Error)
				} else {
					deal, created, err := ds.CreateDeal(r.Context(), in, key)
					if err != nil {
						httpapi.AnswerError(w, ds.Log, "create deal", err)
						return
					}
					status := http.StatusCreated
					if !created {
						status = http.StatusOK
					}
					httpapi.WriteJSON(w, status, ds.dealView(deal))
					return
				}
			}
		}
	}
	httpapi.WriteError(w, herr)
}

// CreateDeal validates and stores a new deal with its first stage entry and Deal Created (plus
// Deal Closed Won/Lost when it starts closed) in the same write. A repeated Idempotency-Key, or a
// HubSpot deal id already mirrored, returns the existing deal and created=false.
func (d *Service) CreateDeal(ctx context.Context, in DealInput, idem string) (domain.Deal, bool, error) {
	now := d.Clock.Now()
	var errs []domain.FieldProblem
	fail := func(f, reason string) { errs = append(errs, domain.FieldProblem{Field: f, Reason: reason}) }
	name, why := CleanDealName(in.Name)
	if why != "" {
		fail("name", why)
	}
	nextStep, why := cleanDealLine(in.NextStep)
	if why != "" {
		fail("nextStep", why)
	}
	lostReason, why := cleanDealLine(in.LostReason)
	if why != "" {
		fail("lostReason", why)
	}
	owner, ok := d.Org.Rep(in.OwnerID)
	switch {
	case in.OwnerID == "":
		fail("ownerId", "required")
	case !ok:
		fail("ownerId", fmt.Sprintf("no rep %q in the org file", in.OwnerID))
	case !owner.Active:
		fail("ownerId", fmt.Sprintf("rep %q is inactive", in.OwnerID))
	}
	pipe, ok := d.Org.Pipeline(in.Pipeline)
	if !ok {
		fail("pipeline", fmt.Sprintf("no pipeline %q in the org file", in.Pipeline))
	}
	var stage domain.Stage
	if pipe != nil {
		if in.Stage == "" && len(pipe.Stages) > 0 {
			stage = pipe.Stages[0]
		} else if stage, ok = pipe.Stage(in.Stage); !ok {
			fail("stage", fmt.Sprintf("pipeline %s has no stage %q", pipe.ID, in.Stage))
		}
	}
	// Every deal has a currency (the org's unless given), so every deal counts in the digests.
	amount, field, why := DealMoney(d.Org, in.Amount, in.Currency)
	if why != "" {
		fail(field, why)
	}
	if in.CloseDate != nil {
		if why := CloseDateProblem(*in.CloseDate, now); why != "" {
			fail("closeDate", why)
		}
	}
	if stage.Lost {
		if lostReason, why = LostReason(pipe, lostReason); why != "" {
			fail("lostReason", why)
		}
	} else if lostReason != "" {
		fail("lostReason", "only a deal in a lost stage has a lost reason")
	}
	source := in.Source
	if source == "" {
		source = "api"
	}
	if source == "hubspot" {
		if why := HubSpotIDProblem(in.ExternalID); why != "" {
			fail("externalId", why)
		}
	}
	if len(errs) > 0 {
		return domain.Deal{}, false, domain.Invalid("InvalidDeal", "the deal has invalid fields", errs...)
	}

	id := store.NewID("deal_")
	if source == "hubspot" {
		id = HubSpotDealID(in.ExternalID)
	}
	var keys []string
	if idem != "" {
		keys = append(keys, "deal-idem:"+idem)
	}
	if source == "hubspot" {
		keys = append(keys, HubSpotDealKey(in.ExternalID))
	}
	for _, k := range keys {
		got, created, err := d.Store.PutIdempotencyKey(ctx, k, id, 0)
		if err != nil {
			return domain.Deal{}, false, fmt.Errorf("claim %s: %w", k, err)
		}
		if !created && got != id {
			if existing, err := d.Store.GetDeal(ctx, got); err == nil {
				return existing, false, nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return domain.Deal{}, false, err
			}
			id = got // claimed by an attempt that crashed before writing: write it now
		}
	}
	deal := domain.Deal{
		ID: id, Name: name, Source: source, ExternalID: in.ExternalID, Pipeline: pipe.ID, Status: domain.DealOpen,
		Amount: amount, CloseDate: in.CloseDate, NextStep: nextStep, LostReason: lostReason, OwnerID: owner.ID, TeamID: owner.Team,
		AccountID: in.AccountID, LeadID: in.LeadID, CreatedAt: now, UpdatedAt: now,
	}
	if err := deal.EnterStage(stage.ID, now); err != nil {
		return domain.Deal{}, false, err
	}
	evs := []store.OutboxEvent{store.NewEvent(events.DealCreated, deal.ID+"-created", events.DealCreatedDetail{
		Meta: events.Meta{ID: deal.ID + "-created", OccurredAt: now}, DealID: deal.ID, OwnerID: deal.OwnerID,
		Pipeline: deal.Pipeline, Stage: deal.Stage, LeadID: deal.LeadID})}
	if stage.Won || stage.Lost {
		closeDealAs(d.Org, &deal, stage, now)
		evs = append(evs, closedEvent(deal, 1, now))
	}
	created, err := d.Store.CreateDeal(ctx, deal, evs...)
	if errors.Is(err, store.ErrAlreadyExists) {
		existing, gerr := d.Store.GetDeal(ctx, id)
		return existing, false, gerr
	}
	if err != nil {
		return domain.Deal{}, false, fmt.Errorf("create deal %s: %w", id, err)
	}
	d.Log.Info("deal created", "deal_id", id, "owner_id", deal.OwnerID, "stage", deal.Stage, "source", source)
	if created.Status == domain.DealWon {
		d.recordAccount(ctx, created)
	}
	return created, true, nil
}

var dealPatchFields = []string{"stage", "amount", "currency", "closeDate", "nextStep", "lostReason", "ownerId", "forecastCategory", "forecastNote", "forecastBy"}

func (ds *Service) patchDeal(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := httpapi.JSONFields(body, dealPatchFields...)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &httpapi.Fields{M: m}
	var p DealPatch
	opt := func(k string) *string {
		if !f.Has(k) {
			return nil
		}
		s := f.Str(k)
		return &s
	}
	p.Stage, p.NextStep, p.LostReason, p.OwnerID, p.Currency = opt("stage"), opt("nextStep"), opt("lostReason"), opt("ownerId"), opt("currency")
	p.ForecastCategory, p.ForecastNote, p.ForecastBy = opt("forecastCategory"), opt("forecastNote"), opt("forecastBy")
	if f.Has("amount") {
		a := f.Amount("amount")
		p.Amount = &a
	}
	if f.Has("closeDate") {
		p.CloseDate, p.ClearCloseDate = f.Date("closeDate"), f.Null("closeDate") || f.Str("closeDate") == ""
	}
	if len(f.Errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidPatch", "the change has invalid fields", f.Errs...))
		return
	}
	if err := ds.checkDeal(r.Context(), identity.DealUpdate, r.PathValue("id")); err != nil {
		httpapi.AnswerError(w, ds.Log, "update deal", err)
		return
	}
	if p.OwnerID != nil && *p.OwnerID != "" {
		// Handing a deal over is a change to the new owner's deals too.
		if err := identity.Check(r.Context(), identity.DealUpdate, identity.ObjectOf(ds.Org, *p.OwnerID)); err != nil {
			httpapi.AnswerError(w, ds.Log, "update deal", err)
			return
		}
	}
	deal, err := ds.UpdateDealFields(r.Context(), r.PathValue("id"), p)
	if err != nil {
		httpapi.AnswerError(w, ds.Log, "update deal", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, ds.dealView(deal))
}

func (ds *Service) getDeal(w http.ResponseWriter, r *http.Request) {
	deal, err := ds.Store.GetDeal(r.Context(), r.PathValue("id"))
	if err == nil {
		err = identity.Check(r.Context(), identity.DealRead, DealObject(ds.Org, deal))
	}
	if err != nil {
		httpapi.AnswerError(w, ds.Log, "get deal", fmt.Errorf("deal %s: %w", r.PathValue("id"), err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, ds.dealView(deal))
}

// DealObject is a deal as the authorisation table sees it: its owner and its team.
func DealObject(org *domain.Org, d domain.Deal) *identity.Object {
	return identity.Owned(org, []string{d.TeamID}, d.OwnerID)
}

// checkDeal decides a on the deal id for the request's principal (a missing deal is a 404).
func (ds *Service) checkDeal(ctx context.Context, a identity.Action, id string) error {
	d, err := ds.Store.GetDeal(ctx, id)
	if err != nil {
		return fmt.Errorf("deal %s: %w", id, err)
	}
	return identity.Check(ctx, a, DealObject(ds.Org, d))
}

// UpdateDealFields applies p to the deal and writes it with its events (Deal Stage Changed, Deal
// Closed Won/Lost) in one write. A patch that changes nothing writes nothing.
func (d *Service) UpdateDealFields(ctx context.Context, id string, p DealPatch) (domain.Deal, error) {
	return d.changeDeal(ctx, id, func(old domain.Deal, now time.Time) (domain.Deal, []store.OutboxEvent, error) {
		at := p.At
		if at.IsZero() || at.After(now) {
			at = now
		}
		return ApplyDealPatch(d.Org, old, p, at)
	})
}

// changeDeal reads the deal, computes the change and writes it only if the deal did not move in
// between (events depend on the old value), retrying a few times on a concurrent write.
func (d *Service) changeDeal(ctx context.Context, id string, change func(old domain.Deal, now time.Time) (domain.Deal, []store.OutboxEvent, error)) (domain.Deal, error) {
	if id == "" {
		return domain.Deal{}, domain.Invalid("InvalidDeal", "a deal id is required")
	}
	for attempt := 0; ; attempt++ {
		old, err := d.Store.GetDeal(ctx, id)
		if err != nil {
			return domain.Deal{}, fmt.Errorf("deal %s: %w", id, err)
		}
		now := d.Clock.Now()
		next, evs, err := change(old, now)
		if err != nil {
			return domain.Deal{}, err
		}
		if reflect.DeepEqual(next, old) {
			return old, nil
		}
		next.UpdatedAt = now
		got, err := d.Store.UpdateDeal(ctx, id, func(cur domain.Deal) (domain.Deal, error) {
			if cur.Version != old.Version {
				return cur, store.ErrConflict
			}
			return next, nil
		}, evs...)
		if errors.Is(err, store.ErrConflict) && attempt < 8 {
			continue
		}
		if err != nil {
			return domain.Deal{}, fmt.Errorf("update deal %s: %w", id, err)
		}
		if got.Status == domain.DealWon && old.Status != domain.DealWon {
			d.recordAccount(ctx, got)
		}
		if got.Status != old.Status && got.LeadID != "" {
			d.leadFollowsDeal(ctx, got)
		}
		return got, nil
	}
}

// recordAccount makes the customer of a won deal an account owned by the deal's AE, so the
// customer's next leads go to them (routing rule existing_account). The deal stands whatever
// happens here; a failure is logged.
func (d *Service) recordAccount(ctx context.Context, deal domain.Deal) {
	if deal.LeadID == "" {
		return
	}
	l, err := d.Store.GetLead(ctx, deal.LeadID)
	if err != nil {
		d.Log.Warn("won deal's lead not found; no account recorded", "deal_id", deal.ID, "lead_id", deal.LeadID, "error", err.Error())
		return
	}
	a, ok := account.FromWonDeal(d.Org, deal, l)
	if !ok {
		return
	}
	if a, err = account.RecordWonDeal(ctx, d.Store, a, d.Clock.Now()); err != nil {
		d.Log.Error("recording the account of a won deal failed", "deal_id", deal.ID, "domain", a.Domain, "error", err.Error())
		return
	}
	d.Log.Info("account recorded from won deal", "deal_id", deal.ID, "account_id", a.ID, "owner_id", a.OwnerID)
}

// leadFollowsDeal moves the deal's lead along its lifecycle when the deal closes or reopens:
// won, lost, or converted again. Best effort: the deal is the record of truth.
func (d *Service) leadFollowsDeal(ctx context.Context, dl domain.Deal) {
	status := domain.LeadConverted
	switch dl.Status {
	case domain.DealWon:
		status = domain.LeadWon
	case domain.DealLost:
		status = domain.LeadLost
	}
	_, err := d.Store.UpdateLead(ctx, dl.LeadID, func(l domain.Lead) (domain.Lead, error) {
		if l.DealID != "" && l.DealID != dl.ID {
			return l, store.ErrConflict // the lead moved on to another deal
		}
		l.Status, l.DealID, l.UpdatedAt = status, dl.ID, d.Clock.Now()
		return l, nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		d.Log.Warn("lead status not updated", "lead_id", dl.LeadID, "deal_id", dl.ID, "error", err.Error())
	}
}
