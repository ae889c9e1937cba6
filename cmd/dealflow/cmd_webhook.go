package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/webhook"
)

func init() {
	register("webhook verify", "check a webhook signature (hubspot | dealflow): prints valid or invalid: <reason>", runWebhookVerify)
	register("webhook sign", "print the signature headers for a body (dealflow | hubspot), for curl and tests", runWebhookSign)
}

// secretList collects repeated --secret flags (several secrets are active during a rotation).
type secretList []string

func (s *secretList) String() string     { return fmt.Sprintf("%d secret(s)", len(*s)) } // never the values
func (s *secretList) Set(v string) error { *s = append(*s, v); return nil }

// splitProvider accepts the provider either before the flags ("verify hubspot --secret …", the
// documented form) or after them.
func splitProvider(args []string) (provider string, rest []string) {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return args[0], args[1:]
	}
	return "", args
}

func runWebhookVerify(args []string, stdout, stderr io.Writer) int {
	provider, args := splitProvider(args)
	fs := flag.NewFlagSet("webhook verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	version := fs.String("signature-version", "v3", "HubSpot signature version: v1, v2 or v3")
	var secrets secretList
	fs.Var(&secrets, "secret", "client secret (repeat for several active secrets)")
	method := fs.String("method", "POST", "HTTP method of the request")
	uri := fs.String("uri", "", "full request URI as received: scheme://host/path?query")
	timestamp := fs.String("timestamp", "", "X-HubSpot-Request-Timestamp value, Unix milliseconds (v3)")
	signature := fs.String("signature", "", "signature header value (X-HubSpot-Signature[-v3] or Dealflow-Signature)")
	bodyFile := fs.String("body-file", "", "file holding the raw request body")
	nowMS := fs.String("now", "", "receiver clock, Unix milliseconds (default: now)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if provider == "" && fs.NArg() > 0 {
		provider = fs.Arg(0)
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "dealflow webhook verify: "+format+"\n", a...)
		return 2
	}
	if provider != "hubspot" && provider != "dealflow" {
		return usageErr("name the sender: hubspot or dealflow (got %q)", provider)
	}
	if len(secrets) == 0 {
		return usageErr("--secret is required")
	}
	if *signature == "" {
		return usageErr("--signature is required")
	}
	if *bodyFile == "" {
		return usageErr("--body-file is required (use an empty file for an empty body)")
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return usageErr("read --body-file: %v", err)
	}
	now := time.Now() // the CLI is an adapter: the real clock is allowed here
	if *nowMS != "" {
		ms, err := strconv.ParseInt(*nowMS, 10, 64)
		if err != nil {
			return usageErr("--now %q is not Unix milliseconds", *nowMS)
		}
		now = time.UnixMilli(ms)
	}

	var verr error
	switch provider {
	case "hubspot":
		ver := webhook.HubSpotVersion(strings.ToLower(*version))
		switch ver {
		case webhook.HubSpotV1, webhook.HubSpotV2, webhook.HubSpotV3:
		default:
			return usageErr("--signature-version must be v1, v2 or v3 (got %q)", *version)
		}
		if ver != webhook.HubSpotV1 && *uri == "" {
			return usageErr("--uri is required for %s signatures (the full URI HubSpot called)", ver)
		}
		if ver == webhook.HubSpotV3 && *timestamp == "" {
			return usageErr("--timestamp is required for v3 signatures (the X-HubSpot-Request-Timestamp value)")
		}
		v := webhook.HubSpotVerifier{Secrets: secrets, Versions: []webhook.HubSpotVersion{ver}}
		verr = v.Verify(webhook.HubSpotRequest{
			Version: ver, Method: *method, URI: *uri, Body: body, Signature: *signature, Timestamp: *timestamp,
		}, now)
	case "dealflow":
		verr = webhook.DealflowVerifier{Secrets: secrets}.Verify(*signature, body, now)
	}
	if verr != nil {
		var ve *webhook.VerifyError
		if !errors.As(verr, &ve) {
			fmt.Fprintf(stderr, "dealflow webhook verify: %v\n", verr)
			return 2
		}
		fmt.Fprintf(stdout, "invalid: %s\n", ve.Reason)
		return 1
	}
	fmt.Fprintln(stdout, "valid")
	return 0
}

