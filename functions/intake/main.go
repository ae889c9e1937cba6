// Command intake is the Lambda behind the intake routes of the HTTP API (POST /v1/leads,
// /v1/webhooks/hubspot, /v1/forms/{formId}): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.StartHTTP("intake") }
