// Command handoff is the Lambda behind the handoff routes of the HTTP API (POST
// /v1/leads/{id}/handoff, /v1/handoffs/{id}...: the SDR's requests and the AE's signed links):
// wiring only.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/ses"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/stepfunctions"
	"github.com/dealflow/dealflow/shared/handoff"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.StartHTTP("handoff", func(d *platform.Deps) []httpapi.Route { return handoff.Routes(handoff.New(d)) },
		dynamodb.Client, stepfunctions.Client, secretsmanager.Client, ses.Client)
}
