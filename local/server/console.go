package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/dealflow/dealflow/local/console"
	"github.com/dealflow/dealflow/local/eventbus"
	"github.com/dealflow/dealflow/local/schedule"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/schedexpr"
	"github.com/dealflow/dealflow/shared/store"
)

// ConsoleTokenEnv is the environment variable serve reads the console token from.
const ConsoleTokenEnv = "DEALFLOW_CONSOLE_TOKEN"

// mountConsole serves the console at /console/.
func (r *Runtime) mountConsole(mux *http.ServeMux) {
	c, err := console.New(consoleSource{r}, console.Options{Token: r.cfg.ConsoleToken, Locale: r.Org.Settings.Locale, Digests: r.Caps.Digests})
	if err != nil {
		// The templates are embedded: failing here is a build defect, shown on the page.
		mux.HandleFunc("/console/", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		})
		return
	}
	mux.Handle("/console/", c)
	mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
}

// consoleSource is the runtime as the console sees it. Entities are read through the Store port
// per rep (the org file lists them all); leads have no list query in the port, so the console
// reads the local SQLite table read-only — it exists only in the local runtime.
type consoleSource struct{ r *Runtime }

func (s consoleSource) Now() time.Time   { return s.r.cfg.Clock.Now() }
func (s consoleSource) Org() *domain.Org { return s.r.Org }

func (s consoleSource) Machines() []*sfn.StateMachine {
	out := make([]*sfn.StateMachine, 0, len(s.r.Machine))
	for _, m := range s.r.Machine {
		out = append(out, m)
	}
	return out
}

func (s consoleSource) Executions(ctx context.Context, q sfn.ExecutionQuery) ([]sfn.ExecutionListItem, error) {
	return s.r.Engine.FindExecutions(ctx, q)
}

func (s consoleSource) ExecutionStats(arn string) sfn.MachineStats { return s.r.Engine.Stats(arn) }

func (s consoleSource) Execution(ctx context.Context, arn string) (*sfn.DescribeExecutionOutput, []sfn.HistoryEvent, error) {
	d, err := s.r.Engine.DescribeExecution(ctx, arn)
	if err != nil {
		return nil, nil, err
	}
	h, err := s.r.Engine.GetExecutionHistory(ctx, arn, false)
	if errors.Is(err, sfn.ErrHistoryNotRetained) {
		// An older Express execution: its status, input and output are stored, its history is not.
		return d, nil, nil
	}
	return d, h, err
}

