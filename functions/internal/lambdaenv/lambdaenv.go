// Package lambdaenv builds the handlers' dependencies from a Lambda function's environment: the
// contract with the CDK stack (infra/stack.go sets these variables, only those a function's role
// allows). Cold-start work only; nothing here decides anything about sales.
//
// Each main names its own handler and the AWS clients its role allows (DynamoDB, SES, ...), so
// its bootstrap links only those (infra/README.md "One bootstrap per function"). A variable in
// the environment whose client the main did not name fails the cold start: the stack and the
// main disagree, and silently dropping the table, the bus or the mailer would lose work.
package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dealflow/dealflow/shared/awsadapters/awstls"
	"github.com/dealflow/dealflow/shared/clock"
	dfconfig "github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/webhook"
	"github.com/dealflow/dealflow/shared/workhours"
)

// Secret ids as the stack names them (infra/access.go).
const (
	secretHubSpot     = "hubspot-app-secret"
	secretLeadSigning = "lead-signing-keys"
	secretLinkSigning = "link-signing-key"
	secretSlack       = "slack-webhook-url"
)

func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// Env is a cold start in progress: the AWS configuration and what the clients built so far.
type Env struct {
	ctx     context.Context
	cfg     aws.Config
	d       *platform.Deps
	mailer  notify.Mailer                      // set by SES; wrapped idempotent below
	secrets func(arn string) ([]string, error) // set by SecretsManager
	linked  map[string]bool                    // clients the main named
}

// Client builds one AWS client from the environment. The clients live in subpackages
// (lambdaenv/dynamodb, ses, eventbridge, stepfunctions, secretsmanager), one per AWS service,
// because importing an SDK service package links it and runs its initialisers whether or not it
// is used. A main lists the clients its infra/access.go entry allows.
type Client func(e *Env) error

// Link records that the main links the named client (the subpackage name).
func (e *Env) Link(client string) { e.linked[client] = true }

// Context is the cold start's context.
func (e *Env) Context() context.Context { return e.ctx }

// Config is the SDK configuration (AWSConfig).
func (e *Env) Config() aws.Config { return e.cfg }

// Deps are the handlers' dependencies being built.
func (e *Env) Deps() *platform.Deps { return e.d }

// SetMailer sets the mailer; Build makes it send once per idempotency key through the table.
func (e *Env) SetMailer(m notify.Mailer) { e.mailer = m }

// SetSecrets sets how secrets are read by ARN (SECRET_<ID>_ARN).
func (e *Env) SetSecrets(read func(arn string) ([]string, error)) { e.secrets = read }

// AWSConfig is the SDK configuration of a Lambda execution environment, read from the variables
// the runtime sets (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):
// the region and the execution role's temporary credentials. The credentials live as long as the
// execution environment, so a static provider is right; config.LoadDefaultConfig would link SSO,
// STS, IMDS and the shared-files loaders that never run on Lambda (~3 MB). Retries are the SDK's
// standard retryer (aws.Config with a nil Retryer).
func AWSConfig() (aws.Config, error) {
	region, key, secret := os.Getenv("AWS_REGION"), os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if region == "" || key == "" || secret == "" {
		return aws.Config{}, errors.New("aws config: AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the Lambda runtime sets them)")
	}
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, os.Getenv("AWS_SESSION_TOKEN")),
		// SDK clients trust the Amazon Trust Services roots, not the whole system bundle (awstls).
		HTTPClient: awshttp.NewBuildableClient().WithTransportOptions(awstls.Configure),
	}, nil
}

