package secrets

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

type fakeSecrets string

func (f fakeSecrets) GetSecretString(context.Context, string) (string, error) { return string(f), nil }

func TestSecretStrings(t *testing.T) {
	for in, want := range map[string]string{`["new","old"]`: "new|old", "single": "single", "": ""} {
		got, err := SecretStrings(context.Background(), fakeSecrets(in), "arn")
		if err != nil || strings.Join(got, "|") != want {
			t.Errorf("%q → %v %v", in, got, err)
		}
	}
	if _, err := SecretStrings(context.Background(), fakeSecrets(`[1,2]`), "arn"); err == nil {
		t.Error("a JSON array of numbers is not a list of keys")
	}
}

func TestHTTPClientCallsGetSecretValue(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			string(b) != `{"SecretId":"arn:aws:secretsmanager:eu-west-1:1:secret:k"}` ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/secretsmanager/aws4_request") {
			t.Errorf("request %v %s", r.Header, b)
		}
		_, _ = io.WriteString(w, `{"ARN":"x","SecretString":"[\"k1\",\"k2\"]"}`)
	}))
	defer srv.Close()
	c := NewHTTPClient(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	if c.Endpoint != "https://secretsmanager.eu-west-1.amazonaws.com" {
		t.Errorf("endpoint %s", c.Endpoint)
	}
	c.Endpoint = srv.URL
	got, err := SecretStrings(context.Background(), c, "arn:aws:secretsmanager:eu-west-1:1:secret:k")
	if err != nil || strings.Join(got, "|") != "k1|k2" {
		t.Fatal(got, err)
	}
}
