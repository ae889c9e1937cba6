// Command onboarding-check is the Lambda entry point of the onboarding-check handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("onboarding-check") }
