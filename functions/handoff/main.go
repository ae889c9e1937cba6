// Command handoff is the Lambda behind the handoff routes of the HTTP API (POST
// /v1/leads/{id}/handoff, /v1/handoffs/{id}...: the SDR's requests and the AE's signed links):
// wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.StartHTTP("handoff") }
