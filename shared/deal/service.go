// Package deal owns deals and what happens to them: creation (API, accepted handoffs, HubSpot),
// stage changes with their history, close won/lost and reopen (rules.go, pure), and activities
// that move a deal's last touch. Follow-up reminders on deals are deal/reminder.
package deal

import (
	"log/slog"
	"net/http"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
)

// Service creates and changes deals and logs activities.
type Service struct {
	Store store.Store
	Org   *domain.Org
	Clock clock.Clock
	Log   *slog.Logger
	// LeadSecrets verify Dealflow-Signature on the deal routes.
	LeadSecrets []string
}

// New builds the deal capability from what the runtime provides.
func New(d *platform.Deps) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Log: d.Logger(), LeadSecrets: d.LeadSecrets}
}

// Routes are the deal and activity routes, served by the deals function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/deals", Function: "deals", Auth: "bearer", Action: string(identity.DealCreate), Handler: s.postDeal,
			Summary: "Create a deal in a pipeline stage from the org file."},
		{Method: http.MethodGet, Path: "/v1/deals/{id}", Function: "deals", Auth: "bearer", Action: string(identity.DealRead), Handler: s.getDeal,
			Summary: "Read a deal with its stage history and the stage's probability."},
		{Method: http.MethodPatch, Path: "/v1/deals/{id}", Function: "deals", Auth: "bearer", Action: string(identity.DealUpdate), Handler: s.patchDeal,
			Summary: "Change a deal's stage, amount, close date, next step, lost reason or owner."},
		{Method: http.MethodPost, Path: "/v1/activities", Function: "deals", Auth: "bearer", Action: string(identity.ActivityCreate), Handler: s.postActivity,
			Summary: "Log an email, call, meeting, note or sent proposal on a deal or a lead."},
		{Method: http.MethodPut, Path: "/v1/forecast-calls/{teamId}/{period}", Function: "deals", Auth: "bearer", Action: string(identity.ForecastSubmit), Handler: s.putForecastCall,
			Summary: "Submit the manager's forecast call for the team's month or quarter."},
		{Method: http.MethodGet, Path: "/v1/forecast-calls/{teamId}/{period}", Function: "deals", Auth: "bearer", Action: string(identity.ForecastRead), Handler: s.listForecastCalls,
			Summary: "List the forecast calls submitted for the team's month or quarter."},
	}
}
