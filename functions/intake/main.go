// Command intake is the Lambda behind the intake routes of the HTTP API (POST /v1/leads,
// /v1/webhooks/hubspot, /v1/forms/{formId}): wiring only.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
)

func main() {
	qualify.PhoneNormalizer = phone.E164 // only intake normalises phone numbers
	lambdaenv.StartHTTP("intake")
}
