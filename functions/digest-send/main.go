// Command digest-send is the Lambda entry point of the digest-send handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("digest-send") }
