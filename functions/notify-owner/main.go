// Command notify-owner is the Lambda entry point of the notify-owner handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("notify-owner") }
