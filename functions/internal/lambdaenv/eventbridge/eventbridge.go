// Package eventbridge is the EventBridge client of a Lambda cold start (lambdaenv.Client).
package eventbridge

import (
	"os"

	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/shared/awsadapters/eventbus"
)

// Client publishes to the bus named by EVENT_BUS_NAME.
func Client(e *lambdaenv.Env) error {
	e.Link("eventbridge")
	if bus := os.Getenv("EVENT_BUS_NAME"); bus != "" {
		e.Deps().Publisher = eventbus.Publisher{Client: eventbus.NewHTTPClient(e.Config()), Bus: bus}
	}
	return nil
}
