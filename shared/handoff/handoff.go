package handoff

// The SDR→AE handoff: the API an SDR calls (request, read, withdraw) and the one place an answer
// (accept, decline, withdraw) is recorded and handed to the waiting workflow. The workflow tasks
// are in handoff_tasks.go, the emails in handoff_mail.go, the accept/decline links in
// handoff_links.go; statemachines/sdr-ae-handoff.asl.json ties them together.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workflow"
)

// HandoffMachine is the state machine every handoff runs in (statemachines/<name>.asl.json).
const HandoffMachine = "sdr-ae-handoff"

// Limits on what an SDR writes, so a handoff always fits a workflow input and an email.
const (
	maxHandoffField = 2000
	maxHandoffText  = 20000
)

// HandoffRequest is the body of POST /v1/leads/{id}/handoff.
type HandoffRequest struct {
	SDRID string                    `json:"sdrId"`
	Notes domain.QualificationNotes `json:"notes"`
	// Override hands off a disqualified lead anyway; OverrideReason (required then) is recorded.
	Override       bool   `json:"override,omitempty"`
	OverrideReason string `json:"overrideReason,omitempty"`
}

// Handoff answers. They are the outputs the workflow's Choice reads ($.answer.outcome).
const (
	OutcomeAccepted  = "accepted"
	OutcomeDeclined  = "declined"
	OutcomeWithdrawn = "withdrawn"
	OutcomeExpired   = "expired"
)

// HandoffAnswer is what ends a wait for the AE: sent with SendTaskSuccess by whoever recorded it
// (a link click, the SDR withdrawing, a task that found it already recorded), and returned by
// the expiry task.
type HandoffAnswer struct {
	Outcome string `json:"outcome"`
	Attempt int    `json:"attempt"`
	AEID    string `json:"aeId"`
	Reason  string `json:"reason"`
	// Next says, after an expiry, whether the handoff is reassigned ("reassign") or goes to the
	// fallback queue ("queue").
	Next string `json:"next"`
}

// HandoffView is a handoff as the API answers it: without the workflow's task tokens and
// routing-ledger keys, which stay server-side.
func HandoffView(h domain.Handoff) domain.Handoff {
	h.Attempts = append([]domain.HandoffAttempt(nil), h.Attempts...)
	for i := range h.Attempts {
		h.Attempts[i].TaskToken, h.Attempts[i].Counted = "", nil
	}
	return h
}

func (hs *Service) postHandoff(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := httpapi.JSONFields(body, "sdrId", "notes", "override", "overrideReason")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	var req HandoffRequest
	f := &httpapi.Fields{M: m}
	req.SDRID = identity.Self(r.Context(), f.Str("sdrId"))
	req.OverrideReason = domain.CleanLine(f.Str("overrideReason"))
	if raw, ok := m["override"]; ok && !f.Null("override") {
		if err := json.Unmarshal(raw, &req.Override); err != nil {
			f.Fail("override", "must be true or false")
		}
	}
	if raw, ok := m["notes"]; ok && !f.Null("notes") {
		if err := json.Unmarshal(raw, &req.Notes); err != nil {
			f.Fail("notes", `must be an object {"fields": {"budget": "...", ...}, "text": "..."}`)
		}
	}
	if len(f.Errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidHandoff", "the handoff has invalid fields", f.Errs...))
		return
	}
	if l, err := hs.Store.GetLead(r.Context(), r.PathValue("id")); err == nil {
		// The lead's owner and the SDR named as handing it off must both be within reach.
		if err := identity.Check(r.Context(), identity.HandoffRequest, identity.ObjectOf(hs.Org, l.OwnerID)); err != nil {
			httpapi.AnswerError(w, hs.Log, "request handoff", err)
			return
		}
	}
	if req.SDRID != "" {
		if err := identity.Check(r.Context(), identity.HandoffRequest, identity.ObjectOf(hs.Org, req.SDRID)); err != nil {
			httpapi.AnswerError(w, hs.Log, "request handoff", err)
			return
		}
	}
	h, created, err := hs.RequestHandoff(r.Context(), r.PathValue("id"), req)
	if err != nil {
		httpapi.AnswerError(w, hs.Log, "request handoff", err)
		return
	}
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	httpapi.WriteJSON(w, status, HandoffView(h))
}

