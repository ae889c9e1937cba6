// Package eventbridge is the EventBridge client of a Lambda cold start (lambdaenv.Client).
package eventbridge

import (
	"os"

	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	ebpub "github.com/dealflow/dealflow/shared/awsadapters/eventbridge"
)

// Client publishes to the bus named by EVENT_BUS_NAME.
func Client(e *lambdaenv.Env) error {
	e.Link("eventbridge")
	if bus := os.Getenv("EVENT_BUS_NAME"); bus != "" {
		e.Deps().Publisher = ebpub.Publisher{Client: ebpub.NewHTTPClient(e.Config()), Bus: bus}
	}
	return nil
}
