// Package ses is the SES v2 client of a Lambda cold start (lambdaenv.Client).
package ses

import (
	"os"

	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/awsadapters/sesmail"
)

// Client sends email from SENDER_EMAIL through SES_CONFIGURATION_SET (once per idempotency key,
// which needs the table: pass lambdaenv/dynamodb.Client too).
func Client(e *lambdaenv.Env) error {
	e.Link("ses")
	if from := os.Getenv("SENDER_EMAIL"); from != "" {
		e.SetMailer(sesmail.SES{Client: sesmail.NewHTTPClient(e.Config()), From: from, ConfigurationSet: os.Getenv("SES_CONFIGURATION_SET")})
	}
	return nil
}
