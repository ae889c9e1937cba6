// Command intake is the Lambda behind the intake routes of the HTTP API (POST /v1/leads,
// /v1/webhooks/hubspot, /v1/forms/{formId}): wiring only.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/eventbridge"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/shared/handlers"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
)

func main() {
	qualify.PhoneNormalizer = phone.E164 // only intake normalises phone numbers
	lambdaenv.StartHTTP("intake", lambdaenv.Routes(handlers.IntakeHTTP),
		dynamodb.Client, eventbridge.Client, secretsmanager.Client)
}
