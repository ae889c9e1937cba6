// Package stepfunctions is the Step Functions client of a Lambda cold start (lambdaenv.Client).
package stepfunctions

import (
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	sfnadapter "github.com/dealflow/dealflow/shared/awsadapters/stepfunctions"
)

// Client starts the state machines named by STATE_MACHINE_<NAME>_ARN and answers task tokens.
func Client(e *lambdaenv.Env) error {
	e.Link("stepfunctions")
	machines := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "STATE_MACHINE_") && strings.HasSuffix(k, "_ARN") {
			name := strings.ToLower(strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(k, "STATE_MACHINE_"), "_ARN"), "_", "-"))
			machines[name] = v
		}
	}
	// Without a machine to start, the client still answers task tokens (SendTask*), which name
	// no state machine.
	e.Deps().Workflow = sfnadapter.Workflow{Client: sfn.NewFromConfig(e.Config()), Machines: machines}
	return nil
}
