package events

import (
	"errors"
	"strings"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// PascalCase turns a kebab-case resource name into PascalCase: "qualify-lead" → "QualifyLead".
func PascalCase(name string) string {
	var b strings.Builder
	for _, part := range strings.Split(name, "-") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(part[1:])
	}
	return b.String()
}

// Placeholders in statemachines/*.asl.json. The CDK stack passes them as DefinitionSubstitutions;
// the local runtime substitutes local ARNs.
func FunctionPlaceholder(fn string) string     { return PascalCase(fn) + "FunctionArn" }
func StateMachinePlaceholder(sm string) string { return PascalCase(sm) + "StateMachineArn" }

// EventBusPlaceholder names the bus in events:putEvents tasks.
const EventBusPlaceholder = "EventBusName"
