package onboarding

import (
	"log/slog"
	"net/http"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
)

// Service starts onboardings on Closed Won, assigns the CSM and walks the milestones.
type Service struct {
	Store  store.Store
	Org    *domain.Org
	Clock  clock.Clock
	Mailer notify.Mailer
	Log    *slog.Logger
	// LeadSecrets verify Dealflow-Signature on the milestone route.
	LeadSecrets []string

	router *routing.Router
}

// New builds the onboarding capability from what the runtime provides.
func New(d *platform.Deps) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Mailer: d.Mailer, Log: d.Logger(),
		LeadSecrets: d.LeadSecrets, router: d.Router()}
}

// Functions are the cs-onboarding workflow's tasks by function name.
func Functions(s *Service) map[string]any {
	return map[string]any{
		"onboarding-start": s.StartOnboarding,
		"onboarding-next":  s.NextOnboardingStep,
		"onboarding-check": s.CheckMilestone,
	}
}

// Routes is the milestone-completion route, served by the deals function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/onboardings/{id}/milestones/{milestone}/complete", Function: "deals", Action: string(identity.OnboardingUpdate), Auth: "bearer",
			Handler: s.postMilestoneComplete, Summary: "Mark an onboarding milestone done; the last one completes the onboarding."},
	}
}
