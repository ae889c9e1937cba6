// Command digest-charts is the Lambda entry point of the digest-charts handler (shared/handlers): wiring only.
// It draws the charts digest-render left as specs; it names no AWS client (infra/access.go) and
// is the only function that links the chart library.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/handlers"
)

func main() {
	render.DrawCharts = charts.Draw // only digest-charts draws charts
	lambdaenv.Start("digest-charts", func(d *handlers.Deps) any { return d.DrawDigestCharts })
}
