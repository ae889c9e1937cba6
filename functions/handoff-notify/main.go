// Command handoff-notify is the Lambda entry point of the handoff-notify handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("handoff-notify") }
