// Command digest-render is the Lambda entry point of the digest-render handler (shared/handlers): wiring only.
// It renders from its input and the org file alone, so it names no AWS client (infra/access.go).
// It links the email templates but not the chart library: the charts are left as specs for
// digest-charts (the two together with the org file's loader would not fit 10 MiB).
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/handlers"
)

func main() {
	render.DrawCharts = handlers.DeferDigestCharts // digest-charts draws them
	lambdaenv.Start("digest-render", func(d *handlers.Deps) any { return d.RenderDigest })
}
