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
	// CRM reads a contact's properties; nil = use only what the webhook sent.
	CRM platform.CRM
	// PublicURL, when set, is the scheme://host HubSpot called (the URI it signed), for
	// deployments behind a proxy.
	PublicURL string
}

// New builds the HubSpot integration from what the runtime provides.
func New(d *platform.Deps) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Log: d.Logger(), Leads: lead.New(d), Deals: deal.New(d),
		HubSpot: d.HubSpot, CRM: d.CRM, PublicURL: d.PublicURL}
}

// Routes is the HubSpot webhook, served by the intake function.
func Routes(s *Service) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/webhooks/hubspot", Function: "intake", Auth: "hubspot-signature", Action: string(identity.Open), Handler: s.postHubSpot,
			Summary: "Accept a batch of HubSpot webhook events (v3 signature)."},
	}
}
