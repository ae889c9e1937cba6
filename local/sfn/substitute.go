package sfn

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var placeholderRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// Substitute replaces ${Name} placeholders in a definition the way CloudFormation's
// DefinitionSubstitutions do, so statemachines/*.asl.json run unchanged locally. A placeholder
// without a value is an error naming the file and every missing name.
func Substitute(text []byte, file string, subs map[string]string) ([]byte, error) {
	missing := map[string]bool{}
	out := placeholderRE.ReplaceAllFunc(text, func(m []byte) []byte {
		name := string(m[2 : len(m)-1])
		v, ok := subs[name]
		if !ok {
			missing[name] = true
			return m
		}
		return []byte(strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), `"`, `\"`))
	})
	if len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for n := range missing {
			names = append(names, "${"+n+"}")
		}
		sort.Strings(names)
		return nil, &ValidationError{File: file, Message: fmt.Sprintf("no value for placeholder %s (give one, e.g. --sub %s=VALUE)",
			strings.Join(names, ", "), strings.Trim(names[0], "${}"))}
	}
	return out, nil
}
