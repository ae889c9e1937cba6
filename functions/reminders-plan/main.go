// Command reminders-plan is the Lambda entry point of the reminders-plan handler (shared/handlers): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.Start("reminders-plan") }