// Build reads the environment and returns the handlers' dependencies and secrets, with the
// given clients.
func Build(ctx context.Context, clients ...Client) (*platform.Deps, error) {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	org, err := dfconfig.Load(os.Getenv("ORG_FILE"))
	if err != nil {
		return nil, fmt.Errorf("org file: %w", err)
	}
	cfg, err := AWSConfig()
	if err != nil {
		return nil, err
	}
	clk := clock.Real{}
	d := &platform.Deps{Org: org, Clock: clk, Log: log, Available: workhours.Availability(org)}
	e := &Env{ctx: ctx, cfg: cfg, d: d, linked: map[string]bool{}}
	for _, c := range clients {
		if err := c(e); err != nil {
			return nil, err
		}
	}
	if err := e.unlinked(); err != nil {
		return nil, err
	}
	if e.mailer != nil && d.Store != nil {
		d.Mailer = notifyIdempotent(d, e.mailer)
	}
	s := d
	s.PublicURL = org.Settings.PublicURL
	// A custom domain given at deploy (infra -c domain=...) is where the API is reached; links
	// in emails must point there even when the org file names no public_url.
	if u := os.Getenv("PUBLIC_URL"); u != "" {
		s.PublicURL = u
	}
	read := func(id string) ([]string, error) {
		arn := os.Getenv("SECRET_" + envName(id) + "_ARN")
		if arn == "" || e.secrets == nil {
			return nil, nil
		}
		return e.secrets(arn)
	}
	if s.LeadSecrets, err = read(secretLeadSigning); err != nil {
		return nil, err
	}
	hs, err := read(secretHubSpot)
	if err != nil {
		return nil, err
	}
	var versions []webhook.HubSpotVersion
	for _, v := range org.Webhooks.HubSpot.SignatureVersions {
		versions = append(versions, webhook.HubSpotVersion(strings.ToLower(v)))
	}
	s.HubSpot = webhook.HubSpotVerifier{Secrets: hs, Versions: versions}
	link, err := read(secretLinkSigning)
	if err != nil {
		return nil, err
	}
	if len(link) > 0 {
		s.LinkKey = []byte(link[0])
	}
	slack, err := read(secretSlack)
	if err != nil {
		return nil, err
	}
	// The operator puts the Slack incoming-webhook URL into the secret (infra/README.md); until
	// then it holds the value the stack generated, which is no URL: no Slack, as locally without
	// webhooks.slack.webhook_url_env.
	if len(slack) > 0 && strings.HasPrefix(slack[0], "https://") && d.Store != nil {
		d.Slack = notify.IdempotentSlack{Next: notify.SlackWebhook{URL: slack[0]},
			Claim: func(ctx context.Context, k, v string) (string, bool, error) {
				return d.Store.PutIdempotencyKey(ctx, k, v, 0)
			},
			Release: d.Store.ReleaseIdempotencyKey}
	}
	return d, nil
}

// unlinked fails when the stack gave the function a resource whose client its main did not name.
func (e *Env) unlinked() error {
	var missing []string
	need := func(client, variable string) {
		if !e.linked[client] {
			missing = append(missing, variable+" is set but the main does not pass lambdaenv/"+client+".Client")
		}
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if v == "" {
			continue
		}
		switch {
		case k == "TABLE_NAME":
			need("dynamodb", k)
		case k == "SENDER_EMAIL":
			need("ses", k)
		case k == "EVENT_BUS_NAME":
			need("eventbridge", k)
		case strings.HasPrefix(k, "STATE_MACHINE_") && strings.HasSuffix(k, "_ARN"):
			need("stepfunctions", k)
		case strings.HasPrefix(k, "SECRET_") && strings.HasSuffix(k, "_ARN"):
			need("secretsmanager", k)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return fmt.Errorf("environment and functions/<name>/main.go disagree (infra/access.go): %s", strings.Join(missing, "; "))
	}
	return nil
}

// Start runs one function's handler (a workflow task or an event target): the entry named name
// in its capability's Functions table, over the capability build makes from the cold start's
// Deps, e.g. Start("qualify-lead", lead.New, lead.Functions, dynamodb.Client).
func Start[S any](name string, build func(d *platform.Deps) S, functions func(S) map[string]any, clients ...Client) {
	var none S
	if _, ok := functions(none)[name]; !ok {
		slog.Error("cold start failed: the capability has no function of this name", "function", name)
		os.Exit(1)
	}
	d, err := Build(context.Background(), clients...)
	if err != nil {
		slog.Error("cold start failed", "function", name, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(functions(build(d))[name])
}

// StartHTTP serves, behind API Gateway, the routes that name this function among those routes
// returns for the cold start's Deps.
func StartHTTP(name string, routes func(d *platform.Deps) []httpapi.Route, clients ...Client) {
	d, err := Build(context.Background(), clients...)
	if err != nil {
		slog.Error("cold start failed", "function", name, "error", err.Error())
		os.Exit(1)
	}
	if d.Store != nil && d.Publisher != nil && !relayAfterWrite(d, d.Publisher) {
		slog.Warn("the store cannot report its writes: events wait for the outbox sweeper", "function", name)
	}
	mux, err := Mux(name, routes(d), identity.NewGuard(d))
	if err != nil {
		slog.Error("cold start failed", "function", name, "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(httpapi.LambdaHandler(mux))
}

// Mux serves the routes that name this function; none is an error (the main passed the wrong
// capability's routes).
func Mux(name string, rs []httpapi.Route, g httpapi.Guard) (*http.ServeMux, error) {
	n := 0
	for _, r := range rs {
		if r.Function == name {
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("none of the routes functions/%s/main.go passes is served by %s", name, name)
	}
	return httpapi.Mux(rs, name, g), nil
}
