// Package lambdaenv builds the handlers' dependencies from a Lambda function's environment: the
// contract with the CDK stack (infra/stack.go sets these variables, only those a function's role
// allows). Cold-start work only; nothing here decides anything about sales.
package lambdaenv

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/dealflow/dealflow/shared/awsadapters"
	"github.com/dealflow/dealflow/shared/clock"
	dfconfig "github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/handlers"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Secret ids as the stack names them (infra/access.go).
const (
	secretHubSpot     = "hubspot-app-secret"
	secretLeadSigning = "lead-signing-keys"
	secretLinkSigning = "link-signing-key"
)

func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// Build reads the environment and returns the handlers' dependencies and secrets.
func Build(ctx context.Context) (*handlers.Deps, *handlers.Secrets, error) {
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	org, err := dfconfig.Load(os.Getenv("ORG_FILE"))
	if err != nil {
		return nil, nil, fmt.Errorf("org file: %w", err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("aws config: %w", err)
	}
	clk := clock.Real{}
	d := &handlers.Deps{Org: org, Clock: clk, Log: log, Available: handlers.WorkingHours(org)}
	if t := os.Getenv("TABLE_NAME"); t != "" {
		st, err := dynamo.New(dynamodb.NewFromConfig(cfg), t, dynamo.WithClock(clk))
		if err != nil {
			return nil, nil, err
		}
		d.Store = st
	}
	if os.Getenv("SENDER_EMAIL") != "" && d.Store != nil {
		ses := awsadapters.SES{Client: sesv2.NewFromConfig(cfg), From: os.Getenv("SENDER_EMAIL"), ConfigurationSet: os.Getenv("SES_CONFIGURATION_SET")}
		d.Mailer = notifyIdempotent(d, ses)
	}
	if bus := os.Getenv("EVENT_BUS_NAME"); bus != "" {
		d.Publisher = awsadapters.Publisher{Client: eventbridge.NewFromConfig(cfg), Bus: bus}
	}
	machines := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "STATE_MACHINE_") && strings.HasSuffix(k, "_ARN") {
			name := strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(k, "STATE_MACHINE_"), "_ARN"), "_", "-"))
			machines[name] = v
		}
	}
	if len(machines) > 0 {
		d.Workflow = awsadapters.Workflow{Client: sfn.NewFromConfig(cfg), Machines: machines}
	}
	s := &handlers.Secrets{PublicURL: org.Settings.PublicURL}
	sm := secretsmanager.NewFromConfig(cfg)
	read := func(id string) ([]string, error) {
		arn := os.Getenv("SECRET_" + envName(id) + "_ARN")
		if arn == "" {
			return nil, nil
		}
		return awsadapters.SecretStrings(ctx, sm, arn)
	}
	if s.LeadSecrets, err = read(secretLeadSigning); err != nil {
		return nil, nil, err
	}
	hs, err := read(secretHubSpot)
	if err != nil {
		return nil, nil, err
	}
	var versions []webhook.HubSpotVersion
	for _, v := range org.Webhooks.HubSpot.SignatureVersions {
		versions = append(versions, webhook.HubSpotVersion(strings.ToLower(v)))
	}
	s.HubSpot = webhook.HubSpotVerifier{Secrets: hs, Versions: versions}
	link, err := read(secretLinkSigning)
	if err != nil {
		return nil, nil, err
	}
	if len(link) > 0 {
		s.LinkKey = []byte(link[0])
		d.LinkKey = s.LinkKey
	}
	return d, s, nil
}

// Start runs the named function of the handler registry (a workflow task or an event target).
func Start(name string) {
	d, _, err := Build(context.Background())
	if err != nil {
		slog.Error("cold start failed", "function", name, "error", err.Error())
		os.Exit(1)
	}
	fn, ok := handlers.Functions(d)[name]
	if !ok {
		slog.Error("no such function in the handler registry", "function", name)
		os.Exit(1)
	}
	lambda.Start(fn)
}

// StartHTTP serves the routes of the route table that name this function, behind API Gateway.
func StartHTTP(name string) {
	d, s, err := Build(context.Background())
	if err != nil {
		slog.Error("cold start failed", "function", name, "error", err.Error())
		os.Exit(1)
	}
	if d.Store != nil && d.Publisher != nil {
		d.Store = relayAfterWrite(d, d.Publisher)
	}
	hs := handlers.HTTPHandlers(d, s)
	mux := http.NewServeMux()
	for _, r := range httpapi.Routes {
		if r.Function == name {
			if h, ok := hs[r.MuxPattern()]; ok {
				mux.HandleFunc(r.MuxPattern(), h)
			}
		}
	}
	lambda.Start(httpapi.LambdaHandler(mux))
}
