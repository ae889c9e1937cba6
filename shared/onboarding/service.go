package onboarding

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workhours"
)

// OnboardingStartInput is what the Deal Closed Won rule hands the cs-onboarding workflow.
type OnboardingStartInput struct {
	DealID  string `json:"dealId"`
	EventID string `json:"eventId"`
}

// OnboardingStarted tells the workflow whether there is an onboarding to drive.
type OnboardingStarted struct {
	OnboardingID string `json:"onboardingId"`
	Started      bool   `json:"started"`
	CSMID        string `json:"csmId,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// errMilestoneHandled aborts a milestone update another run already made.
var errMilestoneHandled = errors.New("milestone already handled")

// ErrDealNotFound: the deal does not exist; retrying will not help.
type ErrDealNotFound struct{ ID string }

func (e ErrDealNotFound) Error() string { return fmt.Sprintf("deal %s not found", e.ID) }

// ErrNoOnboardingPlan: the org file has no onboarding plan; fix the file, retrying will not help.
type ErrNoOnboardingPlan struct{}

func (ErrNoOnboardingPlan) Error() string { return "the org file has no onboarding_plans" }

// ErrNoCSMAvailable: routing found no CSM for the customer (no onboarding rule or pool member).
type ErrNoCSMAvailable struct{ DealID, Why string }

func (e ErrNoCSMAvailable) Error() string {
	return fmt.Sprintf("no CSM for deal %s: %s", e.DealID, e.Why)
}

// OnboardingID is the one onboarding a deal can have.
func OnboardingID(dealID string) string { return "onb_" + dealID }

// StartOnboarding turns a won deal into an onboarding: a CSM by the routing rules of stage
// onboarding (segment and territory, round-robin, passing over CSMs at capacity), the plan's
// milestones in the CSM's business days, Onboarding Started, and the AE→CSM handoff note. A deal
// is onboarded once: the first Deal Closed Won event claims it, so a deal reopened and won again
// (a new event) starts nothing, while a retry of the same event finishes what it started.
func (d *Service) StartOnboarding(ctx context.Context, in OnboardingStartInput) (OnboardingStarted, error) {
	if in.DealID == "" || in.EventID == "" {
		return OnboardingStarted{}, platform.ErrBadInput{Reason: "dealId and eventId are required"}
	}
	deal, err := d.Store.GetDeal(ctx, in.DealID)
	if errors.Is(err, store.ErrNotFound) {
		return OnboardingStarted{}, ErrDealNotFound{ID: in.DealID}
	} else if err != nil {
		return OnboardingStarted{}, platform.ErrStoreUnavailable{Op: "get deal: " + err.Error()}
	}
	id := OnboardingID(deal.ID)
	claim, _, err := d.Store.PutIdempotencyKey(ctx, "onboarding-start:"+deal.ID, in.EventID, 0)
	if err != nil {
		return OnboardingStarted{}, platform.ErrStoreUnavailable{Op: "claim onboarding: " + err.Error()}
	}
	if claim != in.EventID {
		return OnboardingStarted{OnboardingID: id, Reason: "the deal was won before and already has its onboarding"}, nil
	}
	o, err := d.Store.GetOnboarding(ctx, id)
	if err == nil {
		return OnboardingStarted{OnboardingID: id, Started: true, CSMID: o.CSMID}, d.sendHandoffNote(ctx, o, deal)
	} else if !errors.Is(err, store.ErrNotFound) {
		return OnboardingStarted{}, platform.ErrStoreUnavailable{Op: "get onboarding: " + err.Error()}
	}
	if deal.Status != domain.DealWon {
		// Reopened (or lost) before the workflow ran: nothing to onboard; release the claim so
		// the win that comes later starts it.
		if err := d.Store.ReleaseIdempotencyKey(ctx, "onboarding-start:"+deal.ID, in.EventID); err != nil {
			return OnboardingStarted{}, platform.ErrStoreUnavailable{Op: "release onboarding claim: " + err.Error()}
		}
		return OnboardingStarted{OnboardingID: id, Reason: "the deal is no longer won (" + string(deal.Status) + ")"}, nil
	}
	var lead domain.Lead
	if deal.LeadID != "" {
		if l, err := d.Store.GetLead(ctx, deal.LeadID); err == nil {
			lead = l
		}
	}
	plan, ok := SelectPlan(d.Org, lead.Employees)
	if !ok {
		return OnboardingStarted{}, ErrNoOnboardingPlan{}
	}
	now := d.Clock.Now()
	dec, csm, err := d.assignCSM(ctx, deal, lead, now)
	if err != nil {
		return OnboardingStarted{}, err
	}
	cal, err := workhours.ForRep(d.Org, *csm)
	if err != nil {
		return OnboardingStarted{}, platform.ErrBadInput{Reason: err.Error()}
	}
	start := now
	if deal.ClosedAt != nil {
		start = *deal.ClosedAt
	}
	o = domain.Onboarding{ID: id, DealID: deal.ID, AccountID: deal.AccountID, CSMID: csm.ID, AEID: deal.OwnerID, Plan: plan.ID,
		Milestones: Milestones(plan, cal, start), Status: domain.OnboardingActive, StartedAt: now, UpdatedAt: now}
	o.HandoffNote = d.handoffNoteText(ctx, d.Org.RepLocale(csm), o, deal, lead)
	detail, _ := json.Marshal(events.OnboardingStartedDetail{Meta: events.Meta{ID: id + "-started", OccurredAt: now},
		OnboardingID: id, DealID: deal.ID, CSMID: csm.ID})
	o, err = d.Store.CreateOnboarding(ctx, o, store.OutboxEvent{ID: id + "-started", DetailType: events.OnboardingStarted, Detail: detail})
	if errors.Is(err, store.ErrAlreadyExists) {
		_ = d.router.CreditBack(ctx, dec) // a concurrent run created it
		if o, err = d.Store.GetOnboarding(ctx, id); err != nil {
			return OnboardingStarted{}, platform.ErrStoreUnavailable{Op: "get onboarding: " + err.Error()}
		}
	} else if err != nil {
		_ = d.router.CreditBack(ctx, dec)
		return OnboardingStarted{}, platform.ErrStoreUnavailable{Op: "create onboarding: " + err.Error()}
	}
	d.Log.Info("onboarding started", "onboarding_id", id, "deal_id", deal.ID, "csm_id", o.CSMID, "plan", o.Plan, "why", dec.Explanation)
	return OnboardingStarted{OnboardingID: id, Started: true, CSMID: o.CSMID}, d.sendHandoffNote(ctx, o, deal)
}

// assignCSM routes the customer with the org's onboarding rules. CSMs at their capacity (active
// onboardings) are passed over; when every CSM is full the customer still gets one by the
// normal round-robin rather than waiting, and the explanation says so.
func (d *Service) assignCSM(ctx context.Context, deal domain.Deal, lead domain.Lead, now time.Time) (routing.Decision, *domain.Rep, error) {
	subject := lead
	if subject.Country == "" {
		// A deal without a lead (API, HubSpot) is onboarded in its AE's territory.
		if ae, ok := d.Org.Rep(deal.OwnerID); ok {
			if t, ok := d.Org.Territory(ae.Territory); ok && len(t.Countries) > 0 {
				subject.Country = t.Countries[0]
			}
		}
	}
	var full []string
	for _, r := range d.Org.Reps {
		if r.Role != domain.RoleCSM || r.Capacity <= 0 {
			continue
		}
		os, err := store.AppendAll(nil, func(p store.Page) ([]domain.Onboarding, string, error) {
			return d.Store.ListOnboardingsByCSM(ctx, r.ID, p)
		})
		if err != nil {
			return routing.Decision{}, nil, platform.ErrStoreUnavailable{Op: "list onboardings: " + err.Error()}
		}
		if OpenCount(os) >= r.Capacity {
			full = append(full, r.ID)
		}
	}
	r := d.router
	s := routing.Subject{Lead: subject}
	dec, err := r.Route(ctx, domain.RouteOnboarding, s, now, full...)
	if err != nil {
		return dec, nil, platform.ErrStoreUnavailable{Op: "route onboarding: " + err.Error()}
	}
	if dec.OwnerID == "" && len(full) > 0 {
		if dec, err = r.Route(ctx, domain.RouteOnboarding, s, now); err != nil {
			return dec, nil, platform.ErrStoreUnavailable{Op: "route onboarding: " + err.Error()}
		}
		dec.Explanation = "every CSM is at capacity; " + dec.Explanation
	}
	csm, ok := d.Org.Rep(dec.OwnerID)
	if !ok {
		return dec, nil, ErrNoCSMAvailable{DealID: deal.ID, Why: dec.Explanation}
	}
	return dec, csm, nil
}

// handoffNoteText is what the AE hands over: the deal, the contact, the qualification and what
// was promised (the SDR's notes, proposals and meetings logged on the deal), and the plan.
func (d *Service) handoffNoteText(ctx context.Context, loc string, o domain.Onboarding, deal domain.Deal, lead domain.Lead) string {
	tz := time.UTC
	if csm, ok := d.Org.Rep(o.CSMID); ok {
		tz = csm.Location()
	}
	var b strings.Builder
	line := func(key, v string) {
		if strings.TrimSpace(v) != "" {
			fmt.Fprintf(&b, "%s: %s\n", i18n.T(loc, key), v)
		}
	}
	if deal.Amount.Currency != "" {
		line("onboarding.field.amount", i18n.Money(loc, deal.Amount.AmountMinor, deal.Amount.Currency))
	}
	if deal.ClosedAt != nil {
		line("onboarding.field.won", i18n.Date(loc, *deal.ClosedAt, tz))
	}
	if ae, ok := d.Org.Rep(deal.OwnerID); ok {
		line("onboarding.field.ae", ae.Name+" <"+ae.Email+">")
	}
	if lead.ID != "" {
		contact := notify.JoinWords(lead.Name, "<"+lead.Email+">")
		if lead.Title != "" {
			contact += ", " + lead.Title
		}
		if lead.Phone != "" {
			contact += ", " + lead.Phone
		}
		line("onboarding.field.contact", contact)
	}
	if len(deal.SDRNotes.Fields) > 0 {
		keys := make([]string, 0, len(deal.SDRNotes.Fields))
		for k := range deal.SDRNotes.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+": "+deal.SDRNotes.Fields[k])
		}
		line("onboarding.field.qualification", strings.Join(parts, "; "))
	}
	var promised []string
	if deal.SDRNotes.Text != "" {
		promised = append(promised, deal.SDRNotes.Text)
	}
	if acts, _, err := d.Store.ListActivitiesByDeal(ctx, deal.ID, store.Page{Limit: store.MaxPageSize}); err == nil {
		for _, a := range acts {
			if a.Type == domain.ActivityProposalSent || a.Type == domain.ActivityMeeting {
				if t := notify.JoinWords(a.Subject, a.Notes); t != "" {
					promised = append(promised, i18n.Date(loc, a.At, tz)+": "+t)
				}
			}
		}
	}
	if n := len(promised); n > 8 {
		promised = promised[n-8:]
	}
	line("onboarding.field.promised", strings.Join(promised, "\n  "))
	line("onboarding.field.next_step", deal.NextStep)
	planName := o.Plan
	if p, ok := PlanByID(d.Org, o.Plan); ok && p.Name != "" {
		planName = p.Name
	}
	fmt.Fprintf(&b, "\n%s\n", i18n.T(loc, "onboarding.plan", planName))
	for _, m := range o.Milestones {
		fmt.Fprintf(&b, "  • %s\n", i18n.T(loc, "onboarding.milestone.line", m.Name, i18n.DateTime(loc, m.DueAt, tz)))
	}
	return b.String()
}

// sendHandoffNote emails the note to the CSM with the AE in copy, once per
func (d *Service) sendHandoffNote(ctx context.Context, o domain.Onboarding, deal domain.Deal) error {
	csm, ok := d.Org.Rep(o.CSMID)
	if !ok {
		return platform.ErrRepNotFound{ID: o.CSMID}
	}
	loc := d.Org.RepLocale(csm)
	aeName := deal.OwnerID
	var cc []string
	if ae, ok := d.Org.Rep(deal.OwnerID); ok {
		aeName = ae.Name
		cc = append(cc, ae.Email)
	}
	text := strings.Join([]string{i18n.T(loc, "deals.greeting", csm.Name), i18n.T(loc, "onboarding.handoff.intro", aeName, deal.Name), "",
		o.HandoffNote, i18n.T(loc, "footer.sent_by")}, "\n")
	_, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{csm.Email}, Cc: cc,
		Subject: i18n.T(loc, "onboarding.handoff.subject", deal.Name), Text: text, IdempotencyKey: "onboarding-handoff:" + o.ID,
		Refs: map[string]string{"onboardingId": o.ID, "dealId": deal.ID}})
	if err != nil {
		return fmt.Errorf("send handoff note of onboarding %s: %w", o.ID, err)
	}
	return nil
}

// OnboardingRef names an
type OnboardingRef struct {
	OnboardingID string `json:"onboardingId"`
}

// ErrOnboardingNotFound: the onboarding does not exist; retrying will not help.
type ErrOnboardingNotFound struct{ ID string }

func (e ErrOnboardingNotFound) Error() string { return fmt.Sprintf("onboarding %s not found", e.ID) }

func (d *Service) getOnboarding(ctx context.Context, id string) (domain.Onboarding, domain.OnboardingPlan, *workhours.Calendar, error) {
	o, err := d.Store.GetOnboarding(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return o, domain.OnboardingPlan{}, nil, ErrOnboardingNotFound{ID: id}
	} else if err != nil {
		return o, domain.OnboardingPlan{}, nil, platform.ErrStoreUnavailable{Op: "get onboarding: " + err.Error()}
	}
	plan, _ := PlanByID(d.Org, o.Plan) // a plan removed from the file: no escalations
	_, cal, err := platform.RepCalendar(d.Org, o.CSMID)
	if err != nil {
		return o, plan, nil, err
	}
	return o, plan, cal, nil
}

// NextOnboardingStep tells the workflow what to wait for next (Next).
func (d *Service) NextOnboardingStep(ctx context.Context, in OnboardingRef) (Step, error) {
	o, plan, cal, err := d.getOnboarding(ctx, in.OnboardingID)
	if err != nil {
		return Step{}, err
	}
	return Next(o, plan, cal), nil
}

// MilestoneCheck is the workflow's check after a wait.
type MilestoneCheck struct {
	OnboardingID string `json:"onboardingId"`
	Action       string `json:"action"`
	Milestone    string `json:"milestone"`
}

// MilestoneChecked says what the check did.
type MilestoneChecked struct {
	Done     bool   `json:"done"`
	Notified string `json:"notified,omitempty"` // rep id reminded or told
}

// CheckMilestone runs after the workflow waited for a milestone: if it is still open, the CSM is
// reminded (at the due time, with Onboarding Milestone Due) or their manager told (when overdue).
// The email goes first and is keyed, then the mark: a retry never sends twice nor skips one.
func (d *Service) CheckMilestone(ctx context.Context, in MilestoneCheck) (MilestoneChecked, error) {
	o, plan, cal, err := d.getOnboarding(ctx, in.OnboardingID)
	if err != nil {
		return MilestoneChecked{}, err
	}
	i := slices.IndexFunc(o.Milestones, func(m domain.OnboardingMilestone) bool { return m.Key == in.Milestone })
	if i < 0 {
		return MilestoneChecked{}, platform.ErrBadInput{Reason: fmt.Sprintf("onboarding %s has no milestone %q", o.ID, in.Milestone)}
	}
	m := o.Milestones[i]
	now := d.Clock.Now()
	if m.DoneAt != nil || o.Status != domain.OnboardingActive {
		return MilestoneChecked{Done: true}, nil
	}
	csm, ok := d.Org.Rep(o.CSMID)
	if !ok {
		return MilestoneChecked{}, platform.ErrRepNotFound{ID: o.CSMID}
	}
	deal, err := d.Store.GetDeal(ctx, o.DealID)
	if err != nil {
		return MilestoneChecked{}, platform.ErrStoreUnavailable{Op: "get deal: " + err.Error()}
	}
	var evs []store.OutboxEvent
	var notified string
	switch in.Action {
	case ActionRemind:
		if m.RemindedAt != nil || now.Before(m.DueAt) {
			return MilestoneChecked{}, nil
		}
		escalateAt, escalates := EscalateAt(m, plan, cal)
		loc, tz := d.Org.RepLocale(csm), cal.Location()
		body := []string{i18n.T(loc, "deals.greeting", csm.Name), i18n.T(loc, "onboarding.remind.body", m.Name, deal.Name, i18n.DateTime(loc, m.DueAt, tz))}
		if escalates {
			body = append(body, i18n.T(loc, "onboarding.remind.how", i18n.DateTime(loc, escalateAt, tz)))
		}
		body = append(body, "", i18n.T(loc, "footer.sent_by"))
		if _, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{csm.Email},
			Subject: i18n.T(loc, "onboarding.remind.subject", m.Name, deal.Name), Text: strings.Join(body, "\n"),
			IdempotencyKey: "onboarding-remind:" + o.ID + ":" + m.Key, Refs: map[string]string{"onboardingId": o.ID, "milestone": m.Key}}); err != nil {
			return MilestoneChecked{}, fmt.Errorf("remind CSM of onboarding %s: %w", o.ID, err)
		}
		evID := o.ID + "-" + m.Key + "-due"
		detail, _ := json.Marshal(events.OnboardingMilestoneDueDetail{Meta: events.Meta{ID: evID, OccurredAt: now},
			OnboardingID: o.ID, Milestone: m.Key, CSMID: csm.ID, DueAt: m.DueAt})
		evs = append(evs, store.OutboxEvent{ID: evID, DetailType: events.OnboardingMilestoneDue, Detail: detail})
		notified = csm.ID
	case ActionEscalate:
		at, ok := EscalateAt(m, plan, cal)
		if m.EscalatedAt != nil || !ok || now.Before(at) {
			return MilestoneChecked{}, nil
		}
		mgr, ok := d.Org.ManagerOf(csm.ID)
		if ok {
			loc := d.Org.RepLocale(mgr)
			tz := mgr.Location()
			if _, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{mgr.Email}, Cc: []string{csm.Email},
				Subject: i18n.T(loc, "onboarding.escalate.subject", m.Name, deal.Name),
				Text: strings.Join([]string{i18n.T(loc, "deals.greeting", mgr.Name),
					i18n.T(loc, "onboarding.escalate.body", csm.Name, m.Name, deal.Name, i18n.DateTime(loc, m.DueAt, tz)), "", i18n.T(loc, "footer.sent_by")}, "\n"),
				IdempotencyKey: "onboarding-escalate:" + o.ID + ":" + m.Key, Refs: map[string]string{"onboardingId": o.ID, "milestone": m.Key}}); err != nil {
				return MilestoneChecked{}, fmt.Errorf("escalate onboarding %s: %w", o.ID, err)
			}
			notified = mgr.ID
		}
	default:
		return MilestoneChecked{}, platform.ErrBadInput{Reason: fmt.Sprintf("unknown action %q", in.Action)}
	}
	_, err = d.Store.UpdateOnboarding(ctx, o.ID, func(x domain.Onboarding) (domain.Onboarding, error) {
		j := slices.IndexFunc(x.Milestones, func(m domain.OnboardingMilestone) bool { return m.Key == in.Milestone })
		if j < 0 {
			return x, errMilestoneHandled
		}
		x.Milestones = slices.Clone(x.Milestones)
		switch {
		case in.Action == ActionRemind && x.Milestones[j].RemindedAt == nil:
			x.Milestones[j].RemindedAt = &now
		case in.Action == ActionEscalate && x.Milestones[j].EscalatedAt == nil:
			x.Milestones[j].EscalatedAt = &now
		default:
			return x, errMilestoneHandled
		}
		x.UpdatedAt = now
		return x, nil
	}, evs...)
	if err != nil && !errors.Is(err, errMilestoneHandled) {
		return MilestoneChecked{}, platform.ErrStoreUnavailable{Op: "mark milestone: " + err.Error()}
	}
	return MilestoneChecked{Notified: notified}, nil
}

// CompleteMilestone marks a milestone done; the last open one completes the onboarding and emits
// Onboarding Completed in the same write. Completing twice changes nothing.
func (d *Service) CompleteMilestone(ctx context.Context, id, key, by string, at time.Time) (domain.Onboarding, error) {
	for attempt := 0; ; attempt++ {
		old, err := d.Store.GetOnboarding(ctx, id)
		if err != nil {
			return old, fmt.Errorf("onboarding %s: %w", id, err)
		}
		if by == "" {
			by = old.CSMID
		}
		next, completed, err := Complete(old, key, by, at)
		if errors.Is(err, ErrUnknownMilestone) {
			return old, &httpapi.Error{Status: http.StatusNotFound, Code: "NotFound", Message: err.Error()}
		}
		if err != nil {
			return old, err
		}
		if i := slices.IndexFunc(old.Milestones, func(m domain.OnboardingMilestone) bool { return m.Key == key }); old.Milestones[i].DoneAt != nil {
			return old, nil // already done: the first completion stands
		}
		var evs []store.OutboxEvent
		if completed {
			detail, _ := json.Marshal(events.OnboardingCompletedDetail{Meta: events.Meta{ID: id + "-completed", OccurredAt: at},
				OnboardingID: id, DealID: old.DealID, CSMID: old.CSMID})
			evs = append(evs, store.OutboxEvent{ID: id + "-completed", DetailType: events.OnboardingCompleted, Detail: detail})
		}
		got, err := d.Store.UpdateOnboarding(ctx, id, func(cur domain.Onboarding) (domain.Onboarding, error) {
			if cur.Version != old.Version {
				return cur, store.ErrConflict
			}
			return next, nil
		}, evs...)
		if errors.Is(err, store.ErrConflict) && attempt < 8 {
			continue
		}
		if err != nil {
			return got, fmt.Errorf("complete milestone %s of onboarding %s: %w", key, id, err)
		}
		if completed {
			d.Log.Info("onboarding completed", "onboarding_id", id, "deal_id", got.DealID)
		}
		return got, nil
	}
}

func (ds *Service) postMilestoneComplete(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := httpapi.JSONFields(body, "by", "at")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &httpapi.Fields{M: m}
	by, at := identity.Self(r.Context(), f.Str("by")), f.Timestamp("at")
	now := ds.Clock.Now()
	if by != "" {
		if _, ok := ds.Org.Rep(by); !ok {
			f.Fail("by", fmt.Sprintf("no rep %q in the org file", by))
		}
	}
	when := now
	if at != nil {
		if when = at.UTC(); when.After(now.Add(domain.MaxClockSkew)) {
			f.Fail("at", "is in the future")
		}
	}
	if len(f.Errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidCompletion", "the completion has invalid fields", f.Errs...))
		return
	}
	if cur, err := ds.Store.GetOnboarding(r.Context(), r.PathValue("id")); err == nil {
		if err := identity.Check(r.Context(), identity.OnboardingUpdate, identity.ObjectOf(ds.Org, cur.CSMID)); err != nil {
			httpapi.AnswerError(w, ds.Log, "complete milestone", err)
			return
		}
	}
	o, err := ds.CompleteMilestone(r.Context(), r.PathValue("id"), r.PathValue("milestone"), by, when)
	if err != nil {
		httpapi.AnswerError(w, ds.Log, "complete milestone", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, o)
}
