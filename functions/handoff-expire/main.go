// Command handoff-expire is the Lambda entry point of the handoff-expire handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("handoff-expire") }
