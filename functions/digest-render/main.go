// Command digest-render is the Lambda entry point of the digest-render handler (shared/digest): wiring only.
// It renders from its input and the org file alone, so it names no AWS client (infra/access.go).
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"

	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/platform"
)

func main() {
	lambdaenv.Start("digest-render", func(d *platform.Deps) *digest.Service { return digest.New(d, nil) }, digest.Functions)
}
