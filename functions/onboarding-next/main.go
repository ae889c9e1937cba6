// Command onboarding-next is the Lambda entry point of the onboarding-next handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("onboarding-next") }
