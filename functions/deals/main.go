// Command deals is the Lambda behind the deals routes of the HTTP API (shared/httpapi): deals,
// activities, onboarding milestones and reminder snooze links. Wiring only.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/eventbridge"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/shared/handlers"
)

func main() {
	lambdaenv.StartHTTP("deals", lambdaenv.Routes(handlers.DealsHTTP, handlers.OnboardingHTTP, handlers.SnoozeHTTP),
		dynamodb.Client, eventbridge.Client, secretsmanager.Client)
}