// RequestHandoff validates an SDR's handoff of a lead, stores it and starts its workflow. The
// errors are *httpapi.Error for 400 (every missing field listed), 404 (no such lead) and 409 (the
// lead has an open handoff). created is false when the identical request was already made.
func (d *Service) RequestHandoff(ctx context.Context, leadID string, req HandoffRequest) (domain.Handoff, bool, error) {
	l, err := d.Store.GetLead(ctx, leadID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Handoff{}, false, &httpapi.Error{Status: http.StatusNotFound, Code: "LeadNotFound", Message: fmt.Sprintf("no lead %q", leadID)}
	}
	if err != nil {
		return domain.Handoff{}, false, fmt.Errorf("get lead %s: %w", leadID, err)
	}
	if errs := d.validateHandoff(req); len(errs) > 0 {
		return domain.Handoff{}, false, httpapi.BadRequest("InvalidHandoff", "the handoff is missing required qualification notes or has invalid fields", errs...)
	}
	if err := d.guardHandoff(ctx, l, req); err != nil {
		return domain.Handoff{}, false, err
	}
	now := d.Clock.Now()
	id := store.NewID("ho_")
	got, created, err := d.Store.PutIdempotencyKey(ctx, handoffOpenKey(l.ID), id, 0)
	if err != nil {
		return domain.Handoff{}, false, fmt.Errorf("claim handoff of lead %s: %w", l.ID, err)
	}
	if !created {
		existing, err := d.Store.GetHandoff(ctx, got)
		switch {
		case err == nil && existing.Status.Open():
			if existing.SDRID == req.SDRID && sameNotes(existing.Notes, req.Notes) {
				// A retried request: make sure its workflow runs (StartExecution is idempotent).
				return existing, false, d.startHandoff(ctx, existing.ID)
			}
			return domain.Handoff{}, false, &httpapi.Error{Status: http.StatusConflict, Code: "HandoffOpen",
				Message: fmt.Sprintf("lead %s already has an open handoff %s (to withdraw it: POST /v1/handoffs/%s/withdraw)", l.ID, existing.ID, existing.ID)}
		case err == nil || errors.Is(err, store.ErrNotFound):
			// The claim outlived its handoff (closed, or never written after a crash): take it over.
			if err := d.Store.ReleaseIdempotencyKey(ctx, handoffOpenKey(l.ID), got); err != nil {
				return domain.Handoff{}, false, fmt.Errorf("release stale handoff claim of lead %s: %w", l.ID, err)
			}
			return d.RequestHandoff(ctx, leadID, req)
		default:
			return domain.Handoff{}, false, fmt.Errorf("get handoff %s: %w", got, err)
		}
	}
	notes := domain.QualificationNotes{Text: strings.TrimSpace(req.Notes.Text), Fields: map[string]string{}}
	for k, v := range req.Notes.Fields {
		if v = strings.TrimSpace(v); v != "" {
			notes.Fields[k] = v
		}
	}
	h := domain.Handoff{ID: id, LeadID: l.ID, SDRID: req.SDRID, Notes: notes, Status: domain.HandoffRequested,
		RequestedAt: now, UpdatedAt: now}
	if l.Status == domain.LeadDisqualified {
		h.OverrideReason = req.OverrideReason
	}
	if h, err = d.Store.CreateHandoff(ctx, h); err != nil {
		_ = d.Store.ReleaseIdempotencyKey(ctx, handoffOpenKey(l.ID), id)
		return domain.Handoff{}, false, fmt.Errorf("create handoff of lead %s: %w", l.ID, err)
	}
	if err := d.startHandoff(ctx, id); err != nil {
		// Nothing waits on a handoff whose workflow never started: close it so a retry starts over.
		_, _ = d.Store.UpdateHandoff(ctx, id, func(x domain.Handoff) (domain.Handoff, error) {
			x.Status, x.UpdatedAt = domain.HandoffWithdrawn, d.Clock.Now()
			return x, nil
		})
		_ = d.Store.ReleaseIdempotencyKey(ctx, handoffOpenKey(l.ID), id)
		return domain.Handoff{}, false, err
	}
	d.setLeadStatus(ctx, l.ID, domain.LeadHandedOff, "")
	d.Log.Info("handoff requested", "handoff_id", id, "lead_id", l.ID, "sdr_id", req.SDRID, "override", h.OverrideReason != "")
	return h, true, nil
}

