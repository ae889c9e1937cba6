package lambdaenv

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func setLambdaEnv(t *testing.T) {
	t.Setenv("ORG_FILE", "../../../examples/org.yaml")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKID")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SECRET")
	t.Setenv("AWS_SESSION_TOKEN", "TOKEN")
}

// The region and the execution role's credentials come from the variables the Lambda runtime sets.
func TestAWSConfigReadsTheLambdaRuntimeVariables(t *testing.T) {
	setLambdaEnv(t)
	cfg, err := AWSConfig()
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || cfg.Region != "eu-west-1" || creds.AccessKeyID != "AKID" || creds.SecretAccessKey != "SECRET" || creds.SessionToken != "TOKEN" {
		t.Fatalf("region %q creds %+v err %v", cfg.Region, creds, err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	if _, err := AWSConfig(); err == nil {
		t.Fatal("no credentials must fail the cold start, not every call later")
	}
}

// A resource in the environment whose client the main does not link is a disagreement between
// the stack and the main: the cold start fails and names it.
func TestBuildFailsWhenTheMainDoesNotLinkAClientTheStackConfigured(t *testing.T) {
	setLambdaEnv(t)
	t.Setenv("EVENT_BUS_NAME", "dealflow-dev")
	t.Setenv("SECRET_LINK_SIGNING_KEY_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:k")
	_, err := Build(context.Background())
	if err == nil || !strings.Contains(err.Error(), "EVENT_BUS_NAME is set but the main does not pass lambdaenv/eventbridge.Client") ||
		!strings.Contains(err.Error(), "lambdaenv/secretsmanager.Client") {
		t.Fatalf("err %v", err)
	}
	linked := func(name string) Client { return func(e *Env) error { e.Link(name); return nil } }
	if _, err := Build(context.Background(), linked("eventbridge"), linked("secretsmanager")); err != nil {
		t.Fatalf("with both clients linked: %v", err)
	}
}

// A main whose routes are all another function's would serve nothing: the cold start says so.
func TestMuxRefusesRoutesOfAnotherFunction(t *testing.T) {
	rs := []httpapi.Route{{Method: "POST", Path: "/v1/leads", Function: "intake", Action: "lead.create", Handler: func(http.ResponseWriter, *http.Request) {}}}
	g := &identity.Guard{}
	if _, err := Mux("deals", rs, g); err == nil || !strings.Contains(err.Error(), "functions/deals/main.go") {
		t.Fatalf("err %v", err)
	}
	if _, err := Mux("intake", rs, g); err != nil {
		t.Fatal(err)
	}
}

// Slack on Lambda: the webhook URL the operator put into the Slack secret turns Slack on; the
// value the stack generated (no URL) leaves it off. The custom domain's PUBLIC_URL wins over the
// org file's public_url for links.
func TestSlackFromTheSecretAndPublicURLFromTheDomain(t *testing.T) {
	setLambdaEnv(t)
	t.Setenv("SECRET_SLACK_WEBHOOK_URL_ARN", "arn:aws:secretsmanager:eu-west-1:1:secret:slack")
	t.Setenv("PUBLIC_URL", "https://api.northwind.example")
	value := "https://hooks.slack.com/services/T0/B0/x"
	withStore := func(e *Env) error {
		e.Link("dynamodb")
		e.d.Store = memStore(t)
		return nil
	}
	secrets := func(e *Env) error {
		e.Link("secretsmanager")
		e.SetSecrets(func(arn string) ([]string, error) {
			if arn != "arn:aws:secretsmanager:eu-west-1:1:secret:slack" {
				t.Errorf("read secret %s", arn)
			}
			return []string{value}, nil
		})
		return nil
	}
	d, err := Build(context.Background(), withStore, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if d.Slack == nil || d.PublicURL != "https://api.northwind.example" {
		t.Fatalf("slack %v public URL %q", d.Slack, d.PublicURL)
	}
	value = "kP3generatedByTheStack"
	if d, err = Build(context.Background(), withStore, secrets); err != nil || d.Slack != nil {
		t.Fatalf("a generated placeholder turned Slack on (%v, %v)", d.Slack, err)
	}
}

func memStore(t *testing.T) store.Store {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "db.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
