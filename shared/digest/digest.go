package digest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/chartspec"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
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
func (d *Service) digestZone(digestID string, mgr *domain.Rep) *time.Location {
	for _, dg := range d.Org.Digests {
		if dg.ID == digestID && dg.Timezone != "" {
			if loc, err := domain.LoadLocation(dg.Timezone); err == nil {
				return loc
			}
		}
	}
	return mgr.Location()
}

func (d *Service) digestManager(id string) (*domain.Rep, *domain.Team, error) {
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
func (d *Service) DigestPeriod(digestID string, mgr *domain.Rep, kind string, at time.Time) (metrics.Period, error) {
	k, err := metrics.ParsePeriodKind(kind)
	if err != nil {
		return metrics.Period{}, platform.ErrBadInput{Reason: err.Error()}
	}
	return metrics.LastComplete(k, at, d.digestZone(digestID, mgr)), nil
}

// PlanDigest resolves the manager and the period and says whether that digest already went out.
func (d *Service) PlanDigest(ctx context.Context, in DigestRequest) (DigestPlan, error) {
	if in.Manager == "" || in.At.IsZero() {
		return DigestPlan{}, platform.ErrBadInput{Reason: "manager and at are required"}
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
		return DigestPlan{}, platform.ErrStoreUnavailable{Op: "get digest: " + err.Error()}
	}
	return plan, nil
}

// digestKey is the mailer's idempotency key: one email per manager and period, whatever the
// retries and duplicate executions.
func digestKey(manager, periodKey string) string { return "digest:" + manager + ":" + periodKey }

// The manager-digest workflow computes, renders, draws the charts and sends in four functions
// (statemachines/manager-digest.asl.json): the report needs the table, the email the templates
// and the org file, the charts the chart library, the send SES and the table; linking any two of
// the big ones would not fit the Lambda bootstrap budget (infra/README.md "One bootstrap per
// function"). What travels between them is bounded: a state's input and output, like a Lambda
// result, is limited to 256 KB (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html),
// so the report lists at most metrics.StaleListLimit stale deals and the charts are small PNGs.
// The local runtime draws the charts while rendering; its charts step passes the email through.

// DigestComputed is the compute step's output and the render step's input.
type DigestComputed struct {
	Plan DigestPlan `json:"plan"`
	// Report is the plan's period; absent when the digest was already sent.
	Report *metrics.Report `json:"report,omitempty"`
}

// DigestRendered is the output of the render and charts steps (charts: in and out) and the send
// step's input.
type DigestRendered struct {
	Plan DigestPlan `json:"plan"`
	// Email is the rendered digest; absent when the digest was already sent.
	Email *DigestEmail `json:"email,omitempty"`
}

// DigestEmail is a rendered digest as it travels between the workflow's steps.
type DigestEmail struct {
	Subject string        `json:"subject"`
	HTML    string        `json:"html"`
	Text    string        `json:"text"`
	Images  []DigestImage `json:"images,omitempty"`
}

// DigestImage is an inline chart; Data travels base64-encoded (encoding/json).
type DigestImage struct {
	ContentID   string `json:"contentId"`
	ContentType string `json:"contentType"`
	Data        []byte `json:"data"`
}

func digestEmail(e render.Email) *DigestEmail {
	out := &DigestEmail{Subject: e.Subject, HTML: e.HTML, Text: e.Text}
	for _, img := range e.Images {
		out.Images = append(out.Images, DigestImage{ContentID: img.ContentID, ContentType: img.ContentType, Data: img.Data})
	}
	return out
}

func (e *DigestEmail) inline() []notify.Attachment {
	var out []notify.Attachment
	for _, img := range e.Images {
		out = append(out, notify.Attachment{ContentID: img.ContentID, ContentType: img.ContentType, Data: img.Data})
	}
	return out
}

// digestPlanPeriod resolves the plan's manager, team and period, and checks the period key:
// the period is a pure function of the plan (digest id, manager, kind, at), so every step
// recomputes the same one.
func (d *Service) digestPlanPeriod(in DigestPlan) (*domain.Rep, *domain.Team, metrics.Period, error) {
	mgr, team, err := d.digestManager(in.Manager)
	if err != nil {
		return nil, nil, metrics.Period{}, err
	}
	p, err := d.DigestPeriod(in.DigestID, mgr, in.Period, in.At)
	if err != nil {
		return nil, nil, metrics.Period{}, err
	}
	if p.Key() != in.PeriodKey {
		return nil, nil, metrics.Period{}, platform.ErrBadInput{Reason: fmt.Sprintf("period key %s does not match %s at %s", in.PeriodKey, p.Key(), in.At.Format(time.RFC3339))}
	}
	return mgr, team, p, nil
}

// ComputeDigest computes the report of the plan's period (the digest-compute step).
func (d *Service) ComputeDigest(ctx context.Context, in DigestPlan) (DigestComputed, error) {
	if in.AlreadySent {
		return DigestComputed{Plan: in}, nil
	}
	mgr, team, p, err := d.digestPlanPeriod(in)
	if err != nil {
		return DigestComputed{}, err
	}
	r, err := d.DigestReport(ctx, mgr, team, p, in.At)
	if err != nil {
		return DigestComputed{}, err
	}
	return DigestComputed{Plan: in, Report: &r}, nil
}

// RenderDigest renders the email of a computed report (the digest-render step). The report's
// periods do not travel in JSON: they are recomputed from the plan.
func (d *Service) RenderDigest(ctx context.Context, in DigestComputed) (DigestRendered, error) {
	if in.Plan.AlreadySent {
		return DigestRendered{Plan: in.Plan}, nil
	}
	if in.Report == nil {
		return DigestRendered{}, platform.ErrBadInput{Reason: "report is required"}
	}
	mgr, team, p, err := d.digestPlanPeriod(in.Plan)
	if err != nil {
		return DigestRendered{}, err
	}
	r := *in.Report
	if r.PeriodKey != p.Key() {
		return DigestRendered{}, platform.ErrBadInput{Reason: fmt.Sprintf("report period %s does not match the plan's %s", r.PeriodKey, p.Key())}
	}
	r.Period, r.Previous = p, p.Previous()
	// The charts are drawn by the digest-charts step (DrawDigestCharts): the render step leaves
	// their specs in place of the images, so it needs no chart library.
	e, err := render.Render(r, render.Options{Org: d.Org, Manager: mgr, Team: team, PreferencesURL: d.digestPreferencesURL(mgr), Charts: DeferDigestCharts})
	if err != nil {
		return DigestRendered{}, fmt.Errorf("digest %s/%s: %w", mgr.ID, in.Plan.PeriodKey, err)
	}
	return DigestRendered{Plan: in.Plan, Email: digestEmail(e)}, nil
}

// pendingChartType marks an inline image whose Data is still a chart to draw (pendingChart as
// JSON), left by DeferDigestCharts for the digest-charts step.
const pendingChartType = "application/vnd.dealflow.chart+json"

type pendingChart struct {
	Loc   string          `json:"loc"`
	Chart chartspec.Chart `json:"chart"`
}

// DeferDigestCharts is the chart renderer of the digest-render step: it draws nothing and returns
// each chart's spec in place of its PNG, one image per chart and in order like charts.Draw, so the
// HTML references the same images; the digest-charts step draws them (DrawDigestCharts), so only
// that function links the chart library and its fonts.
func DeferDigestCharts(loc string, specs []chartspec.Chart) ([]notify.Attachment, error) {
	out := make([]notify.Attachment, 0, len(specs))
	for _, c := range specs {
		b, err := json.Marshal(pendingChart{Loc: loc, Chart: c})
		if err != nil {
			return nil, fmt.Errorf("defer chart %s: %w", c.ContentID, err)
		}
		out = append(out, notify.Attachment{ContentID: c.ContentID, ContentType: pendingChartType, Data: b})
	}
	return out, nil
}

// DrawDigestCharts draws the charts the render step left as specs (the digest-charts step);
// images already drawn pass through.
func (d *Service) DrawDigestCharts(ctx context.Context, in DigestRendered) (DigestRendered, error) {
	if in.Email == nil {
		return in, nil
	}
	for i, img := range in.Email.Images {
		if img.ContentType != pendingChartType {
			continue
		}
		var c pendingChart
		if err := json.Unmarshal(img.Data, &c); err != nil {
			return DigestRendered{}, platform.ErrBadInput{Reason: fmt.Sprintf("chart %s: %v", img.ContentID, err)}
		}
		if d.Charts == nil {
			return DigestRendered{}, errors.New("digest charts: this function draws no charts (digest.New without a chart renderer)")
		}
		drawn, err := d.Charts(c.Loc, []chartspec.Chart{c.Chart})
		if err != nil {
			return DigestRendered{}, fmt.Errorf("digest %s/%s: %w", in.Plan.Manager, in.Plan.PeriodKey, err)
		}
		if len(drawn) != 1 || drawn[0].ContentID != img.ContentID {
			return DigestRendered{}, fmt.Errorf("digest %s/%s: chart %s not drawn", in.Plan.Manager, in.Plan.PeriodKey, img.ContentID)
		}
		in.Email.Images[i] = DigestImage{ContentID: drawn[0].ContentID, ContentType: drawn[0].ContentType, Data: drawn[0].Data}
	}
	return in, nil
}

// SendDigest sends a rendered digest (the digest-send step). Idempotent: the mail is sent at
// most once per manager and period (the mailer's idempotency key).
func (d *Service) SendDigest(ctx context.Context, in DigestRendered) (DigestPlan, error) {
	if in.Plan.AlreadySent {
		return in.Plan, nil
	}
	if in.Email == nil {
		return DigestPlan{}, platform.ErrBadInput{Reason: "email is required"}
	}
	for _, img := range in.Email.Images {
		if img.ContentType == pendingChartType {
			return DigestPlan{}, platform.ErrBadInput{Reason: "chart " + img.ContentID + " was not drawn (digest-charts step)"}
		}
	}
	mgr, _, err := d.digestManager(in.Plan.Manager)
	if err != nil {
		return DigestPlan{}, err
	}
	plan := in.Plan
	if plan.PeriodKey == "" {
		return DigestPlan{}, platform.ErrBadInput{Reason: "periodKey is required"}
	}
	id, err := d.Mailer.Send(ctx, notify.Message{
		From: platform.From(d.Org), To: []string{mgr.Email}, Subject: in.Email.Subject, Text: in.Email.Text, HTML: in.Email.HTML, Inline: in.Email.inline(),
		IdempotencyKey: digestKey(mgr.ID, plan.PeriodKey),
		Refs:           map[string]string{"managerId": mgr.ID, "periodKey": plan.PeriodKey, "digestId": plan.DigestID},
	})
	if err != nil {
		return DigestPlan{}, fmt.Errorf("send digest %s/%s: %w", mgr.ID, plan.PeriodKey, err)
	}
	plan.MessageID = id
	d.Log.Info("digest sent", "manager_id", mgr.ID, "period", plan.PeriodKey, "message_id", id)
	return plan, nil
}

// RecordDigest stores that the digest went out, with a Digest Sent event; a second record of the
// same manager and period changes nothing.
func (d *Service) RecordDigest(ctx context.Context, in DigestPlan) (DigestPlan, error) {
	if in.Manager == "" || in.PeriodKey == "" {
		return DigestPlan{}, platform.ErrBadInput{Reason: "manager and periodKey are required"}
	}
	now := d.Clock.Now()
	evID := uuid.NewString()
	detail, _ := json.Marshal(events.DigestSentDetail{Meta: events.Meta{ID: evID, OccurredAt: now}, DigestID: in.DigestID,
		ManagerID: in.Manager, Period: in.PeriodKey, MessageID: in.MessageID})
	rec, created, err := d.Store.PutDigest(ctx, domain.DigestRecord{ManagerID: in.Manager, PeriodKey: in.PeriodKey, SentAt: now, MessageID: in.MessageID},
		store.OutboxEvent{ID: evID, DetailType: events.DigestSent, Detail: detail})
	if err != nil {
		return DigestPlan{}, platform.ErrStoreUnavailable{Op: "put digest: " + err.Error()}
	}
	if !created {
		in.AlreadySent, in.MessageID = true, rec.MessageID
	}
	return in, nil
}

func (d *Service) digestPreferencesURL(mgr *domain.Rep) string {
	base := strings.TrimRight(d.Org.Settings.PublicURL, "/")
	if base == "" {
		return ""
	}
	return base + "/console/digests?manager=" + url.QueryEscape(mgr.ID)
}

// PeriodNames is how `--period` and the console name a digest's period.
const PeriodNames = "last-week, this-week, last-month, this-month, last-quarter, this-quarter, or a period key (2026-W47, 2026-11, 2026-Q4)"

// DigestPeriodNamed is the period a name gives at `at` in the manager's digest zone: last-week
// (default), this-week, last-month, this-month, last-quarter, this-quarter, or a period key
// ("2026-W47", "2026-11", "2026-Q4") naming one period exactly, as a re-send does.
func (d *Service) DigestPeriodNamed(mgr *domain.Rep, period string, at time.Time) (metrics.Period, error) {
	loc := d.digestZone("digest-"+mgr.ID, mgr)
	if period == "" {
		period = "last-week"
	}
	which, kind, ok := strings.Cut(period, "-")
	if k, err := metrics.ParsePeriodKind(kind); ok && err == nil && (which == "last" || which == "this") {
		p := metrics.PeriodAt(k, at, loc)
		if which == "last" {
			p = p.Previous()
		}
		return p, nil
	}
	p, err := metrics.PeriodOfKey(period, loc)
	if err != nil {
		return metrics.Period{}, platform.ErrBadInput{Reason: fmt.Sprintf("period %q: want %s", period, PeriodNames)}
	}
	return p, nil
}

// DigestPreview computes and renders a manager's digest without sending or recording it, for
// `dealflow digest preview`, `send-now` and the console. period is one of PeriodNames; manager
// is a rep id or email.
func (d *Service) DigestPreview(ctx context.Context, manager, period string, at time.Time) (*domain.Rep, metrics.Report, render.Email, error) {
	mgr, team, err := d.digestManager(manager)
	if err != nil {
		return nil, metrics.Report{}, render.Email{}, err
	}
	p, err := d.DigestPeriodNamed(mgr, period, at)
	if err != nil {
		return nil, metrics.Report{}, render.Email{}, err
	}
	r, err := d.DigestReport(ctx, mgr, team, p, at)
	if err != nil {
		return nil, metrics.Report{}, render.Email{}, err
	}
	e, err := render.Render(r, render.Options{Org: d.Org, Manager: mgr, Team: team, PreferencesURL: d.digestPreferencesURL(mgr), Charts: d.Charts})
	if err != nil {
		return nil, metrics.Report{}, render.Email{}, fmt.Errorf("digest %s/%s: %w", mgr.ID, p.Key(), err)
	}
	return mgr, r, e, nil
}

// ErrDigestAlreadySent: send-now was asked for a period whose digest went out (a scheduled run
// or an earlier send-now recorded it) and was not told to send it again.
type ErrDigestAlreadySent struct {
	Manager, PeriodKey string
	Record             domain.DigestRecord
}

func (e ErrDigestAlreadySent) Error() string {
	return fmt.Sprintf("the %s digest of %s already went out at %s (message %s)", e.PeriodKey, e.Manager, e.Record.SentAt.UTC().Format(time.RFC3339), e.Record.MessageID)
}

// ErrPeriodRunning: send-now was asked for a period that has not ended; its digest goes out
// once it has (a preview shows it now).
type ErrPeriodRunning struct {
	PeriodKey string
	End       time.Time
}

func (e ErrPeriodRunning) Error() string {
	return fmt.Sprintf("period %s is still running (it ends %s): its digest is sent once it is over; preview it instead", e.PeriodKey, e.End.Format(time.RFC3339))
}

// DigestSentNow is what SendDigestNow did.
type DigestSentNow struct {
	MessageID string `json:"messageId"`
	Manager   string `json:"manager"`
	PeriodKey string `json:"periodKey"`
	// Resent is true when the period's digest had gone out before and force sent it again.
	Resent bool `json:"resent"`
	// Previous is the record of the earlier send when Resent.
	Previous *domain.DigestRecord `json:"previous,omitempty"`
}

// SendDigestNow sends the manager's digest of a complete period now (`dealflow digest send-now`,
// the console's send-now button), the way to send a digest whose scheduled run failed. A period's
// digest goes out once: the first send uses the workflow's own idempotency key and records the
// digest (so the scheduled run, or a failed run retried, finds it sent and sends nothing, and a
// mail that a failed run did send is not sent twice); a period already recorded is refused with
// ErrDigestAlreadySent unless force, which sends it again under its own key and says so. Only
// the record counts as sent: a FAILED execution records nothing.
func (d *Service) SendDigestNow(ctx context.Context, manager, period string, at time.Time, force bool) (DigestSentNow, error) {
	mgr, _, err := d.digestManager(manager)
	if err != nil {
		return DigestSentNow{}, err
	}
	p, err := d.DigestPeriodNamed(mgr, period, at)
	if err != nil {
		return DigestSentNow{}, err
	}
	if p.End.After(at) {
		return DigestSentNow{}, ErrPeriodRunning{PeriodKey: p.Key(), End: p.End}
	}
	out := DigestSentNow{Manager: mgr.ID, PeriodKey: p.Key()}
	rec, err := d.Store.GetDigest(ctx, mgr.ID, p.Key())
	switch {
	case err == nil && !force:
		return DigestSentNow{}, ErrDigestAlreadySent{Manager: mgr.ID, PeriodKey: p.Key(), Record: rec}
	case err == nil:
		out.Resent, out.Previous = true, &rec
	case !errors.Is(err, store.ErrNotFound):
		return DigestSentNow{}, platform.ErrStoreUnavailable{Op: "get digest: " + err.Error()}
	}
	_, r, e, err := d.DigestPreview(ctx, mgr.ID, p.Key(), at)
	if err != nil {
		return DigestSentNow{}, err
	}
	digestID := d.digestScheduleID(mgr.ID, p.Kind)
	msg := notify.Message{
		From: platform.From(d.Org), To: []string{mgr.Email}, Subject: e.Subject, Text: e.Text, HTML: e.HTML, Inline: e.Images,
		IdempotencyKey: digestKey(mgr.ID, r.PeriodKey),
		Refs:           map[string]string{"managerId": mgr.ID, "periodKey": r.PeriodKey, "digestId": digestID, "sentBy": "send-now"},
	}
	if out.Resent {
		msg.IdempotencyKey = fmt.Sprintf("digest-resend:%s:%s:%d", mgr.ID, r.PeriodKey, d.Clock.Now().UnixNano())
		msg.Refs["resend"] = "true"
	}
	if out.MessageID, err = d.Mailer.Send(ctx, msg); err != nil {
		return DigestSentNow{}, fmt.Errorf("send digest %s/%s: %w", mgr.ID, r.PeriodKey, err)
	}
	d.Log.Info("digest sent now", "manager_id", mgr.ID, "period", r.PeriodKey, "message_id", out.MessageID, "resend", out.Resent)
	if out.Resent {
		return out, nil
	}
	if _, err := d.RecordDigest(ctx, DigestPlan{DigestID: digestID, Manager: mgr.ID, Period: string(p.Kind), PeriodKey: r.PeriodKey, At: at, MessageID: out.MessageID}); err != nil {
		return out, fmt.Errorf("digest %s/%s sent as %s but not recorded: %w", mgr.ID, r.PeriodKey, out.MessageID, err)
	}
	return out, nil
}

// digestScheduleID is the org file's digest of this manager and period kind ("send-now" when
// the org file schedules none).
func (d *Service) digestScheduleID(managerID string, kind metrics.PeriodKind) string {
	for _, dg := range d.Org.Digests {
		if k, err := metrics.ParsePeriodKind(dg.Period); err == nil && k == kind && (dg.Manager == managerID) {
			return dg.ID
		}
	}
	return "send-now"
}
