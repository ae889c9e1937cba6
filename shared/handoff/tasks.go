package handoff

// The tasks of the sdr-ae-handoff workflow. Each is idempotent (the workflow retries them and
// a restart may run one twice): the handoff record says what was done, emails carry an
// idempotency key per handoff and attempt.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/lead/leadtext"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workhours"
)

// HandoffRef is the input of the handoff workflow and of its tasks.
type HandoffRef struct {
	HandoffID string `json:"handoffId"`
	// Attempt is the 1-based attempt a task is about (0 = the current one).
	Attempt int `json:"attempt,omitempty"`
}

// HandoffAssignment is what AssignHandoff returns to the workflow. Every field is always
// present: the workflow's paths read them.
type HandoffAssignment struct {
	// Status is assigned (an AE is asked), queued (no AE is left: fallback queue) or closed (the
	// SDR withdrew it before an AE was asked).
	Status    string `json:"status"`
	HandoffID string `json:"handoffId"`
	LeadID    string `json:"leadId"`
	SDRID     string `json:"sdrId"`
	AEID      string `json:"aeId"`
	Attempt   int    `json:"attempt"`
	// SLASeconds is the SLA in business hours of the AE, converted to wall-clock seconds from
	// now: the workflow's TimeoutSecondsPath.
	SLASeconds int64     `json:"slaSeconds"`
	SLADueAt   time.Time `json:"slaDueAt"`
	// SecondWindowSeconds is the window after the reminder, from the SLA's end, likewise.
	SecondWindowSeconds int64 `json:"secondWindowSeconds"`
	// ExpiresAt is the end of the second window: the AE's accept/decline links expire then.
	ExpiresAt   time.Time `json:"expiresAt"`
	Explanation string    `json:"explanation"`
}

// Handoff errors, named for the workflow's Catch.

// ErrHandoffNotFound: the handoff does not exist; retrying will not help.
type ErrHandoffNotFound struct{ ID string }

func (e ErrHandoffNotFound) Error() string { return fmt.Sprintf("handoff %s not found", e.ID) }

func (d *Service) getHandoff(ctx context.Context, id string) (domain.Handoff, error) {
	if id == "" {
		return domain.Handoff{}, platform.ErrBadInput{Reason: "handoffId is required"}
	}
	h, err := d.Store.GetHandoff(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return h, ErrHandoffNotFound{ID: id}
	}
	if err != nil {
		d.Log.Error("get handoff failed", "handoff_id", id, "error", err.Error())
		return h, platform.ErrStoreUnavailable{Op: "get handoff"}
	}
	return h, nil
}

func routingDecision(counted []string) routing.Decision { return routing.Decision{Counted: counted} }

// AssignHandoff asks the next AE: the account owner first, else the org's handoff routing rules
// (AE pools), never an AE who already had this handoff. The SLA is converted from the AE's
// business hours (time zone, working hours, holidays) to seconds here, at assignment time.
func (d *Service) AssignHandoff(ctx context.Context, in HandoffRef) (HandoffAssignment, error) {
	h, err := d.getHandoff(ctx, in.HandoffID)
	if err != nil {
		return HandoffAssignment{}, err
	}
	res := HandoffAssignment{HandoffID: h.ID, LeadID: h.LeadID, SDRID: h.SDRID}
	if !h.Status.Open() {
		res.Status = "closed"
		return res, nil
	}
	now := d.Clock.Now()
	if n := len(h.Attempts); n > 0 && h.Attempts[n-1].Outcome == "" {
		return d.assignmentOf(h, n, now), nil // a retry: the AE is already asked
	}
	l, err := platform.LoadLead(ctx, d.Store, d.Log, h.LeadID)
	if err != nil {
		return res, err
	}
	exclude := []string{h.SDRID}
	for _, a := range h.Attempts {
		exclude = append(exclude, a.AEID)
	}
	dec, err := d.pickAE(ctx, l, now, exclude)
	if err != nil {
		return res, err
	}
	if dec.OwnerID == "" {
		res.Status, res.Explanation = "queued", dec.Explanation
		d.Log.Info("no AE left for handoff", "handoff_id", h.ID, "lead_id", h.LeadID, "why", dec.Explanation)
		return res, nil
	}
	ae, _ := d.Org.Rep(dec.OwnerID)
	due := d.businessTime(ae, now, d.handoffSLA())
	lost := false
	h, err = d.Store.UpdateHandoff(ctx, h.ID, func(x domain.Handoff) (domain.Handoff, error) {
		lost = false
		if !x.Status.Open() || (len(x.Attempts) > 0 && x.Attempts[len(x.Attempts)-1].Outcome == "") {
			lost = true // withdrawn meanwhile, or a concurrent run asked someone
			return x, nil
		}
		x.Attempts = append(x.Attempts, domain.HandoffAttempt{AEID: ae.ID, AssignedAt: now, SLADueAt: due, Counted: dec.Counted})
		x.AEID, x.SLADueAt, x.UpdatedAt = ae.ID, due, now
		return x, nil
	})
	if err != nil {
		d.creditBack(ctx, in.HandoffID, dec.Counted)
		return res, platform.ErrStoreUnavailable{Op: "update handoff: " + err.Error()}
	}
	if lost {
		d.creditBack(ctx, h.ID, dec.Counted)
		if !h.Status.Open() {
			res.Status = "closed"
			return res, nil
		}
		return d.assignmentOf(h, len(h.Attempts), now), nil
	}
	out := d.assignmentOf(h, len(h.Attempts), now)
	out.Explanation = dec.Explanation
	d.Log.Info("handoff assigned", "handoff_id", h.ID, "lead_id", h.LeadID, "ae_id", ae.ID, "attempt", out.Attempt,
		"sla_due_at", due, "why", dec.Explanation)
	return out, nil
}

