// Command digest-charts is the Lambda entry point of the digest-charts handler (shared/digest): wiring only.
// It draws the charts digest-render left as specs; it names no AWS client (infra/access.go) and
// is the only function that links the chart library.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"

	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.Start("digest-charts", func(d *platform.Deps) *digest.Service { return digest.New(d, charts.Draw) }, digest.Functions)
}
