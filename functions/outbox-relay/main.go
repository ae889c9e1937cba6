// Command outbox-relay is the Lambda entry point of the outbox-relay handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("outbox-relay") }
