// Command outbox-relay is the Lambda entry point of the outbox-relay handler (shared/outbox): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/eventbridge"
	"github.com/dealflow/dealflow/shared/outbox"
)

func main() {
	lambdaenv.Start("outbox-relay", outbox.New, outbox.Functions, dynamodb.Client, eventbridge.Client)
}
