// Command handoff-notify is the Lambda entry point of the handoff-notify handler (shared/handoff): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/ses"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/stepfunctions"
	"github.com/dealflow/dealflow/shared/handoff"
)

func main() {
	lambdaenv.Start("handoff-notify", handoff.New, handoff.Functions, dynamodb.Client, ses.Client, secretsmanager.Client, stepfunctions.Client)
}
