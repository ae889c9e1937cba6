package lead

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
)

// Scored is the state of a lead after a touch or a merge re-scored it.
type Scored struct {
	ID      string `json:"id"`
	Score   int    `json:"score"`
	Grade   string `json:"grade"`
	Status  string `json:"status"`
	OwnerID string `json:"ownerId,omitempty"`
	Queue   string `json:"queue,omitempty"`
	// Rerouted is set when this change lifted the lead into SQL and it was routed again.
	Rerouted bool `json:"rerouted,omitempty"`
	// Duplicate is set when the Idempotency-Key was seen before: nothing was added.
	Duplicate bool `json:"duplicate,omitempty"`
}

// scoreOf evaluates the org's scoring model for l with its touches as of now.
func (s *Service) scoreOf(l domain.Lead, now time.Time) qualify.Result {
	return ScoringModel(s.Org.Scoring, s.Org.Competitors...).Score(l, l.Touches, now)
}

// rescore applies edit to the stored lead and re-computes its score (fit + engagement, decayed
// as of now). A lead not qualified yet is only edited: the workflow's qualify task scores it with
// everything it holds by then. A routed lead that this change lifts into SQL is routed again,
// once (reroute).
func (s *Service) rescore(ctx context.Context, id string, edit func(*domain.Lead) error) (domain.Lead, bool, error) {
	now := s.Clock.Now()
	var before domain.LeadGrade
	l, err := s.Store.UpdateLead(ctx, id, func(old domain.Lead) (domain.Lead, error) {
		prev := old
		if err := edit(&old); err != nil {
			return prev, err
		}
		old.UpdatedAt = now
		before = old.Grade
		if old.Status == domain.LeadNew || old.Status == "" {
			return old, nil
		}
		res := s.scoreOf(old, now)
		status := old.Status
		res.Apply(&old)
		if status.Routed() {
			old.Status = status // the score changes, not where the lead is in its lifecycle
		}
		return old, nil
	})
	if err != nil {
		return domain.Lead{}, false, err
	}
	if l.Status != domain.LeadRouted || l.Grade != domain.GradeSQL || before == domain.GradeSQL || l.Rerouted != nil {
		return l, false, nil
	}
	return s.reroute(ctx, l, before, now)
}

// reroute routes a lead again with the lead-stage rules now that it is an SQL, keeping the
// routing it replaces. It happens once per lead: Lead.Rerouted marks it.
func (s *Service) reroute(ctx context.Context, l domain.Lead, before domain.LeadGrade, now time.Time) (domain.Lead, bool, error) {
	owner, _ := s.accountOwner(ctx, l)
	dec, err := s.router.Route(ctx, domain.RouteLead, routing.Subject{Lead: l, AccountOwner: owner}, now)
	if err != nil {
		return l, false, platform.ErrStoreUnavailable{Op: "re-route lead: " + err.Error()}
	}
	var old routing.Decision
	done := false
	l, err = s.Store.UpdateLead(ctx, l.ID, func(cur domain.Lead) (domain.Lead, error) {
		if cur.Rerouted != nil || cur.Status != domain.LeadRouted {
			done = true
			return cur, nil
		}
		old = decisionOf(cur)
		cur.Rerouted = &domain.Reroute{At: now, Grade: cur.Grade, Score: cur.Score, FromOwnerID: cur.OwnerID,
			FromQueue: cur.Queue, FromRule: cur.RoutingRule, FromExplanation: cur.RoutingExplanation}
		from := string(before)
		if from == "" {
			from = "below MQL"
		}
		cur.OwnerID, cur.Queue, cur.RoutingRule = dec.OwnerID, dec.Queue, dec.Rule
		cur.RoutingCounters = dec.Counted
		cur.RoutingExplanation = fmt.Sprintf("re-routed: score %d crossed SQL threshold %d (was %s) → %s (was: %s)",
			cur.Score, s.Org.Scoring.Thresholds.SQL, from, dec.Explanation, old.Explanation)
		cur.UpdatedAt = now
		return cur, nil
	})
	if err != nil || done {
		_ = s.router.CreditBack(ctx, dec)
		if err != nil {
			return l, false, platform.ErrStoreUnavailable{Op: "update lead"}
		}
		return l, false, nil
	}
	if err := s.router.CreditBack(ctx, old); err != nil {
		s.Log.Error("credit back after re-route failed", "lead_id", l.ID, "error", err.Error())
	}
	s.Log.Info("lead re-routed as SQL", "lead_id", l.ID, "owner_id", l.OwnerID, "queue", l.Queue, "rule", l.RoutingRule)
	if l.OwnerID != "" && l.OwnerID != old.OwnerID {
		s.tellNewOwner(ctx, l)
	}
	return l, true, nil
}

// tellNewOwner emails the owner a re-route chose; a failure is logged, the routing stands.
func (s *Service) tellNewOwner(ctx context.Context, l domain.Lead) {
	to, ok := s.Org.Rep(l.OwnerID)
	if !ok {
		return
	}
	msg, err := leadMessage(s, l, to, false)
	if err == nil {
		msg.IdempotencyKey = "notify-owner:" + l.ID + ":sql"
		_, err = s.Mailer.Send(ctx, msg)
	}
	if err != nil {
		s.Log.Error("telling the new owner of a re-routed lead failed", "lead_id", l.ID, "error", err.Error())
	}
}

