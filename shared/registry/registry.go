// Package registry assembles the sales capabilities for a runtime that runs all of them: the
// local product (local/server), the CLI and the tests. Lambda mains do not import it: each
// functions/<name>/main.go names its own capability, so its bootstrap links only that one.
package registry

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/dealflow/dealflow/shared/crm/hubspot"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/deal/reminder"
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/handoff"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/onboarding"
	"github.com/dealflow/dealflow/shared/outbox"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/platform"
)

// Capabilities are every capability's service, built over one platform.Deps.
type Capabilities struct {
	Leads       *lead.Service
	HubSpot     *hubspot.Service
	Deals       *deal.Service
	Reminders   *reminder.Service
	Handoffs    *handoff.Service
	Onboardings *onboarding.Service
	Digests     *digest.Service
	Outbox      *outbox.Service
	// Guard checks every route's action (shared/identity): the one place requests are authorised.
	Guard *identity.Guard
}

// New builds every capability. draw draws digest charts (charts.Draw; nil draws none). The
// capabilities that call each other share one service (the handoff's deals are Deals).
func New(d *platform.Deps, draw render.Drawer) *Capabilities {
	if d.PhoneE164 == nil {
		d.PhoneE164 = phone.E164 // every capability runs here, lead intake included
	}
	c := &Capabilities{Leads: lead.New(d), Deals: deal.New(d), Reminders: reminder.New(d), Handoffs: handoff.New(d),
		Onboardings: onboarding.New(d), Digests: digest.New(d, draw), Outbox: outbox.New(d), HubSpot: hubspot.New(d),
		Guard: identity.NewGuard(d)}
	c.Handoffs.Deals = c.Deals
	c.HubSpot.Leads, c.HubSpot.Deals = c.Leads, c.Deals
	return c
}

// Functions maps every function name (statemachines/ placeholders, events/ targets,
// functions/<name>) to its handler.
func (c *Capabilities) Functions() map[string]any {
	out := map[string]any{}
	for _, set := range []map[string]any{lead.Functions(c.Leads), handoff.Functions(c.Handoffs), reminder.Functions(c.Reminders),
		onboarding.Functions(c.Onboardings), digest.Functions(c.Digests), outbox.Functions(c.Outbox), hubspot.Functions(c.HubSpot)} {
		for name, fn := range set {
			if _, dup := out[name]; dup {
				panic(fmt.Sprintf("registry: function %s defined twice", name))
			}
			out[name] = fn
		}
	}
	return out
}

// Routes is the HTTP API: every capability's routes, sorted by path then method.
func (c *Capabilities) Routes() []httpapi.Route {
	return httpapi.Sorted(lead.Routes(c.Leads), hubspot.Routes(c.HubSpot), deal.Routes(c.Deals), reminder.Routes(c.Reminders),
		onboarding.Routes(c.Onboardings), handoff.Routes(c.Handoffs), identity.Routes(c.Guard))
}

// Table is the route table and the function names without any runtime behind them: what the
// CDK stack deploys and the OpenAPI document describes. Its handlers must not be called.
func Table() (routes []httpapi.Route, functions []string) {
	c := &Capabilities{Guard: &identity.Guard{}}
	for name := range c.Functions() {
		functions = append(functions, name)
	}
	sort.Strings(functions)
	return c.Routes(), functions
}

// Handler serves every route on one mux (the local product and the tests).
func (c *Capabilities) Handler() *http.ServeMux { return httpapi.Mux(c.Routes(), "", c.Guard) }
