package metrics

import (
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// dealState is what a deal was at one instant, rebuilt from its stage history.
type dealState struct {
	open     bool
	status   domain.DealStatus
	stage    string
	closedAt time.Time // when it entered the won or lost stage it is in (closed only)
}

// stateAt is d's state at instant t: the deal after every change made strictly before t, so a
// deal that closes exactly at a period's end is still open in that period's end snapshot, and a
// deal won, reopened and still open now was closed between the two. ok is false when d did not
// exist yet. Records without a stage history fall back to their status and ClosedAt.
func (c *calc) stateAt(d *domain.Deal, t time.Time) (dealState, bool) {
	if !d.CreatedAt.Before(t) {
		return dealState{}, false
	}
	h := d.StageHistory
	closedNow, closedNowOK := closedAt(d)
	if len(h) == 0 {
		if closedNowOK && closedNow.Before(t) {
			return dealState{status: d.Status, stage: d.Stage, closedAt: closedNow}, true
		}
		return dealState{open: true, status: domain.DealOpen, stage: c.openStage(d, d.Stage)}, true
	}
	i := len(h) - 1
	for i > 0 && !h[i].EnteredAt.Before(t) {
		i--
	}
	if i == len(h)-1 {
		// The current stage: the record's status and ClosedAt are the truth for it.
		if !closedNowOK {
			return dealState{open: true, status: domain.DealOpen, stage: c.openStage(d, h[i].Stage)}, true
		}
		if closedNow.Before(t) {
			return dealState{status: d.Status, stage: h[i].Stage, closedAt: closedNow}, true
		}
		// Closed at or after t: open at t, in the stage it was in before closing.
		stage := d.Stage
		if i > 0 {
			stage = h[i-1].Stage
		}
		return dealState{open: true, status: domain.DealOpen, stage: c.openStage(d, stage)}, true
	}
	e := h[i]
	switch c.stageKind(d.Pipeline, e.Stage) {
	case domain.DealWon:
		return dealState{status: domain.DealWon, stage: e.Stage, closedAt: e.EnteredAt}, true
	case domain.DealLost:
		return dealState{status: domain.DealLost, stage: e.Stage, closedAt: e.EnteredAt}, true
	}
	return dealState{open: true, status: domain.DealOpen, stage: e.Stage}, true
}

// stageKind says whether a stage of a pipeline is a won, lost or open stage.
func (c *calc) stageKind(pipeline, stage string) domain.DealStatus {
	p, ok := c.in.Org.Pipeline(pipeline)
	if !ok {
		return domain.DealOpen
	}
	s, ok := p.Stage(stage)
	switch {
	case !ok:
		return domain.DealOpen
	case s.Won:
		return domain.DealWon
	case s.Lost:
		return domain.DealLost
	}
	return domain.DealOpen
}

// openStage is stage, or the pipeline's first open stage when stage is a closed one (an open
// deal whose record lost the stage it was in before closing).
func (c *calc) openStage(d *domain.Deal, stage string) string {
	if c.stageKind(d.Pipeline, stage) == domain.DealOpen {
		return stage
	}
	if p, ok := c.in.Org.Pipeline(d.Pipeline); ok {
		for _, s := range p.Stages {
			if !s.Won && !s.Lost {
				return s.ID
			}
		}
	}
	return stage
}

// closedAt is when a won or lost deal closed (UpdatedAt for a record without ClosedAt).
func closedAt(d *domain.Deal) (time.Time, bool) {
	if d.IsOpen() {
		return time.Time{}, false
	}
	if d.ClosedAt != nil {
		return *d.ClosedAt, true
	}
	return d.UpdatedAt, true
}

// closeDay is a deal's expected close date as the calendar date it names: close dates are days,
// stored as midnight UTC, so the day is read in UTC and never shifted by a time zone.
func closeDay(d *domain.Deal) (domain.CalendarDate, bool) {
	if d.CloseDate == nil {
		return domain.CalendarDate{}, false
	}
	return domain.DateOf(d.CloseDate.UTC()), true
}

// dayIn reports whether a calendar date is one of the period's days (in the period's zone).
func dayIn(day domain.CalendarDate, p Period) bool {
	start := day.In(p.Loc)
	return !start.Before(p.Start) && start.Before(p.End)
}

// dayEnded is when day is over in loc: the next midnight there.
func dayEnded(day domain.CalendarDate, loc *time.Location) time.Time {
	return time.Date(day.Year, day.Month, day.Day+1, 0, 0, 0, 0, loc)
}
