// Command intake is the Lambda behind the intake routes of the HTTP API (POST /v1/leads,
// /v1/webhooks/hubspot, /v1/forms/{formId}): wiring only.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/eventbridge"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/shared/crm/hubspot"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.StartHTTP("intake", func(d *platform.Deps) []httpapi.Route {
		d.PhoneE164 = phone.E164 // intake is where leads come in: only it links the phone metadata
		hs := hubspot.New(d)
		return append(lead.Routes(hs.Leads), hubspot.Routes(hs)...)
	},
		dynamodb.Client, eventbridge.Client, secretsmanager.Client)
}
