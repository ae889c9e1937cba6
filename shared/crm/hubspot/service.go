// Package hubspot is dealflow's HubSpot integration: the webhook that takes contact and deal
// events in (contacts become leads through package lead, deal changes go to package deal), with
// v3 request signatures checked against the URL HubSpot called.
// https://developers.hubspot.com/docs/api/webhooks
package hubspot

import (
	"log/slog"
	"net/http"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Service serves the HubSpot webhook.
type Service struct {
	Store store.Store
	Org   *domain.Org
	Clock clock.Clock
	Log   *slog.Logger
	Leads *lead.Service
	Deals *deal.Service
	// HubSpot verifies X-HubSpot-Signature(-v3).
	HubSpot webhook.HubSpotVerifier
	// CRM reads a contact's properties (in the workflow); nil = no HubSpot API configured.
	CRM platform.CRM
	// API writes back to HubSpot; nil when CRM is not a full client (a contact-only fake).
	API API
	// Accounts mirrors HubSpot companies as accounts; nil until the accounts capability is wired.
	Accounts Accounts
	// PublicURL, when set, is the scheme://host HubSpot called (the URI it signed), for
	// deployments behind a proxy.
	PublicURL string
}

// New builds the HubSpot integration from what the runtime provides.
// The HubSpot client is the runtime's (d.CRM) or, on Lambda, the one the org file configures
// with the token from the environment.
func New(d *platform.Deps) *Service {
	s := &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Log: d.Logger(), Leads: lead.New(d), Deals: deal.New(d),
		HubSpot: d.HubSpot, CRM: d.CRM, PublicURL: d.PublicURL}
	if s.CRM == nil {
		if c := clientFromEnv(d.Org); c != nil {
			s.CRM = c
		}
	}
	if a, ok := s.CRM.(API); ok {
		s.API = a
	}
	return s
}

// Routes is the HubSpot webhook, served by the intake function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/webhooks/hubspot", Function: "intake", Auth: "hubspot-signature", Action: string(identity.Open), Handler: s.postHubSpot,
			Summary: "Accept a batch of HubSpot webhook events (v3 signature)."},
	}
}
