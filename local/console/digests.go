package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/domain"
)

// The digest pages: a manager's digest settings (the page the digest footer's preferences link
// opens: /console/digests?manager=ID) with a preview and send-now, and the failed manager-digest
// runs on the overview, so a digest that did not go out is seen and can be sent.

// FailedDigest is a manager-digest execution that FAILED, with the period it was for.
type FailedDigest struct {
	ExecutionARN, Name string
	Failed             time.Time
	Manager            string
	// PeriodKey is the period the run covered ("" when its input names no valid one).
	PeriodKey    string
	Error, Cause string
	// SentSince: the period's digest went out after all (send-now, or another run).
	SentSince bool
}

// failedDigestLimit bounds the failed runs the overview lists (the executions page has all).
const failedDigestLimit = 10

func (s *Server) failedDigests(ctx context.Context) ([]FailedDigest, error) {
	if s.opts.Digests == nil {
		return nil, nil
	}
	var machine string
	for _, m := range s.src.Machines() {
		if m.Name == render.StateMachine {
			machine = m.ARN
		}
	}
	if machine == "" {
		return nil, nil
	}
	xs, err := s.src.Executions(ctx, sfn.ExecutionQuery{StateMachineARN: machine, Status: sfn.StatusFailed, Limit: failedDigestLimit})
	if err != nil {
		return nil, err
	}
	var out []FailedDigest
	for _, x := range xs {
		f := FailedDigest{ExecutionARN: x.ExecutionArn, Name: x.Name, Failed: x.StopDate}
		d, _, err := s.src.Execution(ctx, x.ExecutionArn)
		if err != nil {
			return nil, err
		}
		f.Error, f.Cause = deref(d.Error), deref(d.Cause)
		var in digest.DigestRequest
		_ = json.Unmarshal([]byte(d.Input), &in)
		f.Manager = in.Manager
		// The run's period is the one its plan step computes from the execution's start time.
		in.At = x.StartDate
		if plan, err := s.opts.Digests.PlanDigest(ctx, in); err == nil {
			f.Manager, f.PeriodKey, f.SentSince = plan.Manager, plan.PeriodKey, plan.AlreadySent
		}
		out = append(out, f)
	}
	return out, nil
}

// digestPeriods are the periods the settings page offers to preview.
var digestPeriods = []string{"last-week", "this-week", "last-month", "this-month", "last-quarter", "this-quarter"}

func (s *Server) digests(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Digests == nil {
		return notFound{"digests"}
	}
	q := r.URL.Query()
	mgr, team, err := s.opts.Digests.Manager(q.Get("manager"))
	if err != nil {
		return notFound{"manager " + q.Get("manager")}
	}
	now := s.src.Now()
	schedules, err := s.opts.Digests.ManagerSchedules(r.Context(), mgr, now)
	if err != nil {
		return err
	}
	period := q.Get("period")
	if period == "" {
		period = "last-week"
		if len(schedules) > 0 {
			period = "last-" + schedules[0].Schedule.Period
		}
	}
	p, err := s.opts.Digests.DigestPeriodNamed(mgr, period, now)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil
	}
	var sent *domain.DigestRecord
	if rec, err := s.opts.Digests.Store.GetDigest(r.Context(), mgr.ID, p.Key()); err == nil {
		sent = &rec
	}
	s.render(w, r, "digests", map[string]any{
		"Manager": mgr, "Team": team, "Schedules": schedules, "Periods": digestPeriods,
		"Period": period, "PeriodKey": p.Key(), "Complete": !p.End.After(now), "Sent": sent,
		"PreviewURL": "/console/digests/preview?manager=" + url.QueryEscape(mgr.ID) + "&period=" + url.QueryEscape(p.Key()),
		"Done":       q.Get("done"),
		"Message":    q.Get("message"),
	})
	return nil
}

// digestPreview serves the rendered digest (charts embedded) on its own, for a sandboxed frame,
// like an email of the outbox.
func (s *Server) digestPreview(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Digests == nil {
		return notFound{"digests"}
	}
	q := r.URL.Query()
	_, _, e, err := s.opts.Digests.DigestPreview(r.Context(), q.Get("manager"), q.Get("period"), s.src.Now())
	var nf digest.ErrManagerNotFound
	if errors.As(err, &nf) {
		return notFound{"manager " + q.Get("manager")}
	}
	if err != nil {
		return fmt.Errorf("preview: %w", err)
	}
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(e.PreviewHTML()))
	return nil
}

// sendDigest is the send-now button: the period's digest goes out once (force: again).
func (s *Server) sendDigest(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Digests == nil {
		return notFound{"digests"}
	}
	manager, period := r.PostFormValue("manager"), r.PostFormValue("period")
	res, err := s.opts.Digests.SendDigestNow(r.Context(), manager, period, s.src.Now(), r.PostFormValue("force") == "1")
	back := url.Values{"manager": {manager}, "period": {period}}
	var already digest.ErrDigestAlreadySent
	var running digest.ErrPeriodRunning
	var nf digest.ErrManagerNotFound
	switch {
	case errors.As(err, &nf):
		return notFound{"manager " + manager}
	case errors.As(err, &already):
		back.Set("done", "already")
	case errors.As(err, &running):
		back.Set("done", "running")
	case err != nil:
		return fmt.Errorf("send digest: %w", err)
	case res.Resent:
		back.Set("done", "resent")
		back.Set("message", res.MessageID)
	default:
		back.Set("done", "sent")
		back.Set("message", res.MessageID)
	}
	http.Redirect(w, r, "/console/digests?"+back.Encode(), http.StatusSeeOther)
	return nil
}
