// Command onboarding-start is the Lambda entry point of the onboarding-start handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("onboarding-start") }
