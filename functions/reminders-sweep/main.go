// Command reminders-sweep is the Lambda entry point of the reminders-sweep handler (shared/deal/reminder): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/ses"
	"github.com/dealflow/dealflow/shared/deal/reminder"
)

func main() {
	lambdaenv.Start("reminders-sweep", reminder.New, reminder.Functions, dynamodb.Client, ses.Client, secretsmanager.Client)
}