func runWebhookSign(args []string, stdout, stderr io.Writer) int {
	provider, args := splitProvider(args)
	fs := flag.NewFlagSet("webhook sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var secrets secretList
	fs.Var(&secrets, "secret", "signing secret (repeat to add one v1 entry per secret)")
	bodyFile := fs.String("body-file", "", "file holding the exact body that will be sent")
	nowMS := fs.String("now", "", "signing time, Unix milliseconds (default: now)")
	version := fs.String("signature-version", "v3", "HubSpot signature version: v1, v2 or v3")
	method := fs.String("method", "POST", "HTTP method of the request (hubspot)")
	uri := fs.String("uri", "", "full URI the request will be sent to, scheme://host/path?query (hubspot v2, v3)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if provider == "" && fs.NArg() > 0 {
		provider = fs.Arg(0)
	}
	if provider != "dealflow" && provider != "hubspot" {
		fmt.Fprintf(stderr, "dealflow webhook sign: provider must be dealflow or hubspot (got %q)\n", provider)
		return 2
	}
	if len(secrets) == 0 || *bodyFile == "" {
		fmt.Fprintln(stderr, "dealflow webhook sign: --secret and --body-file are required")
		return 2
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintf(stderr, "dealflow webhook sign: read --body-file: %v\n", err)
		return 2
	}
	now := time.Now()
	if *nowMS != "" {
		ms, err := strconv.ParseInt(*nowMS, 10, 64)
		if err != nil {
			fmt.Fprintf(stderr, "dealflow webhook sign: --now %q is not Unix milliseconds\n", *nowMS)
			return 2
		}
		now = time.UnixMilli(ms)
	}
	if provider == "hubspot" {
		return signHubSpot(stdout, stderr, webhook.HubSpotVersion(*version), secrets[0], *method, *uri, body, now)
	}
	fmt.Fprintln(stdout, webhook.Sign(body, now, secrets...))
	return 0
}

// signHubSpot prints the headers HubSpot would send with body, one "Name: value" per line (ready
// for curl -H), signed with the app's client secret over the URI the request goes to.
// https://developers.hubspot.com/docs/api/webhooks/validating-requests
func signHubSpot(stdout, stderr io.Writer, version webhook.HubSpotVersion, secret, method, uri string, body []byte, now time.Time) int {
	if version != webhook.HubSpotV1 && uri == "" {
		fmt.Fprintf(stderr, "dealflow webhook sign: --uri is required for hubspot %s signatures (the full URI the request will be sent to, e.g. http://127.0.0.1:8080/v1/webhooks/hubspot)\n", version)
		return 2
	}
	switch version {
	case webhook.HubSpotV3:
		ts := strconv.FormatInt(now.UnixMilli(), 10)
		fmt.Fprintf(stdout, "%s: %s\n%s: %s\n", webhook.HeaderHubSpotSignatureV3, webhook.SignHubSpotV3(secret, method, uri, body, ts), webhook.HeaderHubSpotTimestamp, ts)
	case webhook.HubSpotV1, webhook.HubSpotV2:
		fmt.Fprintf(stdout, "%s: %s\n%s: %s\n", webhook.HeaderHubSpotSignature, webhook.SignHubSpotLegacy(version, secret, method, uri, body), webhook.HeaderHubSpotSignatureVersion, version)
	default:
		fmt.Fprintf(stderr, "dealflow webhook sign: --signature-version must be v1, v2 or v3 (got %q)\n", version)
		return 2
	}
	return 0
}
