// Command deals is the Lambda behind the deals routes of the HTTP API (shared/httpapi): deals,
// activities, onboarding milestones, reminder snooze links, sign-in and the audit trail. Wiring only.
package main

import (
	"slices"

	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/eventbridge"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/shared/deal"
	"github.com/dealflow/dealflow/shared/deal/reminder"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/onboarding"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.StartHTTP("deals", func(d *platform.Deps) []httpapi.Route {
		return slices.Concat(deal.Routes(deal.New(d)), reminder.Routes(reminder.New(d)), onboarding.Routes(onboarding.New(d)),
			identity.Routes(identity.NewGuard(d)))
	},
		dynamodb.Client, eventbridge.Client, secretsmanager.Client)
}
