// Package secretsmanager is the Secrets Manager client of a Lambda cold start (lambdaenv.Client).
package secretsmanager

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/awsadapters/secrets"
)

// Client reads the secrets named by SECRET_<ID>_ARN at cold start.
func Client(e *lambdaenv.Env) error {
	e.Link("secretsmanager")
	c := secrets.NewHTTPClient(e.Config())
	e.SetSecrets(func(arn string) ([]string, error) { return secrets.SecretStrings(e.Context(), c, arn) })
	return nil
}
