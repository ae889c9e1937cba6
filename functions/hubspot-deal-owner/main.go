// Command hubspot-deal-owner is the Lambda entry point of the hubspot-deal-owner task
// (shared/crm/hubspot): wiring only. After an accepted handoff it makes the AE the owner in
// HubSpot, with the token named by integrations.hubspot.access_token_env.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/crm/hubspot"
)

func main() {
	lambdaenv.Start("hubspot-deal-owner", hubspot.New, hubspot.Functions, dynamodb.Client)
}
