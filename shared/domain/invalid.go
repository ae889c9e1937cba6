package domain

import "strings"

// FieldProblem is one invalid field of a change and why.
type FieldProblem struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// InvalidError is what a capability's rules answer for a change they refuse: a machine-readable
// code ("InvalidDeal"), a message for people, and the fields at fault. The HTTP layer answers it
// as 400 (or Status when set, e.g. 409 for a conflict with the object's state).
type InvalidError struct {
	Code    string
	Message string
	Fields  []FieldProblem
	// Status overrides the HTTP status (0 = 400).
	Status int
}

func (e *InvalidError) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Invalid is an InvalidError with the given fields.
func Invalid(code, msg string, fields ...FieldProblem) *InvalidError {
	return &InvalidError{Code: code, Message: msg, Fields: fields}
}
