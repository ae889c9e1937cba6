// Command qualify-lead is the Lambda entry point of the qualify-lead handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("qualify-lead") }
