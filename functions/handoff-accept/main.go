// Command handoff-accept is the Lambda entry point of the handoff-accept handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("handoff-accept") }
