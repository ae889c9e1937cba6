// Command digest-plan is the Lambda entry point of the digest-plan handler (shared/digest): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.Start("digest-plan", func(d *platform.Deps) *digest.Service { return digest.New(d, nil) }, digest.Functions, dynamodb.Client)
}