// accountOwner is the owner of the lead's matched account ("" when none).
func (s *Service) accountOwner(ctx context.Context, l domain.Lead) (string, error) {
	if l.AccountID == "" {
		return "", nil
	}
	a, err := s.Store.GetAccount(ctx, l.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return a.OwnerID, nil
}

// AddTouches records engagement touches on a lead and re-scores it.
func (s *Service) AddTouches(ctx context.Context, id string, ts ...domain.Touch) (Scored, error) {
	l, rerouted, err := s.rescore(ctx, id, func(l *domain.Lead) error { l.AddTouches(ts...); return nil })
	if err != nil {
		return Scored{}, err
	}
	return scoredOf(l, rerouted), nil
}

func scoredOf(l domain.Lead, rerouted bool) Scored {
	return Scored{ID: l.ID, Score: l.Score, Grade: string(l.Grade), Status: string(l.Status), OwnerID: l.OwnerID,
		Queue: l.Queue, Rerouted: rerouted}
}

// maxTouchesPerRequest bounds one POST /v1/leads/{id}/touches.
const maxTouchesPerRequest = 50

// postTouches takes engagement touches for a lead: {"activity": "pricing_page_viewed", "at":
// RFC 3339} or {"touches": [ ... ]}. "kind" is accepted for "activity".
func (s *Service) postTouches(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	key, herr := httpapi.IdempotencyKey(r)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	now := s.Clock.Now()
	ts, errs := parseTouches(body, now)
	if len(errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidTouch", "the touches have invalid fields", errs...))
		return
	}
	id := r.PathValue("id")
	if _, err := s.Store.GetLead(r.Context(), id); err != nil {
		httpapi.AnswerError(w, s.Log, "add touches", err)
		return
	}
	if key != "" {
		if _, created, err := s.Store.PutIdempotencyKey(r.Context(), "lead-touch:"+id+":"+key, id, 0); err != nil {
			httpapi.AnswerError(w, s.Log, "add touches", err)
			return
		} else if !created {
			l, err := s.Store.GetLead(r.Context(), id)
			if err != nil {
				httpapi.AnswerError(w, s.Log, "add touches", err)
				return
			}
			out := scoredOf(l, false)
			out.Duplicate = true
			httpapi.WriteJSON(w, http.StatusOK, out)
			return
		}
	}
	out, err := s.AddTouches(r.Context(), id, ts...)
	if err != nil {
		httpapi.AnswerError(w, s.Log, "add touches", err)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, out)
}

type touchInput struct {
	Activity string `json:"activity"`
	Kind     string `json:"kind"`
	At       string `json:"at"`
}

// parseTouches reads one touch or {"touches": [...]}; a touch without "at" happened now.
func parseTouches(body []byte, now time.Time) ([]domain.Touch, []httpapi.FieldError) {
	var in struct {
		touchInput
		Touches []touchInput `json:"touches"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, []httpapi.FieldError{{Field: "body", Reason: "must be a JSON object {\"activity\": ..., \"at\": ...} or {\"touches\": [...]}: " + err.Error()}}
	}
	list, prefix := in.Touches, "touches"
	if len(list) == 0 {
		list, prefix = []touchInput{in.touchInput}, ""
	} else if in.Activity != "" || in.Kind != "" {
		return nil, []httpapi.FieldError{{Field: "activity", Reason: "send one touch or a touches list, not both"}}
	}
	if len(list) > maxTouchesPerRequest {
		return nil, []httpapi.FieldError{{Field: "touches", Reason: fmt.Sprintf("at most %d per request", maxTouchesPerRequest)}}
	}
	var out []domain.Touch
	var errs []httpapi.FieldError
	for i, t := range list {
		p := func(f string) string {
			if prefix == "" {
				return f
			}
			return fmt.Sprintf("%s[%d].%s", prefix, i, f)
		}
		kind := strings.TrimSpace(t.Activity)
		if kind == "" {
			kind = strings.TrimSpace(t.Kind)
		}
		switch {
		case kind == "":
			errs = append(errs, httpapi.FieldError{Field: p("activity"), Reason: "required (an engagement activity such as demo_requested)"})
		case len(kind) > 64:
			errs = append(errs, httpapi.FieldError{Field: p("activity"), Reason: "at most 64 characters"})
		}
		at := now
		if t.At != "" {
			v, err := time.Parse(time.RFC3339, t.At)
			switch {
			case err != nil:
				errs = append(errs, httpapi.FieldError{Field: p("at"), Reason: "must be an RFC 3339 time such as 2026-11-30T09:15:00Z"})
			case v.After(now.Add(domain.MaxClockSkew)):
				errs = append(errs, httpapi.FieldError{Field: p("at"), Reason: "is in the future"})
			default:
				at = v
			}
		}
		out = append(out, domain.Touch{Kind: strings.ToLower(kind), At: at, Source: "api"})
	}
	return out, errs
}
