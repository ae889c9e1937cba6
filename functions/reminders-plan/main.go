// Command reminders-plan is the Lambda entry point of the reminders-plan handler (shared/deal/reminder): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"

	"github.com/dealflow/dealflow/shared/deal/reminder"
)

func main() {
	lambdaenv.Start("reminders-plan", reminder.New, reminder.Functions)
}
