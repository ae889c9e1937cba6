package digest

import (
	"context"
	"errors"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/schedexpr"
	"github.com/dealflow/dealflow/shared/store"
)

// ScheduleStatus is one of a manager's digest schedules as their settings page shows it (the
// page the digest footer's preferences link opens).
type ScheduleStatus struct {
	// Schedule is the org file's entry with its defaults filled in: the zone is the manager's
	// when the org file names none, the period week.
	Schedule domain.DigestSchedule
	// Next are the next runs after now.
	Next []time.Time
	// LastPeriodKey is the last complete period at now, LastSent its record (nil: not sent).
	LastPeriodKey string
	LastSent      *domain.DigestRecord
}

// Manager resolves a digest's manager by rep id or email, with the team they manage.
func (d *Service) Manager(idOrEmail string) (*domain.Rep, *domain.Team, error) {
	return d.digestManager(idOrEmail)
}

// ManagerSchedules lists the org file's digest schedules of a manager with their next runs and
// whether the last complete period's digest went out.
func (d *Service) ManagerSchedules(ctx context.Context, mgr *domain.Rep, now time.Time) ([]ScheduleStatus, error) {
	var out []ScheduleStatus
	for _, dg := range d.Org.Digests {
		if dg.Manager != mgr.ID && dg.Manager != mgr.Email {
			continue
		}
		loc := d.digestZone(dg.ID, mgr)
		dg.Timezone = loc.String()
		if dg.Period == "" {
			dg.Period = "week"
		}
		st := ScheduleStatus{Schedule: dg}
		// config.Validate refused an expression that does not parse; an org file loaded without
		// it shows no next runs rather than failing the page.
		if e, err := schedexpr.Parse(dg.Schedule); err == nil {
			st.Next = schedexpr.Upcoming(e, loc, now, time.Time{}, 3)
		}
		if p, err := d.DigestPeriod(dg.ID, mgr, dg.Period, now); err == nil {
			st.LastPeriodKey = p.Key()
			rec, err := d.Store.GetDigest(ctx, mgr.ID, st.LastPeriodKey)
			switch {
			case err == nil:
				st.LastSent = &rec
			case !errors.Is(err, store.ErrNotFound):
				return nil, err
			}
		}
		out = append(out, st)
	}
	return out, nil
}
