package sfn

import (
	"errors"
	"fmt"

	"github.com/dealflow/dealflow/local/sfn/expr"
)

// Error names Step Functions raises itself
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
const (
	ErrAll                             = "States.ALL"
	ErrTimeout                         = "States.Timeout"
	ErrTaskFailed                      = "States.TaskFailed"
	ErrHeartbeatTimeout                = "States.HeartbeatTimeout"
	ErrRuntime                         = "States.Runtime"
	ErrDataLimitExceeded               = "States.DataLimitExceeded"
	ErrBranchFailed                    = "States.BranchFailed"
	ErrNoChoiceMatched                 = "States.NoChoiceMatched"
	ErrIntrinsicFailure                = "States.IntrinsicFailure"
	ErrQueryEvaluation                 = "States.QueryEvaluationError"
	ErrExceedToleratedFailureThreshold = "States.ExceedToleratedFailureThreshold"
	ErrItemReaderFailed                = "States.ItemReaderFailed"
	ErrPermissions                     = "States.Permissions"
)

// failure is an error raised inside a state: an Error name and a Cause, as Retry/Catch see it.
type failure struct {
	Error    string
	Cause    string
	HasCause bool
	// prefixed causes carry "An error occurred while executing the state ..." and come from the
	// interpreter rather than from the task.
	// evaluation marks a States.QueryEvaluationError that AWS also reports as EvaluationFailed;
	// location is the field it names.
	evaluation bool
	location   string
	reported   bool
	// emptyCause: the error output shows "Cause": "" although the events carry no cause
	// (States.Timeout, as AWS reports it).
	emptyCause bool
	// stopped marks an execution that was stopped or timed out; nothing may catch it.
	stopped bool
}

func newFailure(name, cause string) *failure {
	return &failure{Error: name, Cause: cause, HasCause: true}
}

// stateFailure wraps an interpreter error raised while executing a state with AWS's prefix.
func stateFailure(name string, enteredID int64, errName, msg string) *failure {
	return &failure{Error: errName, HasCause: true,
		Cause: fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s", name, enteredID, msg)}
}

// fromExpr converts an expr error into a state failure.
func fromExpr(st *State, enteredID int64, err error, location string) *failure {
	var ee *expr.Error
	if errors.As(err, &ee) {
		f := stateFailure(st.Name, enteredID, ee.Name, ee.Cause)
		if ee.Name == ErrQueryEvaluation {
			f.evaluation = true
			f.location = location
			// expr names the exact template field ("Output/result") the cause quotes.
			if ee.Location != "" {
				f.location = ee.Location
			}
		}
		return f
	}
	var nf *expr.NotFoundError
	if errors.As(err, &nf) {
		return stateFailure(st.Name, enteredID, ErrRuntime, err.Error())
	}
	return stateFailure(st.Name, enteredID, ErrRuntime, err.Error())
}

// errorOutput is the document a Catch passes on: {"Error", "Cause"}.
func (f *failure) errorOutput() any {
	m := map[string]any{"Error": f.Error}
	if f.HasCause || f.emptyCause {
		m["Cause"] = f.Cause
	}
	return m
}

// matches reports whether an ErrorEquals list matches this failure. States.ALL matches every
// error except States.Runtime, which no Retry or Catch handles
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func (f *failure) matches(names []string) bool {
	if f.stopped || f.Error == ErrRuntime {
		return false
	}
	for _, n := range names {
		if n == f.Error {
			return true
		}
		if n == ErrAll {
			return true
		}
		if n == ErrTaskFailed && f.isTaskError() {
			return true
		}
	}
	return false
}

// isTaskError: States.TaskFailed matches any task failure except States.Timeout.
func (f *failure) isTaskError() bool {
	switch f.Error {
	case ErrTimeout, ErrHeartbeatTimeout, ErrRuntime, ErrDataLimitExceeded, ErrBranchFailed,
		ErrNoChoiceMatched, ErrIntrinsicFailure, ErrQueryEvaluation, ErrExceedToleratedFailureThreshold:
		return false
	}
	return true
}
