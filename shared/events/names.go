package events

import (
	"errors"
	"regexp"
	"slices"
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

var placeholderUse = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Substitute replaces every ${Name} in a state machine definition with lookup(Name), as Step
// Functions DefinitionSubstitutions do, and returns the names it could not resolve.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html
func Substitute(def []byte, lookup func(name string) (string, bool)) ([]byte, []string) {
	var missing []string
	out := placeholderUse.ReplaceAllFunc(def, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := lookup(name)
		if !ok {
			if !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
			return m
		}
		return []byte(v)
	})
	return out, missing
}

// Placeholders lists the ${Name} placeholders a definition uses, in order of first use.
func Placeholders(def []byte) []string {
	var out []string
	for _, m := range placeholderUse.FindAllSubmatch(def, -1) {
		if n := string(m[1]); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
