package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/metrics"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store"
)

// DigestRequest is what a digest schedule starts the manager-digest workflow with (the org
// file's digest: id, manager rep id, period kind) plus At, the execution's start time, which
// decides the period: the last complete one before At in the manager's time zone. Retries and a
// schedule that fires twice therefore agree on the period.
type DigestRequest struct {
	DigestID string    `json:"digestId"`
	Manager  string    `json:"manager"`
	Period   string    `json:"period"`
	At       time.Time `json:"at"`
}

// DigestPlan names one manager's digest for one period.
type DigestPlan struct {
	DigestID  string    `json:"digestId"`
	Manager   string    `json:"manager"`
	Period    string    `json:"period"`
	PeriodKey string    `json:"periodKey"`
	At        time.Time `json:"at"`
	// AlreadySent is true when the digest of this period was recorded before.
	AlreadySent bool   `json:"alreadySent"`
	MessageID   string `json:"messageId,omitempty"`
}

// ErrManagerNotFound: the digest names a manager the org file does not have (or who has no
// team); retrying will not help.
type ErrManagerNotFound struct{ ID string }

func (e ErrManagerNotFound) Error() string {
	return fmt.Sprintf("digest manager %s not found (or manages no team) in the org file", e.ID)
}

// digestZone is the digest's time zone: the org file's digest timezone, else the manager's.
func (d *Deps) digestZone(digestID string, mgr *domain.Rep) *time.Location {
	for _, dg := range d.Org.Digests {
		if dg.ID == digestID && dg.Timezone != "" {
			if loc, err := domain.LoadLocation(dg.Timezone); err == nil {
				return loc
			}
		}
	}
	return mgr.Location()
}

func (d *Deps) digestManager(id string) (*domain.Rep, *domain.Team, error) {
	mgr, ok := d.Org.Rep(id)
	if !ok {
		if mgr, ok = d.Org.RepByEmail(id); !ok {
			return nil, nil, ErrManagerNotFound{ID: id}
		}
	}
	for i := range d.Org.Teams {
		if d.Org.Teams[i].Manager == mgr.ID {
			return mgr, &d.Org.Teams[i], nil
		}
	}
	return nil, nil, ErrManagerNotFound{ID: id}
}

// DigestPeriod is the period a digest sent at `at` covers.
func (d *Deps) DigestPeriod(digestID string, mgr *domain.Rep, kind string, at time.Time) (metrics.Period, error) {
	k, err := metrics.ParsePeriodKind(kind)
	if err != nil {
		return metrics.Period{}, ErrBadInput{Reason: err.Error()}
	}
	return metrics.LastComplete(k, at, d.digestZone(digestID, mgr)), nil
}

// PlanDigest resolves the manager and the period and says whether that digest already went out.
func (d *Deps) PlanDigest(ctx context.Context, in DigestRequest) (DigestPlan, error) {
	if in.Manager == "" || in.At.IsZero() {
		return DigestPlan{}, ErrBadInput{Reason: "manager and at are required"}
	}
	mgr, _, err := d.digestManager(in.Manager)
	if err != nil {
		return DigestPlan{}, err
	}
	p, err := d.DigestPeriod(in.DigestID, mgr, in.Period, in.At)
	if err != nil {
		return DigestPlan{}, err
	}
	plan := DigestPlan{DigestID: in.DigestID, Manager: mgr.ID, Period: string(p.Kind), PeriodKey: p.Key(), At: in.At}
	rec, err := d.Store.GetDigest(ctx, mgr.ID, plan.PeriodKey)
	switch {
	case err == nil:
		plan.AlreadySent, plan.MessageID = true, rec.MessageID
	case !errors.Is(err, store.ErrNotFound):
		return DigestPlan{}, ErrStoreUnavailable{Op: "get digest: " + err.Error()}
	}
	return plan, nil
}

// digestKey is the mailer's idempotency key: one email per manager and period, whatever the
// retries and duplicate executions.
func digestKey(manager, periodKey string) string { return "digest:" + manager + ":" + periodKey }

// SendDigest computes, renders and sends the digest of the plan's period. Idempotent: the mail
// is sent at most once per manager and period (the mailer's idempotency key).
func (d *Deps) SendDigest(ctx context.Context, in DigestPlan) (DigestPlan, error) {
	if in.AlreadySent {
		return in, nil
	}
	mgr, team, err := d.digestManager(in.Manager)
	if err != nil {
		return DigestPlan{}, err
	}
	p, err := d.DigestPeriod(in.DigestID, mgr, in.Period, in.At)
	if err != nil {
		return DigestPlan{}, err
	}
	if p.Key() != in.PeriodKey {
		return DigestPlan{}, ErrBadInput{Reason: fmt.Sprintf("period key %s does not match %s at %s", in.PeriodKey, p.Key(), in.At.Format(time.RFC3339))}
	}
	r, err := d.DigestReport(ctx, mgr, team, p, in.At)
	if err != nil {
		return DigestPlan{}, err
	}
	e, err := digest.Render(r, digest.Options{Org: d.Org, Manager: mgr, Team: team, PreferencesURL: d.digestPreferencesURL(mgr)})
	if err != nil {
		return DigestPlan{}, fmt.Errorf("digest %s/%s: %w", mgr.ID, in.PeriodKey, err)
	}
	id, err := d.Mailer.Send(ctx, notify.Message{
		From: d.from(), To: []string{mgr.Email}, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Inline: e.Images,
		IdempotencyKey: digestKey(mgr.ID, in.PeriodKey),
		Refs:           map[string]string{"managerId": mgr.ID, "periodKey": in.PeriodKey, "digestId": in.DigestID},
	})
	if err != nil {
		return DigestPlan{}, fmt.Errorf("send digest %s/%s: %w", mgr.ID, in.PeriodKey, err)
	}
	in.MessageID = id
	d.logger().Info("digest sent", "manager_id", mgr.ID, "period", in.PeriodKey, "message_id", id)
	return in, nil
}

