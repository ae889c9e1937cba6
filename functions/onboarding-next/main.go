// Command onboarding-next is the Lambda entry point of the onboarding-next handler (shared/onboarding): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/onboarding"
)

func main() {
	lambdaenv.Start("onboarding-next", onboarding.New, onboarding.Functions, dynamodb.Client)
}
