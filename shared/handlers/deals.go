package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/store"
)

// Deals serves the deal and activity routes: POST /v1/deals, GET and PATCH /v1/deals/{id},
// POST /v1/activities, all signed with Dealflow-Signature like POST /v1/leads.
type Deals struct {
	*Deps
	Secrets []string
}

// Handlers returns the deal handlers keyed by route pattern.
func (ds *Deals) Handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"POST /v1/deals":       ds.postDeal,
		"GET /v1/deals/{id}":   ds.getDeal,
		"PATCH /v1/deals/{id}": ds.patchDeal,
		"POST /v1/activities":  ds.postActivity,
	}
}

// DealView is a deal as the API answers it: the stored deal plus what the org file says about
// its stage.
type DealView struct {
	domain.Deal
	StageName     string `json:"stageName"`
	Probability   int    `json:"probability"`
	AmountDecimal string `json:"amountDecimal,omitempty"`
}

func (d *Deps) dealView(deal domain.Deal) DealView {
	v := DealView{Deal: deal}
	if p, ok := d.Org.Pipeline(deal.Pipeline); ok {
		if s, ok := p.Stage(deal.Stage); ok {
			v.StageName, v.Probability = s.Name, s.Probability
		}
	}
	if deal.Amount.Currency != "" {
		v.AmountDecimal = deal.Amount.Decimal()
	}
	return v
}

// verified reads a JSON body and checks its Dealflow-Signature; the error is the answer to give.
func (ds *Deals) verified(r *http.Request, needBody bool) ([]byte, *httpapi.Error) {
	return ds.signedBody(r, ds.Secrets, needBody)
}

// jsonFields decodes a JSON object into its top-level fields, so a PATCH can tell a field that is
// absent from one that is null.
func jsonFields(body []byte, allowed ...string) (map[string]json.RawMessage, *httpapi.Error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, badRequest("InvalidBody", "the body must be a JSON object")
	}
	var unknown []httpapi.FieldError
	for k := range m {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
			}
		}
		if !found {
			unknown = append(unknown, httpapi.FieldError{Field: k, Reason: "unknown field"})
		}
	}
	if len(unknown) > 0 {
		return nil, badRequest("InvalidBody", "the body has unknown fields", unknown...)
	}
	return m, nil
}

// fieldReader reads typed fields from a decoded object, collecting one error per bad field.
type fieldReader struct {
	m    map[string]json.RawMessage
	errs []httpapi.FieldError
}

func (f *fieldReader) fail(field, reason string) {
	f.errs = append(f.errs, httpapi.FieldError{Field: field, Reason: reason})
}

// has reports whether the field is present; null reports whether it is JSON null.
func (f *fieldReader) has(k string) bool { _, ok := f.m[k]; return ok }
func (f *fieldReader) null(k string) bool {
	v, ok := f.m[k]
	return ok && strings.TrimSpace(string(v)) == "null"
}

func (f *fieldReader) str(k string) string {
	v, ok := f.m[k]
	if !ok || f.null(k) {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		f.fail(k, "must be a string")
		return ""
	}
	return strings.TrimSpace(s)
}

// amount accepts a decimal string ("12345.67") or a JSON number and keeps it as written, so no
// float ever touches money.
func (f *fieldReader) amount(k string) string {
	v, ok := f.m[k]
	if !ok || f.null(k) {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if dec.Decode(&n) != nil {
		f.fail(k, "must be a decimal string such as \"12345.67\"")
		return ""
	}
	return n.String()
}

func (f *fieldReader) date(k string) *time.Time {
	s := f.str(k)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		f.fail(k, "must be a date YYYY-MM-DD")
		return nil
	}
	return &t
}

func (f *fieldReader) timestamp(k string) *time.Time {
	s := f.str(k)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.fail(k, "must be an RFC 3339 time such as 2026-11-30T09:15:00Z")
		return nil
	}
	return &t
}

