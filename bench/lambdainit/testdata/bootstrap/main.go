// Command bootstrap is a stand-in Lambda bootstrap for lambdainit's tests. What it does at init
// depends on its function name (the last part of AWS_LAMBDA_FUNCTION_NAME): fast starts at once,
// slow spends 120 ms in a package initialiser, crash exits, secrets checks its environment and
// reads its signing key through the real Secrets Manager adapter before starting.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dealflow/dealflow/shared/awsadapters/secrets"
)

func name() string {
	n := os.Getenv("AWS_LAMBDA_FUNCTION_NAME")
	return n[strings.LastIndex(n, "-")+1:]
}

func init() {
	if name() == "slow" {
		time.Sleep(120 * time.Millisecond)
	}
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", a...)
	os.Exit(3)
}

func main() {
	switch name() {
	case "crash":
		fail("cold start failed: no table")
	case "secrets":
		if os.Getenv("TABLE_NAME") != "dealflow-dev" || os.Getenv("ORG_FILE") == "" || os.Getenv("EVENT_BUS_NAME") != "" {
			fail("environment not as the access table says: %q", os.Environ())
		}
		cfg := aws.Config{Region: os.Getenv("AWS_REGION"), Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), os.Getenv("AWS_SESSION_TOKEN"))}
		got, err := secrets.SecretStrings(context.Background(), secrets.NewHTTPClient(cfg), os.Getenv("SECRET_LINK_SIGNING_KEY_ARN"))
		if err != nil || len(got) != 1 || !strings.HasPrefix(got[0], "fake-") {
			fail("secret: %q %v", got, err)
		}
	}
	lambda.Start(func(context.Context) error { return nil })
}
