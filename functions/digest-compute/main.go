// Command digest-compute is the Lambda entry point of the digest-compute handler (shared/handlers): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/handlers"
)

func main() {
	lambdaenv.Start("digest-compute", func(d *handlers.Deps) any { return d.ComputeDigest }, dynamodb.Client)
}
