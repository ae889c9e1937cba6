// Package digest owns the scheduled manager digests: which period a digest covers in the
// manager's time zone (Plan), loading the team's deals, activities, leads and handoffs (load.go),
// computing the metrics (digest/metrics, pure, defined in docs/METRICS.md), rendering the email
// (digest/render; charts drawn by digest/render/charts), sending it once per period and recording
// it. statemachines/manager-digest.asl.json runs the steps.
package digest

import (
	"log/slog"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
)

// Service plans, computes, renders and sends manager digests.
type Service struct {
	Store  store.Store
	Org    *domain.Org
	Clock  clock.Clock
	Mailer notify.Mailer
	Log    *slog.Logger
	// Charts draws the digest's charts (charts.Draw); nil in the functions that draw none.
	Charts render.Drawer
}

// New builds the digest capability. draw is charts.Draw where charts are drawn (the local
// runtime, the digest-charts function, previews), nil elsewhere.
func New(d *platform.Deps, draw render.Drawer) *Service {
	return &Service{Store: d.Store, Org: d.Org, Clock: d.Clock, Mailer: d.Mailer, Log: d.Logger(), Charts: draw}
}

// Functions are the manager-digest workflow's steps by function name.
func Functions(s *Service) map[string]any {
	return map[string]any{
		"digest-plan":    s.PlanDigest,
		"digest-compute": s.ComputeDigest,
		"digest-render":  s.RenderDigest,
		"digest-charts":  s.DrawDigestCharts,
		"digest-send":    s.SendDigest,
		"digest-record":  s.RecordDigest,
	}
}
