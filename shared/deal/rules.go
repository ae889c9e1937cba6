package deal

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store"
)

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
	// ForecastCategory, ForecastNote and ForecastBy override the forecast category (forecast.go).
	ForecastCategory *string
	ForecastNote     *string
	ForecastBy       *string
	// At is when the change happened (a HubSpot event's time); zero means now.
	At time.Time
	// FromCRM marks a change mirrored from the CRM, which owns the record: a stage change to lost
	// is taken as it happened there, with or without a lost reason.
	FromCRM bool
}

// ApplyDealPatch is the pure part of a deal change: it validates p against the org's pipeline and
// returns the new deal and the events the change emits. Stage changes close the current stage
// entry at `at`; entering a won or lost stage closes the deal, and an open stage after a closed
// one reopens it.
func ApplyDealPatch(org *domain.Org, old domain.Deal, p DealPatch, at time.Time) (domain.Deal, []store.OutboxEvent, error) {
	d := old
	d.StageHistory = append([]domain.StageEntry(nil), old.StageHistory...)
	var errs []domain.FieldProblem
	fail := func(f, reason string) { errs = append(errs, domain.FieldProblem{Field: f, Reason: reason}) }
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
		amt := d.Amount.Decimal()
		if p.Amount != nil {
			amt = *p.Amount
		}
		if m, field, why := DealMoney(org, amt, cur); why != "" {
			fail(field, why)
		} else {
			d.Amount = m
		}
	}
	if p.ClearCloseDate {
		d.CloseDate = nil
	} else if p.CloseDate != nil {
		cd := p.CloseDate.UTC()
		if why := CloseDateProblem(cd, at); why != "" {
			fail("closeDate", why)
		}
		d.CloseDate = &cd
	}
	if p.NextStep != nil {
		if s, why := cleanDealLine(*p.NextStep); why != "" {
			fail("nextStep", why)
		} else {
			d.NextStep = s
		}
	}
	closedLost := false
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
					closedLost = st.Lost
					evs = append(evs, closedEvent(d, version, at))
				case !d.IsOpen():
					// Reopened: a won or lost deal moved back to an open stage.
					d.Status, d.ClosedAt, d.LostReason = domain.DealOpen, nil, ""
				}
			}
		}
	}
	if p.LostReason != nil || (closedLost && !p.FromCRM) {
		reason, why := "", ""
		if p.LostReason != nil {
			reason, why = cleanDealLine(*p.LostReason)
		}
		switch {
		case why != "":
			fail("lostReason", why)
		case d.Status != domain.DealLost:
			if p.LostReason != nil {
				fail("lostReason", "only a lost deal has a lost reason; move it to a lost stage in the same change")
			}
		default:
			if !p.FromCRM {
				reason, why = LostReason(pipe, reason)
			}
			if why != "" {
				fail("lostReason", why)
			} else {
				d.LostReason = reason
				if n := len(evs); n > 0 && evs[n-1].DetailType == events.DealClosedLost {
					evs[n-1] = closedEvent(d, version, at) // carry the reason in the event
				}
			}
		}
	}
	applyForecast(org, &d, p, at, fail)
	if len(errs) > 0 {
		return old, nil, domain.Invalid("InvalidPatch", "the change has invalid fields", errs...)
	}
	return d, evs, nil
}
