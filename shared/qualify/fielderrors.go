package qualify

import "strings"

// FieldError says which input field is wrong and why, in words a sender can act on.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e FieldError) String() string { return e.Field + ": " + e.Reason }

// FieldErrors is a rejected input; the HTTP layer answers 400 with the list.
type FieldErrors []FieldError

func (fe FieldErrors) Error() string {
	s := make([]string, len(fe))
	for i, e := range fe {
		s[i] = e.String()
	}
	return strings.Join(s, "; ")
}

// Add appends one error; it keeps call sites short.
func (fe *FieldErrors) Add(field, reason string) { *fe = append(*fe, FieldError{field, reason}) }

// Err returns fe as an error, or nil when it is empty (avoids the typed-nil trap).
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return fe
}
