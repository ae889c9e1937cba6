package server

import (
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
)

// The local runtime runs every function, so it links the parts a Lambda bootstrap links only where
// needed (infra/README.md "One bootstrap per function"): it takes leads in, so it normalises phone
// numbers to E.164, and it sends digests, so it draws their charts.
func init() {
	qualify.PhoneNormalizer = phone.E164
	render.DrawCharts = charts.Draw
}
