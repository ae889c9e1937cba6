package pattern

import (
	"fmt"
	"strings"
)

// testEventRequired are the envelope fields TestEventPattern insists on.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_TestEventPattern.html
var testEventRequired = []string{"id", "account", "source", "time", "region", "resources", "detail-type"}

// TestEvent answers like EventBridge's TestEventPattern: the event must be a JSON object carrying
// the envelope fields id, account, source, time, region, resources and detail-type; the result
// says whether the pattern matches it.
func (p *Pattern) TestEvent(event []byte) (bool, error) {
	ev, err := DecodeEvent(event)
	if err != nil {
		return false, err
	}
	root := ev.(map[string]any)
	var missing []string
	for _, k := range testEventRequired {
		if _, ok := root[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return false, fmt.Errorf("event is not valid: missing envelope field(s) %s", strings.Join(missing, ", "))
	}
	return p.MatchValue(root), nil
}