func (s consoleSource) Leads(ctx context.Context, limit int) ([]domain.Lead, error) {
	rows, err := s.r.Store.DB().QueryContext(ctx, `SELECT data FROM leads ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("list leads: %w", err)
	}
	defer rows.Close()
	var out []domain.Lead
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var l domain.Lead
		if err := json.Unmarshal([]byte(data), &l); err != nil {
			return nil, fmt.Errorf("list leads: %w", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func (s consoleSource) Lead(ctx context.Context, id string) (domain.Lead, error) {
	return s.r.Store.GetLead(ctx, id)
}

// eachRep runs f for every rep of the org, in org order.
func (s consoleSource) eachRep(f func(rep domain.Rep) error) error {
	for _, rep := range s.r.Org.Reps {
		if err := f(rep); err != nil {
			return err
		}
	}
	return nil
}

// allPages collects every page of a Store list.
func allPages[T any](list func(p store.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := store.Page{Limit: store.MaxPageSize}
	for {
		items, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

func (s consoleSource) Deals(ctx context.Context) ([]domain.Deal, error) {
	var out []domain.Deal
	err := s.eachRep(func(rep domain.Rep) error {
		ds, err := allPages(func(p store.Page) ([]domain.Deal, string, error) {
			return s.r.Store.ListDealsByOwner(ctx, rep.ID, "", p)
		})
		out = append(out, ds...)
		return err
	})
	return out, err
}

func (s consoleSource) Handoffs(ctx context.Context) ([]domain.Handoff, error) {
	var out []domain.Handoff
	err := s.eachRep(func(rep domain.Rep) error {
		hs, err := allPages(func(p store.Page) ([]domain.Handoff, string, error) {
			return s.r.Store.ListOpenHandoffsByAE(ctx, rep.ID, p)
		})
		out = append(out, hs...)
		return err
	})
	return out, err
}

func (s consoleSource) LeadHandoffs(ctx context.Context, leadID string) ([]domain.Handoff, error) {
	return allPages(func(p store.Page) ([]domain.Handoff, string, error) {
		return s.r.Store.ListHandoffsByLead(ctx, leadID, p)
	})
}

func (s consoleSource) Reminders(ctx context.Context) ([]domain.Reminder, error) {
	var out []domain.Reminder
	horizon := s.Now().AddDate(10, 0, 0) // every open reminder, due or not
	err := s.eachRep(func(rep domain.Rep) error {
		rs, err := allPages(func(p store.Page) ([]domain.Reminder, string, error) {
			return s.r.Store.ListOpenRemindersDue(ctx, rep.ID, horizon, p)
		})
		out = append(out, rs...)
		return err
	})
	return out, err
}

func (s consoleSource) Onboardings(ctx context.Context) ([]domain.Onboarding, error) {
	var out []domain.Onboarding
	err := s.eachRep(func(rep domain.Rep) error {
		os, err := allPages(func(p store.Page) ([]domain.Onboarding, string, error) {
			return s.r.Store.ListOnboardingsByCSM(ctx, rep.ID, p)
		})
		out = append(out, os...)
		return err
	})
	return out, err
}

func (s consoleSource) Mail(ctx context.Context, limit int) ([]notify.StoredMessage, error) {
	return s.r.Outbox.List(ctx, "", limit)
}

func (s consoleSource) MailEML(ctx context.Context, id string) ([]byte, error) {
	return s.r.Outbox.EML(ctx, id)
}

// Events returns the newest archived events. The archive lists oldest first within a window,
// so the window grows back from now until it holds enough.
func (s consoleSource) Events(ctx context.Context, limit int) ([]eventbus.ArchivedEvent, error) {
	now := s.Now()
	to := now.Add(time.Hour) // events stamped a little ahead of a fake clock still show
	var evs []eventbus.ArchivedEvent
	for _, back := range []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 90 * 24 * time.Hour, 50 * 365 * 24 * time.Hour} {
		var err error
		evs, err = s.r.Bus.Archive(ctx, now.Add(-back), to, 20000)
		if err != nil {
			return nil, fmt.Errorf("read event archive: %w", err)
		}
		if len(evs) >= limit {
			break
		}
	}
	if len(evs) > limit {
		evs = evs[len(evs)-limit:]
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs, nil
}

func (s consoleSource) Schedules() []console.Schedule {
	now := s.Now()
	slots, _ := schedule.NewSQLStore(context.Background(), s.r.Store.DB())
	var out []console.Schedule
	for _, j := range s.r.Project.Schedules {
		cs := console.Schedule{Name: j.Name(), Expression: j.Def.ScheduleExpression, Zone: j.Loc.String(), Enabled: j.Enabled,
			Target: j.Def.Target.StateMachine + j.Def.Target.Function}
		start := j.Start
		if _, isRate := j.Expr.(schedexpr.Rate); isRate && start.IsZero() && slots != nil {
			// A rate() without StartDate counts from when the runner first saw the schedule.
			if st, err := slots.Arm(context.Background(), j.Name(), now); err == nil {
				start = st.FirstSeen
			}
		}
		if j.Enabled {
			for _, t := range schedexpr.Upcoming(j.Expr, j.Loc, now, start, 3) {
				if !j.End.IsZero() && !t.Before(j.End) {
					break
				}
				cs.Next = append(cs.Next, t)
			}
		}
		out = append(out, cs)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

func (s consoleSource) DeadLetters(ctx context.Context, limit int) ([]eventbus.DeadLetter, error) {
	return s.r.Bus.DeadLetters(ctx, limit)
}

func (s consoleSource) Redrive(ctx context.Context, ids ...int64) (int, error) {
	return s.r.Bus.Redrive(ctx, ids...)
}
