// Command handoff-queue is the Lambda entry point of the handoff-queue handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("handoff-queue") }
