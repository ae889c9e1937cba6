package sfn

import "time"

// HistoryEvent is one entry of GetExecutionHistory: the event type and the *EventDetails
// object AWS reports for it (document fields such as input and output hold JSON text).
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
type HistoryEvent struct {
	ID              int64          `json:"id"`
	PreviousEventID int64          `json:"previousEventId"`
	Timestamp       time.Time      `json:"timestamp"`
	Type            string         `json:"type"`
	Details         map[string]any `json:"details"`

	// The frequent events (execution started and succeeded, state entered and exited) are kept
	// in this compact form and their Details map is built only when the history is read or
	// persisted: most histories never are, and the maps were most of an execution's allocations.
	compact  compactKind
	cName    string // the state name, or the role ARN of ExecutionStarted
	cDoc     any    // the input or output document
	cText    string // the input as text, when hasText
	hasText  bool
	assigned map[string]any // assignedVariables of a StateExited
}

type compactKind uint8

const (
	compactNone      compactKind = iota
	compactEntered               // {input, inputDetails, name}
	compactExited                // {output, outputDetails, name[, assignedVariables, assignedVariablesDetails]}
	compactStarted               // {input, inputDetails, roleArn}
	compactSucceeded             // {output, outputDetails}
)

// expand builds the Details of a compact event (the same map the engine used to build at
// emission), with its lazy documents rendered in ko's key orders; h becomes a plain event.
func (h *HistoryEvent) expand(ko *keyOrders) {
	if h.compact == compactNone {
		return
	}
	doc := func(v any) any { return &lazyDoc{v: v, ko: ko} }
	input := func() any {
		if h.hasText {
			return h.cText
		}
		return doc(h.cDoc)
	}
	switch h.compact {
	case compactEntered:
		h.Details = map[string]any{"input": input(), "inputDetails": notTruncated, "name": h.cName}
	case compactStarted:
		h.Details = map[string]any{"input": input(), "inputDetails": notTruncated, "roleArn": h.cName}
	case compactSucceeded:
		h.Details = map[string]any{"output": doc(h.cDoc), "outputDetails": notTruncated}
	case compactExited:
		d := map[string]any{"output": doc(h.cDoc), "outputDetails": notTruncated, "name": h.cName}
		if h.assigned != nil {
			av := make(map[string]any, len(h.assigned))
			for k, v := range h.assigned {
				av[k] = doc(v)
			}
			d["assignedVariables"] = av
			d["assignedVariablesDetails"] = notTruncated
		}
		h.Details = d
	}
	h.compact, h.cName, h.cDoc, h.cText, h.hasText, h.assigned = compactNone, "", nil, "", false, nil
}

// stateEventTypes are "<Type>StateEntered" and "<Type>StateExited" per state type, built once.
var stateEventTypes = func() map[string][2]string {
	m := map[string][2]string{}
	for _, t := range []string{"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"} {
		m[t] = [2]string{t + "StateEntered", t + "StateExited"}
	}
	return m
}()

func enteredType(typ string) string {
	if t, ok := stateEventTypes[typ]; ok {
		return t[0]
	}
	return typ + "StateEntered"
}

func exitedType(typ string) string {
	if t, ok := stateEventTypes[typ]; ok {
		return t[1]
	}
	return typ + "StateExited"
}

// DetailsKey is the name of the *EventDetails member AWS uses for this event type.
func (h HistoryEvent) DetailsKey() string {
	if h.Details == nil {
		return ""
	}
	return detailsKeys[h.Type]
}

var detailsKeys = map[string]string{
	"ExecutionStarted": "executionStartedEventDetails", "ExecutionSucceeded": "executionSucceededEventDetails",
	"ExecutionFailed": "executionFailedEventDetails", "ExecutionAborted": "executionAbortedEventDetails",
	"ExecutionTimedOut": "executionTimedOutEventDetails", "EvaluationFailed": "evaluationFailedEventDetails",
	"MapStateStarted": "mapStateStartedEventDetails", "MapIterationStarted": "mapIterationStartedEventDetails",
	"MapIterationSucceeded": "mapIterationSucceededEventDetails", "MapIterationFailed": "mapIterationFailedEventDetails",
	"MapIterationAborted": "mapIterationAbortedEventDetails", "MapRunStarted": "mapRunStartedEventDetails",
	"MapRunFailed":  "mapRunFailedEventDetails",
	"TaskScheduled": "taskScheduledEventDetails", "TaskStarted": "taskStartedEventDetails",
	"TaskSubmitted": "taskSubmittedEventDetails", "TaskSucceeded": "taskSucceededEventDetails",
	"TaskFailed": "taskFailedEventDetails", "TaskTimedOut": "taskTimedOutEventDetails",
	"LambdaFunctionScheduled": "lambdaFunctionScheduledEventDetails", "LambdaFunctionFailed": "lambdaFunctionFailedEventDetails",
	"LambdaFunctionSucceeded": "lambdaFunctionSucceededEventDetails", "LambdaFunctionTimedOut": "lambdaFunctionTimedOutEventDetails",
	"LambdaFunctionScheduleFailed": "lambdaFunctionScheduleFailedEventDetails", "LambdaFunctionStartFailed": "lambdaFunctionStartFailedEventDetails",
}

func init() {
	for _, t := range []string{"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"} {
		detailsKeys[t+"StateEntered"] = "stateEnteredEventDetails"
		detailsKeys[t+"StateExited"] = "stateExitedEventDetails"
	}
}

// maxHistoryEvents is the Standard workflow history quota
// (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
const maxHistoryEvents = 25000

// maxPayloadBytes is the 256 KiB input/output quota for tasks, states and executions.
const maxPayloadBytes = 256 * 1024

func docDetails(key string, v any) map[string]any {
	return map[string]any{key: &lazyDoc{v: v}, key + "Details": notTruncated}
}

// notTruncated is shared by every event; details maps are never modified after emission.
var notTruncated = map[string]any{"truncated": false}

// lazyDoc is a document shown as JSON text in event details. Rendering is deferred until the
// history is read or persisted, since most histories are never read; documents are immutable.
type lazyDoc struct {
	v  any
	ko *keyOrders // the execution's remembered key orders
}

func (d *lazyDoc) String() string { return d.ko.encodeOrdered(d.v) }

// MarshalJSON renders the document as a JSON string holding its text, as AWS does.
func (d *lazyDoc) MarshalJSON() ([]byte, error) {
	return appendJSONString(nil, encodeJSON(d.v)), nil
}

// materialize replaces lazy documents (also one level down, as in assignedVariables) with text.
func materialize(details map[string]any) map[string]any {
	if details == nil || !hasLazy(details) {
		return details
	}
	out := make(map[string]any, len(details))
	for k, v := range details {
		switch t := v.(type) {
		case *lazyDoc:
			out[k] = t.String()
		case map[string]any:
			out[k] = materialize(t)
		default:
			out[k] = v
		}
	}
	return out
}

func hasLazy(m map[string]any) bool {
	for _, v := range m {
		switch t := v.(type) {
		case *lazyDoc:
			return true
		case map[string]any:
			if hasLazy(t) {
				return true
			}
		}
	}
	return false
}
