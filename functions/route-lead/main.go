// Command route-lead is the Lambda entry point of the route-lead handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("route-lead") }
