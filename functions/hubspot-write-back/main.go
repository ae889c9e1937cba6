// Command hubspot-write-back is the Lambda entry point of the hubspot-write-back task
// (shared/crm/hubspot): wiring only. It writes the routed owner and lead status onto the HubSpot
// contact, with the token named by integrations.hubspot.access_token_env.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/crm/hubspot"
)

func main() {
	lambdaenv.Start("hubspot-write-back", hubspot.New, hubspot.Functions, dynamodb.Client)
}
