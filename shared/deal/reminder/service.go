// Package reminder owns follow-up reminders to AEs: the policies of the org file evaluated on
// deals and handoffs (policy.go, pure: stale deals, close dates past, missing next steps,
// unaccepted handoffs), the hourly sweep per rep in their working hours (one email per run),
// escalation to the manager, and the signed snooze links. statemachines/follow-up-reminders.asl.json
// runs the sweep.
package reminder

import (
	"log/slog"
	"net/http"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
)

// Service finds due reminders, sends them and snoozes them.
type Service struct {
	Store  store.Store
	Org    *domain.Org
	Clock  clock.Clock
	Mailer notify.Mailer
	Log    *slog.Logger
	// LinkKey signs snooze links; nil = reminder emails carry no links.
	LinkKey []byte
}

// New builds the reminder capability from what the runtime provides.
func New(d *platform.Deps) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Mailer: d.Mailer, Log: d.Logger(), LinkKey: d.LinkKey}
}

// Functions are the reminder tasks by function name.
func Functions(s *Service) map[string]any {
	return map[string]any{
		"reminders-plan":  s.PlanReminderRun,
		"reminders-sweep": s.SweepReminders,
	}
}

// Routes are the snooze-link routes, served by the deals function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodGet, Path: "/v1/reminders/{id}/snooze", Function: "deals", Auth: "signed-link", Action: string(identity.Open), Handler: s.page,
			Summary: "Show the confirmation page of a signed snooze link from a reminder email."},
		{Method: http.MethodPost, Path: "/v1/reminders/{id}/snooze", Function: "deals", Auth: "signed-link", Action: string(identity.Open), Handler: s.snooze,
			Summary: "Snooze a follow-up reminder for 1 day, 3 days or 1 week (signed link)."},
	}
}
