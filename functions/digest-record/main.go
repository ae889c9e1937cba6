// Command digest-record is the Lambda entry point of the digest-record handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("digest-record") }
