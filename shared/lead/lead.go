package lead

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/lead/leadtext"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
)

// LeadRef is the task input of the lead-qualification workflow's tasks.
type LeadRef struct {
	LeadID string `json:"leadId"`
}

// Qualification is what the Qualify task returns to the workflow.
type Qualification struct {
	Status string `json:"status"` // qualified or disqualified
	Grade  string `json:"grade"`  // "", mql or sql
	Score  int    `json:"score"`
	Reason string `json:"reason"`
}

func (d *Service) getLead(ctx context.Context, id string) (domain.Lead, error) {
	return platform.LoadLead(ctx, d.Store, d.Log, id)
}

// QualifyLead matches the lead to an account by email domain and scores it with the org's model,
// storing the score explanation. Idempotent: a lead already qualified keeps its result.
func (d *Service) QualifyLead(ctx context.Context, in LeadRef) (Qualification, error) {
	l, err := d.getLead(ctx, in.LeadID)
	if err != nil {
		return Qualification{}, err
	}
	if l.Status != domain.LeadNew && l.Status != "" {
		return qualificationOf(l), nil
	}
	var accountID string
	if l.Domain != "" {
		var cands []domain.Account
		for _, dom := range parentDomains(l.Domain) {
			a, err := d.Store.GetAccountByDomain(ctx, dom)
			if err == nil {
				cands = append(cands, a)
			} else if !errors.Is(err, store.ErrNotFound) {
				return Qualification{}, platform.ErrStoreUnavailable{Op: "get account"}
			}
		}
		if m, ok := qualify.MatchAccount(l, cands); ok {
			accountID = m.Account.ID
		}
	}
	now := d.Clock.Now()
	res := ScoringModel(d.Org.Scoring, d.Org.Competitors...).Score(l, nil, now)
	l, err = d.Store.UpdateLead(ctx, l.ID, func(old domain.Lead) (domain.Lead, error) {
		if old.Status != domain.LeadNew && old.Status != "" {
			return old, nil // a concurrent run got here first
		}
		res.Apply(&old)
		old.AccountID = accountID
		old.QualifiedAt = &now
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		return Qualification{}, platform.ErrStoreUnavailable{Op: "update lead"}
	}
	d.Log.Info("lead qualified", "lead_id", l.ID, "status", l.Status, "score", l.Score, "grade", l.Grade)
	return qualificationOf(l), nil
}

func qualificationOf(l domain.Lead) Qualification {
	q := Qualification{Status: string(domain.LeadQualified), Grade: string(l.Grade), Score: l.Score}
	if l.Status == domain.LeadDisqualified {
		q.Status, q.Reason = string(domain.LeadDisqualified), l.DisqualifyReason
	}
	return q
}

// parentDomains lists a domain and its parents down to two labels: emea.acme.com, acme.com.
func parentDomains(d string) []string {
	var out []string
	for {
		out = append(out, d)
		i := strings.IndexByte(d, '.')
		if i < 0 || strings.Count(d, ".") < 2 {
			return out
		}
		d = d[i+1:]
	}
}

// RouteLead assigns the lead with the org's routing rules and stores the decision and its
// explanation. Idempotent: a routed lead keeps its owner, and a lost race credits the counters back.
func (d *Service) RouteLead(ctx context.Context, in LeadRef) (routing.Decision, error) {
	l, err := d.getLead(ctx, in.LeadID)
	if err != nil {
		return routing.Decision{}, err
	}
	if l.Status == domain.LeadRouted {
		return decisionOf(l), nil
	}
	var owner string
	if l.AccountID != "" {
		if a, err := d.Store.GetAccount(ctx, l.AccountID); err == nil {
			owner = a.OwnerID
		}
	}
	r := d.router
	now := d.Clock.Now()
	dec, err := r.Route(ctx, domain.RouteLead, routing.Subject{Lead: l, AccountOwner: owner}, now)
	if err != nil {
		return routing.Decision{}, platform.ErrStoreUnavailable{Op: "route lead: " + err.Error()}
	}
	lost := false
	l, err = d.Store.UpdateLead(ctx, l.ID, func(old domain.Lead) (domain.Lead, error) {
		if old.Status == domain.LeadRouted {
			lost = true
			return old, nil
		}
		old.Status = domain.LeadRouted
		old.OwnerID = dec.OwnerID
		old.RoutingRule = dec.Rule
		old.RoutingExplanation = dec.Explanation
		if dec.Queue != "" {
			old.Queue = dec.Queue
		}
		old.RoutingCounters = dec.Counted
		old.RoutedAt = &now
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		_ = r.CreditBack(ctx, dec)
		return routing.Decision{}, platform.ErrStoreUnavailable{Op: "update lead"}
	}
	if lost {
		if err := r.CreditBack(ctx, dec); err != nil {
			d.Log.Error("credit back failed", "lead_id", l.ID, "error", err.Error())
		}
	}
	d.Log.Info("lead routed", "lead_id", l.ID, "owner_id", l.OwnerID, "queue", l.Queue, "rule", l.RoutingRule)
	return decisionOf(l), nil
}

func decisionOf(l domain.Lead) routing.Decision {
	return routing.Decision{OwnerID: l.OwnerID, Queue: l.Queue, Rule: l.RoutingRule, Explanation: l.RoutingExplanation, Counted: l.RoutingCounters}
}

// NotifyOwner emails the lead's owner (or, for a queued lead, the fallback rep) once per lead: the
// idempotency key makes retries and duplicate executions send nothing more.
func (d *Service) NotifyOwner(ctx context.Context, in LeadRef) (notify.Sent, error) {
	l, err := d.getLead(ctx, in.LeadID)
	if err != nil {
		return notify.Sent{}, err
	}
	to, ok := d.Org.Rep(l.OwnerID)
	queued := false
	if !ok {
		if to, ok = d.Org.Rep(d.Org.Routing.Fallback.Rep); !ok {
			d.Log.Warn("lead has no owner and the org has no fallback rep to tell", "lead_id", l.ID, "queue", l.Queue)
			return notify.Sent{}, nil
		}
		queued = true
	}
	msg, err := leadMessage(d, l, to, queued)
	if err != nil {
		return notify.Sent{}, err
	}
	id, err := d.Mailer.Send(ctx, msg)
	if err != nil {
		return notify.Sent{}, fmt.Errorf("notify owner of lead %s: %w", l.ID, err)
	}
	if d.Slack != nil && to.SlackID != "" {
		text := msg.Subject + "\n" + i18n.T(to.Locale, "lead.why.owner") + ": " + l.RoutingExplanation
		if err := d.Slack.Post(ctx, notify.SlackMessage{Text: text, Mention: to.SlackID, IdempotencyKey: "notify-owner:" + l.ID}); err != nil {
			return notify.Sent{}, fmt.Errorf("notify owner of lead %s on Slack: %w", l.ID, err)
		}
	}
	return notify.Sent{MessageID: id}, nil
}

// FallbackInput is what the workflow's Catch hands the fallback task.
type FallbackInput struct {
	LeadID string `json:"leadId"`
	Error  string `json:"error"`
	Cause  string `json:"cause"`
}

// LeadFallback parks a lead that could not be qualified or routed in the fallback queue and
// alerts the fallback rep, so no lead is silently dropped.
func (d *Service) LeadFallback(ctx context.Context, in FallbackInput) (routing.Decision, error) {
	q := d.Org.Routing.Fallback.Queue
	if q == "" {
		q = "unassigned"
	}
	l, err := d.getLead(ctx, in.LeadID)
	if err != nil {
		return routing.Decision{}, err
	}
	now := d.Clock.Now()
	l, err = d.Store.UpdateLead(ctx, l.ID, func(old domain.Lead) (domain.Lead, error) {
		if old.Status == domain.LeadRouted {
			return old, nil
		}
		old.Status = domain.LeadRouted
		old.Queue = q
		old.RoutingRule = "fallback"
		old.RoutingExplanation = fmt.Sprintf("workflow failed (%s) → fallback queue %s", in.Error, q)
		old.RoutedAt = &now
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		return routing.Decision{}, platform.ErrStoreUnavailable{Op: "update lead"}
	}
	d.Log.Error("lead sent to fallback queue", "lead_id", l.ID, "error", in.Error, "cause", leadtext.Truncate(in.Cause, 500))
	if rep, ok := d.Org.Rep(d.Org.Routing.Fallback.Rep); ok {
		loc := rep.Locale
		msg := notify.Message{
			From: platform.From(d.Org), To: []string{rep.Email}, IdempotencyKey: "lead-fallback:" + l.ID,
			Subject: i18n.T(loc, "lead.fallback.subject", leadtext.Label(l)),
			Text: strings.Join([]string{i18n.T(loc, "lead.fallback.intro", q), "",
				i18n.T(loc, "lead.fallback.error") + ": " + in.Error, "", leadtext.Summary(loc, l)}, "\n"),
			Refs: map[string]string{"leadId": l.ID},
		}
		if _, err := d.Mailer.Send(ctx, msg); err != nil {
			return routing.Decision{}, fmt.Errorf("alert fallback rep: %w", err)
		}
	}
	return decisionOf(l), nil
}

func leadMessage(d *Service, l domain.Lead, to *domain.Rep, queued bool) (notify.Message, error) {
	loc := to.Locale
	if loc == "" {
		loc = d.Org.Settings.Locale
	}
	subject := i18n.T(loc, "lead.assigned.subject", leadtext.Label(l), leadtext.Grade(loc, l.Grade), l.Score)
	intro := i18n.T(loc, "lead.assigned.intro")
	if queued {
		subject = i18n.T(loc, "lead.queue.subject", l.Queue, leadtext.Label(l))
		intro = i18n.T(loc, "lead.queue.intro", l.Queue)
	}
	var lines []string
	for _, s := range l.ScoreExplanation {
		lines = append(lines, s.Reason)
	}
	html := leadMailHTML(i18n.T(loc, "lead.assigned.greeting", to.Name), intro, leadtext.Fields(loc, l), i18n.T(loc, "lead.why.score"), lines,
		i18n.T(loc, "lead.why.owner"), l.RoutingExplanation, i18n.T(loc, "footer.sent_by"))
	text := strings.Join([]string{i18n.T(loc, "lead.assigned.greeting", to.Name), intro, "", leadtext.Summary(loc, l),
		i18n.T(loc, "lead.why.score") + ":", "  " + strings.Join(lines, "\n  "), "",
		i18n.T(loc, "lead.why.owner") + ": " + l.RoutingExplanation, "", i18n.T(loc, "footer.sent_by")}, "\n")
	return notify.Message{
		From: platform.From(d.Org), To: []string{to.Email}, Subject: subject, Text: text, HTML: html,
		IdempotencyKey: "notify-owner:" + l.ID, Refs: map[string]string{"leadId": l.ID},
	}, nil
}