// RecordDigest stores that the digest went out, with a Digest Sent event; a second record of the
// same manager and period changes nothing.
func (d *Deps) RecordDigest(ctx context.Context, in DigestPlan) (DigestPlan, error) {
	if in.Manager == "" || in.PeriodKey == "" {
		return DigestPlan{}, ErrBadInput{Reason: "manager and periodKey are required"}
	}
	now := d.Clock.Now()
	evID := uuid.NewString()
	detail, _ := json.Marshal(events.DigestSentDetail{Meta: events.Meta{ID: evID, OccurredAt: now}, DigestID: in.DigestID,
		ManagerID: in.Manager, Period: in.PeriodKey, MessageID: in.MessageID})
	rec, created, err := d.Store.PutDigest(ctx, domain.DigestRecord{ManagerID: in.Manager, PeriodKey: in.PeriodKey, SentAt: now, MessageID: in.MessageID},
		store.OutboxEvent{ID: evID, DetailType: events.DigestSent, Detail: detail})
	if err != nil {
		return DigestPlan{}, ErrStoreUnavailable{Op: "put digest: " + err.Error()}
	}
	if !created {
		in.AlreadySent, in.MessageID = true, rec.MessageID
	}
	return in, nil
}

func (d *Deps) digestPreferencesURL(mgr *domain.Rep) string {
	base := strings.TrimRight(d.Org.Settings.PublicURL, "/")
	if base == "" {
		return ""
	}
	return base + "/console/digests?manager=" + url.QueryEscape(mgr.ID)
}

func digestFunctions(d *Deps) map[string]any {
	return map[string]any{
		"digest-plan":   d.PlanDigest,
		"digest-send":   d.SendDigest,
		"digest-record": d.RecordDigest,
	}
}

// DigestPreview computes and renders a manager's digest without sending or recording it, for
// `dealflow digest preview` and `send-now`. period is last-week (default), this-week, last-month,
// this-month, last-quarter or this-quarter; manager is a rep id or email.
func (d *Deps) DigestPreview(ctx context.Context, manager, period string, at time.Time) (*domain.Rep, metrics.Report, digest.Email, error) {
	mgr, team, err := d.digestManager(manager)
	if err != nil {
		return nil, metrics.Report{}, digest.Email{}, err
	}
	if period == "" {
		period = "last-week"
	}
	which, kind, ok := strings.Cut(period, "-")
	k, kerr := metrics.ParsePeriodKind(kind)
	if !ok || kerr != nil || (which != "last" && which != "this") {
		return nil, metrics.Report{}, digest.Email{}, ErrBadInput{Reason: fmt.Sprintf("period %q: want last-week, this-week, last-month, this-month, last-quarter or this-quarter", period)}
	}
	p := metrics.PeriodAt(k, at, d.digestZone("digest-"+mgr.ID, mgr))
	if which == "last" {
		p = p.Previous()
	}
	r, err := d.DigestReport(ctx, mgr, team, p, at)
	if err != nil {
		return nil, metrics.Report{}, digest.Email{}, err
	}
	e, err := digest.Render(r, digest.Options{Org: d.Org, Manager: mgr, Team: team, PreferencesURL: d.digestPreferencesURL(mgr)})
	if err != nil {
		return nil, metrics.Report{}, digest.Email{}, fmt.Errorf("digest %s/%s: %w", mgr.ID, p.Key(), err)
	}
	return mgr, r, e, nil
}

// SendDigestNow sends a preview digest to the manager for testing. It uses its own idempotency
// key and records nothing, so the scheduled digest of the period still goes out.
func (d *Deps) SendDigestNow(ctx context.Context, manager, period string, at time.Time) (string, error) {
	now := d.Clock.Now()
	mgr, r, e, err := d.DigestPreview(ctx, manager, period, at)
	if err != nil {
		return "", err
	}
	return d.Mailer.Send(ctx, notify.Message{
		From: d.from(), To: []string{mgr.Email}, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Inline: e.Images,
		IdempotencyKey: fmt.Sprintf("digest-now:%s:%s:%d", mgr.ID, r.PeriodKey, now.UnixNano()),
		Refs:           map[string]string{"managerId": mgr.ID, "periodKey": r.PeriodKey, "test": "send-now"},
	})
}