// pickAE is the account owner when they are an active AE who is in and has not had the handoff,
// else the handoff routing rules. The routing fallback rep (the catch-all owner of new leads) is
// not an AE asked to accept: with no AE left the handoff goes to the fallback queue.
func (d *Service) pickAE(ctx context.Context, l domain.Lead, now time.Time, exclude []string) (routing.Decision, error) {
	var owner string
	if l.AccountID != "" {
		a, err := d.Store.GetAccount(ctx, l.AccountID)
		if err == nil {
			owner = a.OwnerID
		} else if !errors.Is(err, store.ErrNotFound) {
			return routing.Decision{}, platform.ErrStoreUnavailable{Op: "get account"}
		}
	}
	if rep, ok := d.Org.Rep(owner); ok && rep.Role == domain.RoleAE && rep.Active && !contains(exclude, rep.ID) {
		if _, away := rep.OutOfOfficeAt(now); !away {
			return routing.Decision{OwnerID: rep.ID, Rule: "account-owner",
				Explanation: fmt.Sprintf("account owner %s", rep.Name)}, nil
		}
	}
	subject := routing.Subject{Lead: l, AccountOwner: owner}
	dec, err := d.router.Route(ctx, domain.RouteHandoff, subject, now, exclude...)
	if err == nil && dec.Rule == "fallback" && d.Available != nil {
		// Nobody in a pool that prefers reps at work is working now (a handoff at night or on a
		// weekend): ask one who is not away anyway. The SLA only runs in their business hours.
		r := d.router
		r.Available = nil
		dec, err = r.Route(ctx, domain.RouteHandoff, subject, now, exclude...)
	}
	if err != nil {
		return dec, platform.ErrStoreUnavailable{Op: "route handoff: " + err.Error()}
	}
	if dec.Rule == "fallback" || dec.OwnerID == "" {
		if dec.OwnerID != "" {
			_ = d.router.CreditBack(ctx, dec)
		}
		return routing.Decision{Explanation: dec.Explanation}, nil
	}
	return dec, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (d *Service) handoffSLA() time.Duration {
	if sla := d.Org.Handoff.SLA(); sla > 0 {
		return sla
	}
	return 4 * time.Hour // shared/config's default
}

func (d *Service) handoffSecondWindow() time.Duration {
	if w := d.Org.Handoff.SecondWindow(); w > 0 {
		return w
	}
	return d.handoffSLA()
}

// businessTime is t plus dur of the rep's working time; plain time when the rep's calendar
// cannot be built (config validation prevents that) or has no working time ahead.
func (d *Service) businessTime(rep *domain.Rep, t time.Time, dur time.Duration) time.Time {
	if cal, err := workhours.ForRep(d.Org, *rep); err == nil {
		if due := cal.AddBusinessDuration(t, dur); !due.IsZero() {
			return due
		}
	}
	return t.Add(dur)
}

// assignmentOf describes attempt n (1-based) as the workflow needs it.
func (d *Service) assignmentOf(h domain.Handoff, n int, now time.Time) HandoffAssignment {
	a := h.Attempts[n-1]
	out := HandoffAssignment{Status: "assigned", HandoffID: h.ID, LeadID: h.LeadID, SDRID: h.SDRID, AEID: a.AEID, Attempt: n,
		SLADueAt: a.SLADueAt, ExpiresAt: a.SLADueAt}
	if rep, ok := d.Org.Rep(a.AEID); ok {
		out.ExpiresAt = d.businessTime(rep, a.SLADueAt, d.handoffSecondWindow())
	}
	out.SLASeconds = seconds(a.SLADueAt.Sub(now))
	out.SecondWindowSeconds = seconds(out.ExpiresAt.Sub(a.SLADueAt))
	return out
}

// seconds rounds up to whole seconds, at least 1 (Step Functions wants a positive integer).
func seconds(d time.Duration) int64 {
	return max(1, int64(math.Ceil(d.Seconds())))
}

// HandoffWait is the input of the tasks that wait for the AE (.waitForTaskToken).
type HandoffWait struct {
	TaskToken string    `json:"taskToken"`
	HandoffID string    `json:"handoffId"`
	Attempt   int       `json:"attempt"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// storeWaitToken keeps the task token in the handoff record (server-side, never in a URL). If the
// attempt was answered before the token was stored, the workflow is told right away.
func (d *Service) storeWaitToken(ctx context.Context, in HandoffWait, remind bool) (domain.Handoff, bool, error) {
	if in.TaskToken == "" || in.Attempt < 1 {
		return domain.Handoff{}, false, platform.ErrBadInput{Reason: "taskToken and attempt are required"}
	}
	if _, err := d.getHandoff(ctx, in.HandoffID); err != nil {
		return domain.Handoff{}, false, err
	}
	now := d.Clock.Now()
	answered := false
	h, err := d.Store.UpdateHandoff(ctx, in.HandoffID, func(x domain.Handoff) (domain.Handoff, error) {
		answered = false
		if _, ok := answerOf(x, in.Attempt); ok || !x.Status.Open() || in.Attempt != len(x.Attempts) {
			answered = true
			return x, nil
		}
		a := &x.Attempts[in.Attempt-1]
		a.TaskToken = in.TaskToken
		if remind && a.RemindedAt == nil {
			a.RemindedAt = &now
		}
		x.UpdatedAt = now
		return x, nil
	})
	if err != nil {
		return h, false, platform.ErrStoreUnavailable{Op: "store task token: " + err.Error()}
	}
	if answered {
		ans, ok := answerOf(h, in.Attempt)
		if !ok {
			ans = HandoffAnswer{Outcome: string(h.Status), Attempt: in.Attempt}
			if h.Status == domain.HandoffRequested {
				// A later attempt exists: this wait is stale. Treat it as declined so the
				// workflow moves on to the current state of the record.
				ans.Outcome = OutcomeDeclined
			}
		}
		d.tellWorkflow(ctx, in.TaskToken, ans, h.ID)
	}
	return h, answered, nil
}

// NotifyHandoffAE asks the AE to accept or decline (email with signed links, Slack when
// configured) and leaves the workflow waiting for the answer.
func (d *Service) NotifyHandoffAE(ctx context.Context, in HandoffWait) (notify.Sent, error) {
	h, answered, err := d.storeWaitToken(ctx, in, false)
	if err != nil || answered {
		return notify.Sent{}, err
	}
	return d.sendHandoffAsk(ctx, h, in.Attempt, in.ExpiresAt, false)
}

// RemindHandoffAE reminds the AE when the SLA passed without an answer, copying their manager
// when the org says so, and leaves the workflow waiting for the second window.
func (d *Service) RemindHandoffAE(ctx context.Context, in HandoffWait) (notify.Sent, error) {
	h, answered, err := d.storeWaitToken(ctx, in, true)
	if err != nil || answered {
		return notify.Sent{}, err
	}
	return d.sendHandoffAsk(ctx, h, in.Attempt, in.ExpiresAt, true)
}

// ExpireHandoff ends an attempt whose AE let the second window pass, and says what comes next:
// the first expiry is reassigned, a second one (the reassigned AE ignored it too) goes to the
// fallback queue. An answer recorded in the meantime wins and is returned instead.
func (d *Service) ExpireHandoff(ctx context.Context, in HandoffRef) (HandoffAnswer, error) {
	if _, err := d.getHandoff(ctx, in.HandoffID); err != nil {
		return HandoffAnswer{}, err
	}
	now := d.Clock.Now()
	var counted []string
	h, err := d.Store.UpdateHandoff(ctx, in.HandoffID, func(x domain.Handoff) (domain.Handoff, error) {
		counted = nil
		if in.Attempt < 1 || in.Attempt > len(x.Attempts) {
			return x, platform.ErrBadInput{Reason: fmt.Sprintf("handoff %s has no attempt %d", x.ID, in.Attempt)}
		}
		a := &x.Attempts[in.Attempt-1]
		if a.Outcome != "" || !x.Status.Open() {
			return x, nil
		}
		a.Outcome, a.EndedAt = domain.HandoffExpired, &now
		counted, a.Counted = a.Counted, nil
		x.UpdatedAt = now
		return x, nil
	})
	var bad platform.ErrBadInput
	if errors.As(err, &bad) {
		return HandoffAnswer{}, bad
	}
	if err != nil {
		return HandoffAnswer{}, platform.ErrStoreUnavailable{Op: "expire handoff: " + err.Error()}
	}
	d.creditBack(ctx, h.ID, counted)
	ans, _ := answerOf(h, in.Attempt)
	if ans.Outcome == OutcomeExpired {
		expired := 0
		for _, a := range h.Attempts {
			if a.Outcome == domain.HandoffExpired {
				expired++
			}
		}
		ans.Next = "reassign"
		if expired >= 2 {
			ans.Next = "queue"
		}
		d.Log.Info("handoff expired", "handoff_id", h.ID, "lead_id", h.LeadID, "ae_id", ans.AEID, "next", ans.Next)
	}
	return ans, nil
}

// HandoffDeclined tells the SDR that an AE declined, and why; the workflow then asks the next AE.
func (d *Service) HandoffDeclined(ctx context.Context, in HandoffRef) (notify.Sent, error) {
	h, err := d.getHandoff(ctx, in.HandoffID)
	if err != nil {
		return notify.Sent{}, err
	}
	if in.Attempt < 1 || in.Attempt > len(h.Attempts) {
		return notify.Sent{}, platform.ErrBadInput{Reason: fmt.Sprintf("handoff %s has no attempt %d", h.ID, in.Attempt)}
	}
	return d.sendDeclinedToSDR(ctx, h, in.Attempt)
}

// HandoffDeal is what AcceptHandoff returns to the workflow.
type HandoffDeal struct {
	DealID  string `json:"dealId"`
	AEID    string `json:"aeId"`
	LeadID  string `json:"leadId"`
	Attempt int    `json:"attempt"`
}

// AcceptHandoff turns an accepted handoff into a deal in the first stage of the default pipeline,
// owned by the AE, with the SDR's notes; then tells the SDR. The deal id follows from the handoff
// id, so a retry finds the deal it created.
func (d *Service) AcceptHandoff(ctx context.Context, in HandoffRef) (HandoffDeal, error) {
	h, err := d.getHandoff(ctx, in.HandoffID)
	if err != nil {
		return HandoffDeal{}, err
	}
	if h.Status != domain.HandoffAccepted {
		return HandoffDeal{}, platform.ErrBadInput{Reason: fmt.Sprintf("handoff %s is %s, not accepted", h.ID, h.Status)}
	}
	l, err := platform.LoadLead(ctx, d.Store, d.Log, h.LeadID)
	if err != nil {
		return HandoffDeal{}, err
	}
	ae, ok := d.Org.Rep(h.AcceptedBy)
	if !ok {
		return HandoffDeal{}, platform.ErrRepNotFound{ID: h.AcceptedBy}
	}
	pipe, ok := d.Org.Pipeline("")
	if !ok || len(pipe.Stages) == 0 {
		return HandoffDeal{}, platform.ErrBadInput{Reason: "the org file has no pipeline with stages"}
	}
	now := d.Clock.Now()
	name, why := deal.CleanDealName(leadtext.Label(l))
	if why != "" {
		name = l.ID
	}
	// The deal is in the org currency until the AE prices it, so the digests count it.
	deal := domain.Deal{ID: "deal_" + h.ID, Name: name, Source: "handoff", Pipeline: pipe.ID, Status: domain.DealOpen,
		Amount: domain.Money{Currency: d.Org.Settings.Currency}, OwnerID: ae.ID, TeamID: ae.Team, AccountID: l.AccountID, LeadID: l.ID, HandoffID: h.ID, SDRID: h.SDRID, SDRNotes: h.Notes,
		CreatedAt: now, UpdatedAt: now}
	if err := deal.EnterStage(pipe.Stages[0].ID, now); err != nil {
		return HandoffDeal{}, platform.ErrBadInput{Reason: err.Error()}
	}
	evID := deal.ID + "-created"
	ev := store.NewEvent(events.DealCreated, evID, dealCreatedDetail(deal, evID, now))
	if _, err := d.Store.CreateDeal(ctx, deal, ev); err != nil && !errors.Is(err, store.ErrAlreadyExists) {
		return HandoffDeal{}, platform.ErrStoreUnavailable{Op: "create deal: " + err.Error()}
	}
	if h.DealID == "" {
		if h, err = d.Store.UpdateHandoff(ctx, h.ID, func(x domain.Handoff) (domain.Handoff, error) {
			x.DealID, x.UpdatedAt = deal.ID, now
			return x, nil
		}); err != nil {
			return HandoffDeal{}, platform.ErrStoreUnavailable{Op: "update handoff: " + err.Error()}
		}
	}
	d.releaseHandoffClaim(ctx, h)
	d.setLeadStatus(ctx, l.ID, domain.LeadConverted, deal.ID)
	n := 0
	for i, a := range h.Attempts {
		if a.Outcome == domain.HandoffAccepted {
			n = i + 1
		}
	}
	if _, err := d.sendAcceptedToSDR(ctx, h, l, ae, deal); err != nil {
		return HandoffDeal{}, err
	}
	d.Log.Info("handoff accepted: deal created", "handoff_id", h.ID, "lead_id", l.ID, "deal_id", deal.ID, "ae_id", ae.ID)
	return HandoffDeal{DealID: deal.ID, AEID: ae.ID, LeadID: l.ID, Attempt: n}, nil
}

// HandoffQueued is what QueueHandoff returns to the workflow.
type HandoffQueued struct {
	Queue string `json:"queue"`
	// AEID is the last AE asked ("" when none was).
	AEID   string `json:"aeId"`
	LeadID string `json:"leadId"`
}

// QueueHandoff ends a handoff no AE took: it expires, the lead goes to the org's fallback queue,
// and the manager is told (the last AE's, else the SDR's, else the fallback rep), with the SDR
// copied.
func (d *Service) QueueHandoff(ctx context.Context, in HandoffRef) (HandoffQueued, error) {
	h, err := d.getHandoff(ctx, in.HandoffID)
	if err != nil {
		return HandoffQueued{}, err
	}
	q := d.Org.Routing.Fallback.Queue
	if q == "" {
		q = "unassigned"
	}
	now := d.Clock.Now()
	var counted []string
	h, err = d.Store.UpdateHandoff(ctx, h.ID, func(x domain.Handoff) (domain.Handoff, error) {
		counted = nil
		if x.Status != domain.HandoffRequested {
			return x, nil
		}
		if n := len(x.Attempts); n > 0 && x.Attempts[n-1].Outcome == "" {
			a := &x.Attempts[n-1]
			a.Outcome, a.EndedAt = domain.HandoffExpired, &now
			counted, a.Counted = a.Counted, nil
		}
		x.Status, x.UpdatedAt = domain.HandoffExpired, now
		return x, nil
	})
	if err != nil {
		return HandoffQueued{}, platform.ErrStoreUnavailable{Op: "expire handoff: " + err.Error()}
	}
	d.creditBack(ctx, h.ID, counted)
	out := HandoffQueued{Queue: q, LeadID: h.LeadID}
	if n := len(h.Attempts); n > 0 {
		out.AEID = h.Attempts[n-1].AEID
	}
	if h.Status != domain.HandoffExpired {
		return out, nil // accepted or withdrawn meanwhile: nothing to queue
	}
	l, err := d.Store.UpdateLead(ctx, h.LeadID, func(x domain.Lead) (domain.Lead, error) {
		x.Queue, x.UpdatedAt = q, now
		if x.Status == domain.LeadHandedOff {
			x.Status = domain.LeadRouted // to the queue: routed again, no AE pending
		}
		return x, nil
	})
	if errors.Is(err, store.ErrNotFound) {
		l = domain.Lead{ID: h.LeadID} // the lead is gone; the manager still hears of the handoff
	} else if err != nil {
		return out, platform.ErrStoreUnavailable{Op: "queue lead: " + err.Error()}
	}
	d.releaseHandoffClaim(ctx, h)
	if _, err := d.sendQueuedToManager(ctx, h, l, q); err != nil {
		return out, err
	}
	d.Log.Warn("handoff not accepted: lead sent to fallback queue", "handoff_id", h.ID, "lead_id", h.LeadID, "queue", q)
	return out, nil
}
