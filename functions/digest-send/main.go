// Command digest-send is the Lambda entry point of the digest-send handler (shared/handlers): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/ses"
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/charts"
	"github.com/dealflow/dealflow/shared/handlers"
)

func main() {
	digest.DrawCharts = charts.Draw // only digest-send draws charts
	lambdaenv.Start("digest-send", func(d *handlers.Deps) any { return d.SendDigest }, dynamodb.Client, ses.Client)
}
