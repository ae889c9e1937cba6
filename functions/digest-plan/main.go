// Command digest-plan is the Lambda entry point of the digest-plan handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("digest-plan") }