func (d *Service) startHandoff(ctx context.Context, id string) error {
	if d.Workflow == nil {
		return fmt.Errorf("start handoff %s: no workflow engine", id)
	}
	input, _ := json.Marshal(HandoffRef{HandoffID: id})
	if _, err := d.Workflow.StartExecution(ctx, HandoffMachine, id, string(input)); err != nil {
		return fmt.Errorf("start handoff workflow %s: %w", id, err)
	}
	return nil
}

// handoffOpenKey is claimed by the lead's one open handoff, so two concurrent requests cannot
// both open one (a 409 for the second).
func handoffOpenKey(leadID string) string { return "handoff-open:" + leadID }

func sameNotes(a, b domain.QualificationNotes) bool {
	if strings.TrimSpace(a.Text) != strings.TrimSpace(b.Text) {
		return false
	}
	n := 0
	for k, v := range b.Fields {
		if v = strings.TrimSpace(v); v != "" {
			n++
			if a.Fields[k] != v {
				return false
			}
		}
	}
	return n == len(a.Fields)
}

// validateHandoff lists every problem at once: the SDR, each missing qualification field of the
// org's framework (BANT by default, MEDDIC or custom), and over-long notes.
func (d *Service) validateHandoff(req HandoffRequest) []httpapi.FieldError {
	var errs []httpapi.FieldError
	fail := func(f, reason string) { errs = append(errs, httpapi.FieldError{Field: f, Reason: reason}) }
	switch rep, ok := d.Org.Rep(req.SDRID); {
	case req.SDRID == "":
		fail("sdrId", "required")
	case !ok:
		fail("sdrId", fmt.Sprintf("no rep %q in the org file", req.SDRID))
	case !rep.Active:
		fail("sdrId", fmt.Sprintf("rep %q is inactive", req.SDRID))
	}
	framework := d.Org.Handoff.Qualification
	if framework == "" {
		framework = domain.QualificationBANT
	}
	for _, f := range d.Org.Handoff.Fields() {
		if strings.TrimSpace(req.Notes.Fields[f]) == "" {
			fail("notes.fields."+f, "required by the org's "+framework+" qualification")
		}
	}
	for k, v := range req.Notes.Fields {
		if len(v) > maxHandoffField {
			fail("notes.fields."+k, fmt.Sprintf("longer than %d characters", maxHandoffField))
		}
	}
	if len(req.Notes.Text) > maxHandoffText {
		fail("notes.text", fmt.Sprintf("longer than %d characters", maxHandoffText))
	}
	return errs
}

// HandoffObject is a handoff as the authorisation table sees it: its SDR and the AE asked.
func HandoffObject(org *domain.Org, h domain.Handoff) *identity.Object {
	return identity.ObjectOf(org, h.SDRID, h.AEID)
}