func idemKey(r *http.Request) (string, *httpapi.Error) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 255 {
		return "", badRequest("InvalidIdempotencyKey", "Idempotency-Key is longer than 255 characters")
	}
	return key, nil
}

func newID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// HubSpotDealID is the dealflow id given to a deal created with source hubspot, so a HubSpot
// webhook finds its deal with one read.
func HubSpotDealID(externalID string) string { return "deal_hs_" + externalID }

// hubspotDealKey maps a HubSpot deal id onto the dealflow deal that mirrors it.
func hubspotDealKey(externalID string) string { return "hubspot-deal:" + externalID }

// DealInput is the body of POST /v1/deals.
type DealInput struct {
	Name, Pipeline, Stage, OwnerID          string
	Amount, Currency                        string
	CloseDate                               *time.Time
	NextStep, AccountID, LeadID, ExternalID string
	Source                                  string
}

var dealCreateFields = []string{"name", "pipeline", "stage", "ownerId", "amount", "currency", "closeDate", "nextStep",
	"accountId", "leadId", "externalId", "source"}

func (ds *Deals) postDeal(w http.ResponseWriter, r *http.Request) {
	body, herr := ds.verified(r, true)
	if herr == nil {
		var key string
		if key, herr = idemKey(r); herr == nil {
			var m map[string]json.RawMessage
			if m, herr = jsonFields(body, dealCreateFields...); herr == nil {
				f := &fieldReader{m: m}
				in := DealInput{Name: f.str("name"), Pipeline: f.str("pipeline"), Stage: f.str("stage"), OwnerID: f.str("ownerId"),
					Amount: f.amount("amount"), Currency: f.str("currency"), CloseDate: f.date("closeDate"), NextStep: f.str("nextStep"),
					AccountID: f.str("accountId"), LeadID: f.str("leadId"), ExternalID: f.str("externalId"), Source: f.str("source")}
				if len(f.errs) > 0 {
					herr = badRequest("InvalidDeal", "the deal has invalid fields", f.errs...)
				} else {
					deal, created, err := ds.CreateDeal(r.Context(), in, key)
					if err != nil {
						ds.answerError(w, "create deal", err)
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

// answerError turns a domain error into its HTTP answer.
func (d *Deps) answerError(w http.ResponseWriter, op string, err error) {
	var herr *httpapi.Error
	switch {
	case errors.As(err, &herr):
		httpapi.WriteError(w, herr)
	case errors.Is(err, store.ErrNotFound):
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusNotFound, Code: "NotFound", Message: err.Error()})
	default:
		d.logger().Error(op+" failed", "error", err.Error())
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusServiceUnavailable, Code: "Unavailable", Message: "temporarily unavailable; nothing was changed, retry later"})
	}
}

func invalid(code, msg string, fields ...httpapi.FieldError) error {
	return badRequest(code, msg, fields...)
}

// CreateDeal validates and stores a new deal with its first stage entry and Deal Created (plus
// Deal Closed Won/Lost when it starts closed) in the same write. A repeated Idempotency-Key, or a
// HubSpot deal id already mirrored, returns the existing deal and created=false.
func (d *Deps) CreateDeal(ctx context.Context, in DealInput, idem string) (domain.Deal, bool, error) {
	now := d.Clock.Now()
	var errs []httpapi.FieldError
	fail := func(f, reason string) { errs = append(errs, httpapi.FieldError{Field: f, Reason: reason}) }
	if in.Name == "" {
		fail("name", "required")
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
	var amount domain.Money
	if in.Amount != "" || in.Currency != "" {
		cur := in.Currency
		if cur == "" {
			cur = d.Org.Settings.Currency
		}
		amt := in.Amount
		if amt == "" {
			amt = "0"
		}
		var err error
		if amount, err = domain.ParseMoney(amt, cur); err != nil {
			fail("amount", err.Error())
		}
	}
	source := in.Source
	if source == "" {
		source = "api"
	}
	if source == "hubspot" && in.ExternalID == "" {
		fail("externalId", "required for source hubspot (the HubSpot deal id)")
	}
	if len(errs) > 0 {
		return domain.Deal{}, false, invalid("InvalidDeal", "the deal has invalid fields", errs...)
	}

	id := newID("deal_")
	if source == "hubspot" {
		id = HubSpotDealID(in.ExternalID)
	}
	var keys []string
	if idem != "" {
		keys = append(keys, "deal-idem:"+idem)
	}
	if source == "hubspot" {
		keys = append(keys, hubspotDealKey(in.ExternalID))
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
		ID: id, Name: in.Name, Source: source, ExternalID: in.ExternalID, Pipeline: pipe.ID, Status: domain.DealOpen,
		Amount: amount, CloseDate: in.CloseDate, NextStep: in.NextStep, OwnerID: owner.ID, TeamID: owner.Team,
		AccountID: in.AccountID, LeadID: in.LeadID, CreatedAt: now, UpdatedAt: now,
	}
	if err := deal.EnterStage(stage.ID, now); err != nil {
		return domain.Deal{}, false, err
	}
	evs := []store.OutboxEvent{d.dealEvent(events.DealCreated, deal.ID+"-created", events.DealCreatedDetail{
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
	d.logger().Info("deal created", "deal_id", id, "owner_id", deal.OwnerID, "stage", deal.Stage, "source", source)
	return created, true, nil
}

func (d *Deps) dealEvent(detailType, id string, detail any) store.OutboxEvent {
	b, _ := json.Marshal(detail)
	return store.OutboxEvent{ID: id, DetailType: detailType, Detail: b}
}

// closeDealAs marks a deal won or lost by entering stage at t; the close date becomes the day it
// closed unless one was given.
// The day is the org's calendar day (its time zone), stored as midnight UTC like every close date.
func closeDealAs(org *domain.Org, deal *domain.Deal, stage domain.Stage, t time.Time) {
	deal.Status = domain.DealLost
	if stage.Won {
		deal.Status = domain.DealWon
		deal.LostReason = ""
	}
	deal.ClosedAt = &t
	if deal.CloseDate == nil {
		loc, err := domain.LoadLocation(org.Settings.Timezone)
		if err != nil || org.Settings.Timezone == "" {
			loc = time.UTC
		}
		y, m, dd := t.In(loc).Date()
		day := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
		deal.CloseDate = &day
	}
}

// closedEvent is Deal Closed Won or Lost for the deal's version that closed it; the id is unique
// per close, so a deal reopened and won again emits a second, distinct event.
func closedEvent(deal domain.Deal, version int64, t time.Time) store.OutboxEvent {
	typ, suffix := events.DealClosedWon, "won"
	if deal.Status == domain.DealLost {
		typ, suffix = events.DealClosedLost, "lost"
	}
	id := fmt.Sprintf("%s-v%d-%s", deal.ID, version, suffix)
	b, _ := json.Marshal(events.DealClosedDetail{Meta: events.Meta{ID: id, OccurredAt: t}, DealID: deal.ID, OwnerID: deal.OwnerID,
		AmountMinor: deal.Amount.AmountMinor, Currency: deal.Amount.Currency, LostReason: deal.LostReason})
	return store.OutboxEvent{ID: id, DetailType: typ, Detail: b}
}

// DealPatch is a change to a deal; nil fields stay as they are. ClearCloseDate removes the date.
type DealPatch struct {
	Stage          *string
	Amount         *string
	Currency       *string
	CloseDate      *time.Time
	ClearCloseDate bool
	NextStep       *string
	LostReason     *string
	OwnerID        *string
	// At is when the change happened (a HubSpot event's time); zero means now.
	At time.Time
}

var dealPatchFields = []string{"stage", "amount", "currency", "closeDate", "nextStep", "lostReason", "ownerId"}

func (ds *Deals) patchDeal(w http.ResponseWriter, r *http.Request) {
	body, herr := ds.verified(r, true)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := jsonFields(body, dealPatchFields...)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &fieldReader{m: m}
	var p DealPatch
	opt := func(k string) *string {
		if !f.has(k) {
			return nil
		}
		s := f.str(k)
		return &s
	}
	p.Stage, p.NextStep, p.LostReason, p.OwnerID, p.Currency = opt("stage"), opt("nextStep"), opt("lostReason"), opt("ownerId"), opt("currency")
	if f.has("amount") {
		a := f.amount("amount")
		p.Amount = &a
	}
	if f.has("closeDate") {
		p.CloseDate, p.ClearCloseDate = f.date("closeDate"), f.null("closeDate") || f.str("closeDate") == ""
	}
	if len(f.errs) > 0 {
		httpapi.WriteError(w, badRequest("InvalidPatch", "the change has invalid fields", f.errs...))
		return
	}
	deal, err := ds.UpdateDealFields(r.Context(), r.PathValue("id"), p)
	if err != nil {
		ds.answerError(w, "update deal", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, ds.dealView(deal))
}

func (ds *Deals) getDeal(w http.ResponseWriter, r *http.Request) {
	if _, herr := ds.verified(r, false); herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	deal, err := ds.Store.GetDeal(r.Context(), r.PathValue("id"))
	if err != nil {
		ds.answerError(w, "get deal", fmt.Errorf("deal %s: %w", r.PathValue("id"), err))
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, ds.dealView(deal))
}

// UpdateDealFields applies p to the deal and writes it with its events (Deal Stage Changed, Deal
// Closed Won/Lost) in one write. A patch that changes nothing writes nothing.
func (d *Deps) UpdateDealFields(ctx context.Context, id string, p DealPatch) (domain.Deal, error) {
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
func (d *Deps) changeDeal(ctx context.Context, id string, change func(old domain.Deal, now time.Time) (domain.Deal, []store.OutboxEvent, error)) (domain.Deal, error) {
	if id == "" {
		return domain.Deal{}, invalid("InvalidDeal", "a deal id is required")
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
		return got, nil
	}
}

// ApplyDealPatch is the pure part of a deal change: it validates p against the org's pipeline and
// returns the new deal and the events the change emits. Stage changes close the current stage
// entry at `at`; entering a won or lost stage closes the deal, and an open stage after a closed
// one reopens it.
func ApplyDealPatch(org *domain.Org, old domain.Deal, p DealPatch, at time.Time) (domain.Deal, []store.OutboxEvent, error) {
	d := old
	d.StageHistory = append([]domain.StageEntry(nil), old.StageHistory...)
	var errs []httpapi.FieldError
	fail := func(f, reason string) { errs = append(errs, httpapi.FieldError{Field: f, Reason: reason}) }
	pipe, ok := org.Pipeline(d.Pipeline)
	if !ok {
		return old, nil, fmt.Errorf("deal %s: pipeline %q is not in the org file", d.ID, d.Pipeline)
	}
	var evs []store.OutboxEvent
	version := old.Version + 1
	if p.OwnerID != nil && *p.OwnerID != d.OwnerID {
		rep, ok := org.Rep(*p.OwnerID)
		switch {
		case !ok:
			fail("ownerId", fmt.Sprintf("no rep %q in the org file", *p.OwnerID))
		case !rep.Active:
			fail("ownerId", fmt.Sprintf("rep %q is inactive", *p.OwnerID))
		default:
			d.OwnerID, d.TeamID = rep.ID, rep.Team
		}
	}
	if p.Amount != nil || p.Currency != nil {
		cur := d.Amount.Currency
		if p.Currency != nil && *p.Currency != "" {
			cur = *p.Currency
		}
		if cur == "" {
			cur = org.Settings.Currency
		}
		amt := d.Amount.Decimal()
		if p.Amount != nil {
			amt = *p.Amount
		}
		if amt == "" {
			amt = "0"
		}
		m, err := domain.ParseMoney(amt, cur)
		if err != nil {
			fail("amount", err.Error())
		} else {
			d.Amount = m
		}
	}
	if p.ClearCloseDate {
		d.CloseDate = nil
	} else if p.CloseDate != nil {
		cd := p.CloseDate.UTC()
		d.CloseDate = &cd
	}
	if p.NextStep != nil {
		d.NextStep = *p.NextStep
	}
	if p.Stage != nil && *p.Stage != d.Stage {
		st, ok := pipe.Stage(*p.Stage)
		if !ok {
			fail("stage", fmt.Sprintf("pipeline %s has no stage %q", pipe.ID, *p.Stage))
		} else if len(errs) == 0 {
			from := d.Stage
			if err := d.EnterStage(st.ID, at); err != nil {
				fail("stage", err.Error())
			} else {
				id := fmt.Sprintf("%s-v%d-stage", d.ID, version)
				b, _ := json.Marshal(events.DealStageChangedDetail{Meta: events.Meta{ID: id, OccurredAt: at}, DealID: d.ID,
					OwnerID: d.OwnerID, Pipeline: d.Pipeline, FromStage: from, ToStage: st.ID})
				evs = append(evs, store.OutboxEvent{ID: id, DetailType: events.DealStageChanged, Detail: b})
				switch {
				case st.Won || st.Lost:
					if p.CloseDate == nil {
						d.CloseDate = nil // once closed, the close date is the day it closed
					}
					closeDealAs(org, &d, st, at)
					evs = append(evs, closedEvent(d, version, at))
				case !d.IsOpen():
					// Reopened: a won or lost deal moved back to an open stage.
					d.Status, d.ClosedAt, d.LostReason = domain.DealOpen, nil, ""
				}
			}
		}
	}
	if p.LostReason != nil {
		if d.Status != domain.DealLost {
			fail("lostReason", "only a lost deal has a lost reason; move it to a lost stage in the same change")
		} else {
			d.LostReason = *p.LostReason
			if n := len(evs); n > 0 && evs[n-1].DetailType == events.DealClosedLost {
				evs[n-1] = closedEvent(d, version, at) // carry the reason in the event
			}
		}
	}
	if len(errs) > 0 {
		return old, nil, invalid("InvalidPatch", "the change has invalid fields", errs...)
	}
	return d, evs, nil
}

// ActivityInput is the body of POST /v1/activities.
type ActivityInput struct {
	Type                  string
	RepID, DealID, LeadID string
	At                    *time.Time
	Subject, Notes        string
}

var activityFields = []string{"type", "repId", "dealId", "leadId", "at", "subject", "notes"}

func (ds *Deals) postActivity(w http.ResponseWriter, r *http.Request) {
	body, herr := ds.verified(r, true)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	key, herr := idemKey(r)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := jsonFields(body, activityFields...)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &fieldReader{m: m}
	in := ActivityInput{Type: f.str("type"), RepID: f.str("repId"), DealID: f.str("dealId"), LeadID: f.str("leadId"),
		At: f.timestamp("at"), Subject: f.str("subject"), Notes: f.str("notes")}
	if len(f.errs) > 0 {
		httpapi.WriteError(w, badRequest("InvalidActivity", "the activity has invalid fields", f.errs...))
		return
	}
	a, created, err := ds.LogActivity(r.Context(), in, key)
	if err != nil {
		ds.answerError(w, "log activity", err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	httpapi.WriteJSON(w, status, a)
}

// maxActivitySkew is how far in the future an activity's time may be (clock drift), not more.
const maxActivitySkew = 5 * time.Minute

// LogActivity stores an activity with Activity Logged and moves the deal's last-activity time,
// which the no_activity reminder policies read. A repeated Idempotency-Key returns the first
// activity (and repeats the deal update, in case the first attempt stopped before it).
func (d *Deps) LogActivity(ctx context.Context, in ActivityInput, idem string) (domain.Activity, bool, error) {
	now := d.Clock.Now()
	var errs []httpapi.FieldError
	fail := func(f, reason string) { errs = append(errs, httpapi.FieldError{Field: f, Reason: reason}) }
	typ := domain.ActivityType(strings.ToLower(in.Type))
	if !typ.Valid() {
		fail("type", fmt.Sprintf("unknown activity type %q (want email, call, meeting, note or proposal_sent)", in.Type))
	}
	if _, ok := d.Org.Rep(in.RepID); !ok {
		fail("repId", fmt.Sprintf("no rep %q in the org file", in.RepID))
	}
	if in.DealID == "" && in.LeadID == "" {
		fail("dealId", "an activity concerns a deal or a lead: give dealId or leadId")
	}
	at := now
	if in.At != nil {
		at = in.At.UTC()
		if at.After(now.Add(maxActivitySkew)) {
			fail("at", "is in the future")
		}
	}
	if len(errs) > 0 {
		return domain.Activity{}, false, invalid("InvalidActivity", "the activity has invalid fields", errs...)
	}
	if in.DealID != "" {
		if _, err := d.Store.GetDeal(ctx, in.DealID); errors.Is(err, store.ErrNotFound) {
			return domain.Activity{}, false, invalid("InvalidActivity", "the activity has invalid fields",
				httpapi.FieldError{Field: "dealId", Reason: fmt.Sprintf("no deal %q", in.DealID)})
		} else if err != nil {
			return domain.Activity{}, false, err
		}
	}
	if in.LeadID != "" {
		if _, err := d.Store.GetLead(ctx, in.LeadID); errors.Is(err, store.ErrNotFound) {
			return domain.Activity{}, false, invalid("InvalidActivity", "the activity has invalid fields",
				httpapi.FieldError{Field: "leadId", Reason: fmt.Sprintf("no lead %q", in.LeadID)})
		} else if err != nil {
			return domain.Activity{}, false, err
		}
	}
	id := newID("act_")
	if idem != "" {
		got, created, err := d.Store.PutIdempotencyKey(ctx, "activity-idem:"+idem, id, 0)
		if err != nil {
			return domain.Activity{}, false, fmt.Errorf("claim activity key: %w", err)
		}
		if !created {
			id = got
		}
	}
	a := domain.Activity{ID: id, Type: typ, RepID: in.RepID, DealID: in.DealID, LeadID: in.LeadID, At: at,
		Subject: in.Subject, Notes: in.Notes, CreatedAt: now}
	ev := d.dealEvent(events.ActivityLogged, id+"-logged", events.ActivityLoggedDetail{Meta: events.Meta{ID: id + "-logged", OccurredAt: at},
		ActivityID: id, Type: string(typ), RepID: a.RepID, DealID: a.DealID, LeadID: a.LeadID})
	created := true
	stored, err := d.Store.CreateActivity(ctx, a, ev)
	if errors.Is(err, store.ErrAlreadyExists) {
		created = false
		list, _, lerr := d.Store.ListActivitiesByDeal(ctx, in.DealID, store.Page{Limit: store.MaxPageSize})
		stored = a
		if lerr == nil {
			for _, x := range list {
				if x.ID == id {
					stored = x
				}
			}
		}
	} else if err != nil {
		return domain.Activity{}, false, fmt.Errorf("create activity: %w", err)
	}
	if stored.DealID != "" {
		if _, err := d.TouchDeal(ctx, stored.DealID, stored.At); err != nil {
			return domain.Activity{}, false, err
		}
	}
	return stored, created, nil
}

// TouchDeal moves the deal's last-activity time forward to at (never back).
func (d *Deps) TouchDeal(ctx context.Context, dealID string, at time.Time) (domain.Deal, error) {
	return d.changeDeal(ctx, dealID, func(old domain.Deal, _ time.Time) (domain.Deal, []store.OutboxEvent, error) {
		if old.LastActivityAt != nil && !at.After(*old.LastActivityAt) {
			return old, nil, nil
		}
		old.LastActivityAt = &at
		return old, nil, nil
	})
}

// DealsHTTP are the deals and activities routes (HTTPHandlers; the deals Lambda).
func DealsHTTP(d *Deps, s *Secrets) map[string]http.HandlerFunc {
	return (&Deals{Deps: d, Secrets: s.LeadSecrets}).Handlers()
}
