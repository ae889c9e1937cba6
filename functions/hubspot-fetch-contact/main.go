// Command hubspot-fetch-contact is the Lambda entry point of the hubspot-fetch-contact task
// (shared/crm/hubspot): wiring only. It reads the HubSpot contact a lead was created from, with
// the token named by integrations.hubspot.access_token_env.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/crm/hubspot"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.Start("hubspot-fetch-contact", func(d *platform.Deps) *hubspot.Service {
		d.PhoneE164 = phone.E164 // contacts become leads here: their phone numbers are formatted
		return hubspot.New(d)
	}, hubspot.Functions, dynamodb.Client)
}
