// Command lead-fallback is the Lambda entry point of the lead-fallback handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("lead-fallback") }
