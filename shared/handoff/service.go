// Package handoff owns the SDR→AE handoff: the SDR's request with qualification notes, picking
// the AE (account owner, else the handoff rules), the SLA in the AE's business hours and the
// second window (policy.go, pure), the AE's signed Accept/Decline links, reminders, reassignment
// and the fallback queue with a note to the manager, and the deal an accepted handoff creates.
// statemachines/sdr-ae-handoff.asl.json waits; the tasks here decide. A handoff expires in
// ExpireHandoff (tasks.go) when the workflow's wait for the AE's answer times out.
package handoff

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workflow"
)

// Service runs handoffs.
type Service struct {
	Store    store.Store
	Org      *domain.Org
	Clock    clock.Clock
	Mailer   notify.Mailer
	Slack    notify.Slack
	Log      *slog.Logger
	Workflow workflow.Engine
	// Available reports whether an AE is working at t; nil = always.
	Available func(rep *domain.Rep, t time.Time) bool
	// Deals creates the deal of an accepted handoff.
	Deals *deal.Service
	// LeadSecrets verify Dealflow-Signature on the SDR's routes.
	LeadSecrets []string
	// LinkKey signs the AE's Accept/Decline links.
	LinkKey   []byte
	PublicURL string

	router *routing.Router
}

// New builds the handoff capability from what the runtime provides.
func New(d *platform.Deps) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Mailer: d.Mailer, Slack: d.Slack, Log: d.Logger(),
		Workflow: d.Workflow, Available: d.Available, Deals: deal.New(d), LeadSecrets: d.LeadSecrets, LinkKey: d.LinkKey, PublicURL: d.PublicURL,
		router: d.Router()}
}

// Functions are the sdr-ae-handoff workflow's tasks by function name.
func Functions(s *Service) map[string]any {
	return map[string]any{
		"handoff-assign":   s.AssignHandoff,
		"handoff-notify":   s.NotifyHandoffAE,
		"handoff-remind":   s.RemindHandoffAE,
		"handoff-expire":   s.ExpireHandoff,
		"handoff-declined": s.HandoffDeclined,
		"handoff-accept":   s.AcceptHandoff,
		"handoff-queue":    s.QueueHandoff,
	}
}

// Routes are the SDR's handoff routes and the AE's signed links, served by the handoff function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/leads/{id}/handoff", Function: "handoff", Auth: "bearer", Action: string(identity.HandoffRequest), Handler: s.postHandoff,
			Summary: "Hand a qualified lead to an AE with the SDR's qualification notes; starts the sdr-ae-handoff workflow."},
		{Method: http.MethodGet, Path: "/v1/handoffs/{id}", Function: "handoff", Auth: "bearer", Action: string(identity.HandoffRead), Handler: s.readHandoff,
			Summary: "Read a handoff: its status and every AE asked, with their answers."},
		{Method: http.MethodPost, Path: "/v1/handoffs/{id}/withdraw", Function: "handoff", Auth: "bearer", Action: string(identity.HandoffWithdraw), Handler: s.postWithdraw,
			Summary: "The SDR takes an open handoff back; the workflow ends."},
		{Method: http.MethodGet, Path: "/v1/handoffs/{id}/accept", Function: "handoff", Auth: "signed-link", Action: string(identity.Open), Handler: s.acceptPage,
			Summary: "Show the confirmation page of an AE's signed Accept link (changes nothing)."},
		{Method: http.MethodPost, Path: "/v1/handoffs/{id}/accept", Function: "handoff", Auth: "signed-link", Action: string(identity.Open), Handler: s.acceptLink,
			Summary: "Accept a handoff (signed link, single use): the workflow creates the deal."},
		{Method: http.MethodGet, Path: "/v1/handoffs/{id}/decline", Function: "handoff", Auth: "signed-link", Action: string(identity.Open), Handler: s.declinePage,
			Summary: "Show the decline form of an AE's signed Decline link (changes nothing)."},
		{Method: http.MethodPost, Path: "/v1/handoffs/{id}/decline", Function: "handoff", Auth: "signed-link", Action: string(identity.Open), Handler: s.declineLink,
			Summary: "Decline a handoff with a reason (signed link, single use): the next AE is asked."},
	}
}
