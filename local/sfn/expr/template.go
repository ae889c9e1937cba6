package expr

import (
	"errors"
	"fmt"
	"strings"
)

// Payload templates: "Use the .$ suffix on a key to select a value with a path or an
// intrinsic function" (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html).

func payload(t any, sc Scope) (any, error) {
	switch x := t.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, v := range x {
			if strings.HasSuffix(k, ".$") {
				val, err := evalDollarValue(k, v, sc)
				if err != nil {
					return nil, err
				}
				out[strings.TrimSuffix(k, ".$")] = val
				continue
			}
			val, err := payload(v, sc)
			if err != nil {
				return nil, err
			}
			out[k] = val
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			val, err := payload(v, sc)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return t, nil
}

// evalDollarValue evaluates the value of a "key.$" field.
func evalDollarValue(key string, v any, sc Scope) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, &Error{Name: ErrRuntime, Cause: fmt.Sprintf("The value of the field '%s' must be a JSONPath or an intrinsic function, but was %s", key, MarshalString(v))}
	}
	var val any
	var err error
	if isIntrinsic(s) {
		val, err = evalIntrinsic(s, sc)
	} else {
		val, err = resolve(s, sc)
	}
	if err == nil {
		return val, nil
	}
	return nil, fieldError(key, err, sc)
}

// fieldError turns a path or intrinsic error in field into the *Error AWS reports.
func fieldError(field string, err error, sc Scope) error {
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return &Error{Name: ErrRuntime, Cause: NotFoundCause(nf.Path, field, sc.Input)}
	}
	var uv *UnknownVariableError
	if errors.As(err, &uv) {
		return &Error{Name: ErrRuntime, Cause: fmt.Sprintf("The variable '$%s' specified for the field '%s' is not defined", uv.Name, field)}
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Name: ErrRuntime, Cause: fmt.Sprintf("The field '%s' could not be evaluated: %v", field, err)}
}

// FieldError is fieldError for the engine: it maps an error from Resolve or Intrinsic used in
// a single-path field (ErrorPath, CausePath, ItemsPath, SecondsPath, ...) to AWS's *Error, with
// input being the document the field was evaluated against.
func FieldError(field string, err error, input any) error {
	return fieldError(field, err, Scope{Input: input})
}

// EvalPathOrIntrinsic evaluates a JSONPath-mode field value that may be a path or an
// intrinsic call (ErrorPath and CausePath accept both).
func EvalPathOrIntrinsic(field, s string, sc Scope) (any, error) {
	var v any
	var err error
	if isIntrinsic(s) {
		v, err = evalIntrinsic(s, sc)
	} else {
		v, err = resolve(s, sc)
	}
	if err != nil {
		return nil, fieldError(field, err, sc)
	}
	return v, nil
}

// TemplateError is a load-time error in a payload template; Field is the slash-separated
// location ("Parameters/a.b/c.$").
type TemplateError struct {
	Field  string
	Reason string
}

func (e *TemplateError) Error() string { return e.Field + ": " + e.Reason }

func validTemplate(field string, t any) error {
	switch x := t.(type) {
	case map[string]any:
		for _, k := range sortedKeys(x) {
			v := x[k]
			loc := field + "/" + k
			if strings.HasSuffix(k, ".$") {
				s, ok := v.(string)
				if !ok {
					return &TemplateError{Field: loc, Reason: "the value of a field ending in '.$' must be a string holding a JSONPath or an intrinsic function"}
				}
				if looksIntrinsic(s) {
					if err := validIntrinsic(s); err != nil {
						return &TemplateError{Field: loc, Reason: err.Error()}
					}
				} else if _, err := parseAnyPath(s); err != nil {
					return &TemplateError{Field: loc, Reason: err.Error()}
				}
				continue
			}
			if err := validTemplate(loc, v); err != nil {
				return err
			}
		}
	case []any:
		for i, v := range x {
			if err := validTemplate(fmt.Sprintf("%s[%d]", field, i), v); err != nil {
				return err
			}
		}
	}
	return nil
}
