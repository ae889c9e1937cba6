// Package lead owns what happens to a lead from the moment it arrives until it has an owner:
// intake (signed JSON and web forms; HubSpot contacts arrive through crm/hubspot), dedupe and
// merge, qualification and scoring (scoring.go, rules in shared/qualify), routing (RouteLead, the
// assignment engine in shared/routing), the owner's email, and the fallback queue. The
// lead-qualification workflow (statemachines/lead-qualification.asl.json) calls its tasks.
package lead

import (
	"log/slog"
	"net/http"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
)

// Service takes leads in, qualifies and routes them.
type Service struct {
	Store  store.Store
	Org    *domain.Org
	Clock  clock.Clock
	Mailer notify.Mailer
	Slack  notify.Slack
	Log    *slog.Logger
	// LeadSecrets verify Dealflow-Signature on POST /v1/leads.
	LeadSecrets []string
	// Normalizer cleans submitted fields; it formats phone numbers as E.164.
	Normalizer qualify.Normalizer

	router  *routing.Router
	limiter rateLimiter
}

// New builds the lead capability from what the runtime provides.
func New(d *platform.Deps) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Mailer: d.Mailer, Slack: d.Slack, Log: d.Logger(),
		LeadSecrets: d.LeadSecrets, Normalizer: qualify.Normalizer{Phone: d.PhoneE164}, router: d.Router()}
}

// Functions are the lead tasks by function name (statemachines/ placeholders, events/ targets,
// functions/<name>).
func Functions(s *Service) map[string]any {
	return map[string]any{
		"qualify-lead":  s.QualifyLead,
		"route-lead":    s.RouteLead,
		"notify-owner":  s.NotifyOwner,
		"lead-fallback": s.LeadFallback,
	}
}

// Routes are the lead intake routes, served by the intake function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/forms/{formId}", Function: "intake", Auth: "rate-limit", Action: string(identity.Open), Handler: s.postForm,
			Summary: "Accept a web form submission (application/x-www-form-urlencoded) as a lead."},
		{Method: http.MethodPost, Path: "/v1/leads", Function: "intake", Auth: "dealflow-signature bearer", Action: string(identity.LeadCreate), Handler: s.postLead,
			Summary: "Accept a lead as JSON, signed with Dealflow-Signature."},
		{Method: http.MethodPost, Path: "/v1/accounts", Function: "intake", Auth: "bearer", Action: string(identity.AccountWrite), Handler: s.postAccounts,
			Summary: "Create or update accounts (domain, name, owner, segment, territory); leads from an account's domain go to its owner."},
		{Method: http.MethodPost, Path: "/v1/leads/{id}/touches", Function: "intake", Auth: "dealflow-signature bearer", Action: string(identity.LeadTouch), Handler: s.postTouches,
			Summary: "Record engagement touches (a demo request, a page view) on a lead; the lead is re-scored and, on crossing into SQL, re-routed once."},
	}
}