func (hs *Service) readHandoff(w http.ResponseWriter, r *http.Request) {
	h, err := hs.Store.GetHandoff(r.Context(), r.PathValue("id"))
	if err == nil {
		err = identity.Check(r.Context(), identity.HandoffRead, HandoffObject(hs.Org, h))
	}
	if err != nil {
		httpapi.AnswerError(w, hs.Log, "get handoff", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, HandoffView(h))
}

func (hs *Service) postWithdraw(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := httpapi.JSONFields(body, "sdrId", "reason")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &httpapi.Fields{M: m}
	sdr, reason := identity.Self(r.Context(), f.Str("sdrId")), f.Str("reason")
	if len(f.Errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidWithdrawal", "the withdrawal has invalid fields", f.Errs...))
		return
	}
	if cur, err := hs.Store.GetHandoff(r.Context(), r.PathValue("id")); err == nil {
		if err := identity.Check(r.Context(), identity.HandoffWithdraw, identity.ObjectOf(hs.Org, cur.SDRID)); err != nil {
			httpapi.AnswerError(w, hs.Log, "withdraw handoff", err)
			return
		}
	}
	h, err := hs.WithdrawHandoff(r.Context(), r.PathValue("id"), sdr, reason)
	if err != nil {
		httpapi.AnswerError(w, hs.Log, "withdraw handoff", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, HandoffView(h))
}

// WithdrawHandoff is the SDR taking a handoff back: the AE is no longer asked and the workflow
// ends cleanly. sdrID, when given, must be the handoff's SDR.
func (d *Service) WithdrawHandoff(ctx context.Context, id, sdrID, reason string) (domain.Handoff, error) {
	h, err := d.Store.GetHandoff(ctx, id)
	if err != nil {
		return h, fmt.Errorf("get handoff %s: %w", id, err)
	}
	if sdrID != "" && sdrID != h.SDRID {
		return h, httpapi.BadRequest("InvalidWithdrawal", "only the handoff's SDR can withdraw it",
			httpapi.FieldError{Field: "sdrId", Reason: fmt.Sprintf("the handoff is from %s", h.SDRID)})
	}
	h, err = d.answerHandoff(ctx, id, 0, "", OutcomeWithdrawn, reason)
	if errors.Is(err, errHandoffAnswered) {
		return h, &httpapi.Error{Status: http.StatusConflict, Code: "HandoffClosed",
			Message: fmt.Sprintf("handoff %s is already %s", id, h.Status)}
	}
	if err == nil {
		d.setLeadStatus(ctx, h.LeadID, domain.LeadRouted, "") // back with its owner, the SDR
		if _, merr := d.sendWithdrawnToAE(ctx, h, reason); merr != nil {
			// The withdrawal stands; the AE's links already say it is withdrawn.
			d.Log.Error("could not tell the AE the handoff was withdrawn", "handoff_id", h.ID, "error", merr.Error())
		}
	}
	return h, err
}

// errHandoffAnswered: the attempt (or the whole handoff) already has an answer; the handoff is
// returned as it stands so the caller can say what happened.
var errHandoffAnswered = errors.New("handoff already answered")

// answerHandoff records an answer to attempt (1-based; 0 = the current one) of the AE aeID ("" =
// whoever it is) and then tells the waiting workflow step. The record is the truth: if the
// workflow cannot be told now (its step timed out a moment ago, or it has not stored its token
// yet), the next task of the handoff finds the answer in the record and acts on it.
func (d *Service) answerHandoff(ctx context.Context, id string, attempt int, aeID, outcome, reason string) (domain.Handoff, error) {
	now := d.Clock.Now()
	var counted []string
	var ans HandoffAnswer
	h, err := d.Store.UpdateHandoff(ctx, id, func(x domain.Handoff) (domain.Handoff, error) {
		counted = nil
		if !x.Status.Open() {
			return x, errHandoffAnswered
		}
		n := attempt
		if n == 0 {
			n = len(x.Attempts)
		}
		if outcome == OutcomeWithdrawn && n == 0 {
			// Withdrawn before any AE was asked: the assignment task sees the status and stops.
			x.Status, x.UpdatedAt = domain.HandoffWithdrawn, now
			ans = HandoffAnswer{Outcome: outcome, Reason: reason}
			return x, nil
		}
		if n < 1 || n != len(x.Attempts) {
			return x, errHandoffAnswered
		}
		a := &x.Attempts[n-1]
		if a.Outcome != "" || (aeID != "" && a.AEID != aeID) {
			return x, errHandoffAnswered
		}
		a.Outcome, a.EndedAt, a.Reason = domain.HandoffStatus(outcome), &now, reason
		switch outcome {
		case OutcomeAccepted:
			x.Status, x.AcceptedAt, x.AcceptedBy = domain.HandoffAccepted, &now, a.AEID
		case OutcomeWithdrawn:
			x.Status = domain.HandoffWithdrawn
			counted, a.Counted = a.Counted, nil
		case OutcomeDeclined:
			x.DeclineReason = reason
			counted, a.Counted = a.Counted, nil
		}
		x.UpdatedAt = now
		ans = HandoffAnswer{Outcome: outcome, Attempt: n, AEID: a.AEID, Reason: reason}
		return x, nil
	})
	if errors.Is(err, errHandoffAnswered) {
		cur, gerr := d.Store.GetHandoff(ctx, id)
		if gerr != nil {
			return h, fmt.Errorf("get handoff %s: %w", id, gerr)
		}
		return cur, errHandoffAnswered
	}
	if err != nil {
		return h, fmt.Errorf("record %s of handoff %s: %w", outcome, id, err)
	}
	d.creditBack(ctx, id, counted)
	if h.Status != domain.HandoffRequested {
		d.releaseHandoffClaim(ctx, h)
	}
	d.Log.Info("handoff answered", "handoff_id", id, "lead_id", h.LeadID, "outcome", outcome, "attempt", ans.Attempt, "ae_id", ans.AEID)
	if ans.Attempt > 0 {
		d.tellWorkflow(ctx, h.Attempts[ans.Attempt-1].TaskToken, ans, id)
	}
	return h, nil
}

// tellWorkflow completes the waiting step with the answer. A step that is gone (timed out, or
// already told by another click) is fine: the record holds the answer for the next task.
func (d *Service) tellWorkflow(ctx context.Context, token string, ans HandoffAnswer, id string) {
	if token == "" {
		return
	}
	if d.Workflow == nil {
		// A wiring bug (a function without the Step Functions client): say so loudly.
		d.Log.Error("no workflow client to hand the answer to; the handoff waits for its timeout",
			"handoff_id", id, "outcome", ans.Outcome)
		return
	}
	out, _ := json.Marshal(ans)
	err := d.Workflow.SendTaskSuccess(ctx, token, string(out))
	if err != nil && !errors.Is(err, workflow.ErrTaskGone) {
		d.Log.Error("could not hand the answer to the handoff workflow; its next timeout picks it up",
			"handoff_id", id, "outcome", ans.Outcome, "error", err.Error())
	}
}

func (d *Service) releaseHandoffClaim(ctx context.Context, h domain.Handoff) {
	if err := d.Store.ReleaseIdempotencyKey(ctx, handoffOpenKey(h.LeadID), h.ID); err != nil {
		// A stale claim is taken over by the next request (RequestHandoff), so this only logs.
		d.Log.Warn("release handoff claim failed", "handoff_id", h.ID, "lead_id", h.LeadID, "error", err.Error())
	}
}

// creditBack returns an AE's pool assignment to the routing ledger when they did not keep it.
func (d *Service) creditBack(ctx context.Context, id string, counted []string) {
	if len(counted) == 0 {
		return
	}
	if err := d.router.CreditBack(ctx, routingDecision(counted)); err != nil {
		d.Log.Warn("credit back handoff assignment failed", "handoff_id", id, "error", err.Error())
	}
}

// answerOf is the answer already recorded on attempt n (1-based), for a task that finds it.
func answerOf(h domain.Handoff, n int) (HandoffAnswer, bool) {
	if h.Status == domain.HandoffWithdrawn {
		return HandoffAnswer{Outcome: OutcomeWithdrawn, Attempt: n}, true
	}
	if n < 1 || n > len(h.Attempts) {
		return HandoffAnswer{}, false
	}
	a := h.Attempts[n-1]
	if a.Outcome == "" {
		return HandoffAnswer{}, false
	}
	return HandoffAnswer{Outcome: string(a.Outcome), Attempt: n, AEID: a.AEID, Reason: a.Reason}, true
}
