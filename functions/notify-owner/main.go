// Command notify-owner is the Lambda entry point of the notify-owner handler (shared/lead): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/secretsmanager"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/ses"
	"github.com/dealflow/dealflow/shared/lead"
)

func main() {
	lambdaenv.Start("notify-owner", lead.New, lead.Functions, dynamodb.Client, ses.Client, secretsmanager.Client)
}
