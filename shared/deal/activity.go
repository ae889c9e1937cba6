package deal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store"
)

// ActivityInput is the body of POST /v1/activities.
type ActivityInput struct {
	Type                  string
	RepID, DealID, LeadID string
	At                    *time.Time
	Subject, Notes        string
}

var activityFields = []string{"type", "repId", "dealId", "leadId", "at", "subject", "notes"}

func (ds *Service) postActivity(w http.ResponseWriter, r *http.Request) {
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
	m, herr := httpapi.JSONFields(body, activityFields...)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &httpapi.Fields{M: m}
	in := ActivityInput{Type: f.Str("type"), RepID: identity.Self(r.Context(), f.Str("repId")), DealID: f.Str("dealId"), LeadID: f.Str("leadId"),
		At: f.Timestamp("at"), Subject: f.Str("subject"), Notes: f.Str("notes")}
	if len(f.Errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidActivity", "the activity has invalid fields", f.Errs...))
		return
	}
	if in.RepID != "" {
		if err := identity.Check(r.Context(), identity.ActivityCreate, identity.ObjectOf(ds.Org, in.RepID)); err != nil {
			httpapi.AnswerError(w, ds.Log, "log activity", err)
			return
		}
	}
	if in.DealID != "" {
		if err := ds.checkDeal(r.Context(), identity.ActivityCreate, in.DealID); err != nil && !errors.Is(err, store.ErrNotFound) {
			httpapi.AnswerError(w, ds.Log, "log activity", err)
			return
		}
	}
	a, created, err := ds.LogActivity(r.Context(), in, key)
	if err != nil {
		httpapi.AnswerError(w, ds.Log, "log activity", err)
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	httpapi.WriteJSON(w, status, a)
}

// LogActivity stores an activity with Activity Logged and moves the deal's last-activity time,
// which the no_activity reminder policies read. A repeated Idempotency-Key returns the first
// activity (and repeats the deal update, in case the first attempt stopped before it).
func (d *Service) LogActivity(ctx context.Context, in ActivityInput, idem string) (domain.Activity, bool, error) {
	now := d.Clock.Now()
	var errs []domain.FieldProblem
	fail := func(f, reason string) { errs = append(errs, domain.FieldProblem{Field: f, Reason: reason}) }
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
		if at.After(now.Add(domain.MaxClockSkew)) {
			fail("at", "is in the future")
		}
	}
	if len(errs) > 0 {
		return domain.Activity{}, false, domain.Invalid("InvalidActivity", "the activity has invalid fields", errs...)
	}
	if in.DealID != "" {
		if _, err := d.Store.GetDeal(ctx, in.DealID); errors.Is(err, store.ErrNotFound) {
			return domain.Activity{}, false, domain.Invalid("InvalidActivity", "the activity has invalid fields",
				domain.FieldProblem{Field: "dealId", Reason: fmt.Sprintf("no deal %q", in.DealID)})
		} else if err != nil {
			return domain.Activity{}, false, err
		}
	}
	if in.LeadID != "" {
		if _, err := d.Store.GetLead(ctx, in.LeadID); errors.Is(err, store.ErrNotFound) {
			return domain.Activity{}, false, domain.Invalid("InvalidActivity", "the activity has invalid fields",
				domain.FieldProblem{Field: "leadId", Reason: fmt.Sprintf("no lead %q", in.LeadID)})
		} else if err != nil {
			return domain.Activity{}, false, err
		}
	}
	id := store.NewID("act_")
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
	ev := store.NewEvent(events.ActivityLogged, id+"-logged", events.ActivityLoggedDetail{Meta: events.Meta{ID: id + "-logged", OccurredAt: at},
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
func (d *Service) TouchDeal(ctx context.Context, dealID string, at time.Time) (domain.Deal, error) {
	return d.changeDeal(ctx, dealID, func(old domain.Deal, _ time.Time) (domain.Deal, []store.OutboxEvent, error) {
		if old.LastActivityAt != nil && !at.After(*old.LastActivityAt) {
			return old, nil, nil
		}
		old.LastActivityAt = &at
		return old, nil, nil
	})
}
