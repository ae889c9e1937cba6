// Command handoff-assign is the Lambda entry point of the handoff-assign handler (shared/handoff): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/handoff"
)

func main() {
	lambdaenv.Start("handoff-assign", handoff.New, handoff.Functions, dynamodb.Client)
}
