// Package secrets reads Secrets Manager secrets at cold start (functions/ wire it).
// It is one of the shared/awsadapters packages, one per AWS service, so a Lambda bootstrap links
// (and initialises) only the SDK clients its function uses (infra/README.md).
package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dealflow/dealflow/shared/awsadapters/awsjson"
)

// SecretsAPI reads a secret's string value.
type SecretsAPI interface {
	GetSecretString(ctx context.Context, arn string) (string, error)
}

// HTTPClient is SecretsAPI on the Secrets Manager JSON API, signed with SigV4
// (shared/awsadapters/awsjson; the SDK's secretsmanager package would add ~0.3 MB).
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
type HTTPClient struct{ awsjson.Client }

// NewHTTPClient returns the Secrets Manager client of cfg's region.
func NewHTTPClient(cfg aws.Config) HTTPClient {
	return HTTPClient{awsjson.Client{Config: cfg, Service: "secretsmanager", Endpoint: awsjson.Endpoint("secretsmanager", cfg.Region)}}
}

func (c HTTPClient) GetSecretString(ctx context.Context, arn string) (string, error) {
	var out struct {
		SecretString string `json:"SecretString"`
	}
	err := c.Do(ctx, "POST", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"},
		struct {
			SecretID string `json:"SecretId"`
		}{arn}, &out)
	return out.SecretString, err
}

// SecretStrings reads a secret that holds either one string or a JSON array of strings (several
// active keys during a rotation).
func SecretStrings(ctx context.Context, c SecretsAPI, arn string) ([]string, error) {
	out, err := c.GetSecretString(ctx, arn)
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", arn, err)
	}
	v := strings.TrimSpace(out)
	if strings.HasPrefix(v, "[") {
		var list []string
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			return nil, fmt.Errorf("secret %s: not a JSON array of strings", arn)
		}
		return list, nil
	}
	if v == "" {
		return nil, nil
	}
	return []string{v}, nil
}
