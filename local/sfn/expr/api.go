// Package expr owns the data-processing expressions of the Amazon States Language: JSONPath
// (reference paths and Jayway-style queries), payload templates (Parameters, ResultSelector,
// ItemSelector, Assign in JSONPath mode), the States.* intrinsic functions, and JSONata
// templates with the functions Step Functions adds. It has no notion of states or executions;
// the engine (local/sfn) calls it and wraps its errors with the state context.
//
// API STABILITY: this file is the contract with local/sfn. Changes are listed here.
//   - v1 (initial).
//   - v2: Error.Location (the template field a JSONata error names, e.g. "Output/result");
//     InvalidPathCause, FieldError, EvalPathOrIntrinsic, Canonical; JSONataScope.Now.
//   - v3: ValidateState (validate.go): load-time check of one state's paths, templates,
//     intrinsics, JSONata and Assign variable names, each problem naming its field.
//
// DOCUMENT REPRESENTATION (agreed with the engine): a JSON document is an `any` holding
// map[string]any, []any, string, bool, nil or json.Number. Numbers are never float64 so that
// AWS's int/float distinction (1 vs 1.0) survives; use Decode to parse and Marshal to print.
// Functions in this package never mutate their inputs; results may share unmodified subtrees
// with their inputs, so callers must treat documents as immutable too.
package expr

import (
	"time"
)

// Error is a States.* runtime error. Name is the error name AWS reports (ErrRuntime,
// ErrIntrinsicFailure, ErrQueryEvaluation, ...). Cause is the text AWS puts after the
// "An error occurred while executing the state 'X' (entered at the event id #N). " prefix,
// which the engine adds because only it knows the state and event id.
type Error struct {
	Name  string
	Cause string
	// Location is the slash-separated template field a JSONata error names ("Arguments",
	// "Output/result"), which AWS reports in the EvaluationFailed event; empty otherwise.
	Location string
}

func (e *Error) Error() string { return e.Name + ": " + e.Cause }

// Error names used by this package.
const (
	ErrRuntime          = "States.Runtime"
	ErrIntrinsicFailure = "States.IntrinsicFailure"
	ErrQueryEvaluation  = "States.QueryEvaluationError"
)

// NotFoundError is returned by Get when a syntactically valid path selects nothing in the
// document. The engine turns it into the field-specific AWS cause (for example "The JSONPath
// '$.x' specified for the field 'InputPath' could not be found in the input '{...}'"); see
// NotFoundCause.
type NotFoundError struct {
	Path   string // the path as written
	Detail string // Jayway's message, e.g. "Missing property in path $['no']"
}

func (e *NotFoundError) Error() string { return "JSONPath " + e.Path + ": " + e.Detail }

// InvalidPathCause is the AWS cause for InputPath/OutputPath/ResultPath failures:
// "Invalid path '$.a.b' : Missing property in path $['a']".
func InvalidPathCause(path string, err error) string {
	if nf, ok := err.(*NotFoundError); ok {
		return "Invalid path '" + path + "' : " + nf.Detail
	}
	return "Invalid path '" + path + "' : " + err.Error()
}

// NotFoundCause is the AWS cause text for a path that selected nothing in field (for example
// "InputPath", "ItemsPath", "value.$", "ErrorPath"); input is the document the path ran on.
func NotFoundCause(path, field string, input any) string {
	return "The JSONPath '" + path + "' specified for the field '" + field +
		"' could not be found in the input '" + MarshalString(input) + "'"
}

// Get evaluates a JSONPath on doc. Reference paths ($, $.a.b, $['a'], $.a[0]) return the single
// selected node; query paths (wildcards, slices, filters, recursive descent, lists of indexes)
// return a []any of every match, as Step Functions does. A path that selects nothing returns
// *NotFoundError; a path that does not parse returns an error of another type. Get does not
// resolve "$$" (context) or "$var" (variables): use Resolve for those.
func Get(doc any, path string) (any, error) {
	p, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	return p.get(doc)
}

// Resolve evaluates a path as it appears in JSONPath-mode fields such as InputPath, ItemsPath,
// SecondsPath, "x.$" values and Choice Variables: "$$..." runs on scope.Context, "$name..." on
// the variable name (when scope.Vars is set), anything else on scope.Input. Errors are as Get.
func Resolve(path string, scope Scope) (any, error) {
	return resolve(path, scope)
}

// Set returns a copy of doc with value placed at the reference path resultPath (ResultPath
// semantics: "$" replaces the whole document; missing objects are created). doc is not
// modified. An error means the path is not a reference path or cannot be applied to doc
// (for example it walks through a string); its Cause follows AWS's wording.
func Set(doc any, resultPath string, value any) (any, error) {
	return set(doc, resultPath, value)
}

// ValidPath reports whether path is a JSONPath Step Functions accepts in a query field
// (InputPath, OutputPath, ItemsPath, "x.$" values, Choice Variable); "$$" context paths
// and "$var" variable paths are accepted too.
func ValidPath(path string) error {
	_, err := parseAnyPath(path)
	return err
}

// ValidReferencePath reports whether path is a Reference Path (single node, no wildcards or
// filters), as ResultPath requires.
func ValidReferencePath(path string) error {
	return validReferencePath(path)
}

// Scope is what JSONPath-mode templates and paths can see.
type Scope struct {
	Input   any                           // the effective input ("$")
	Context any                           // the context object ("$$")
	Vars    func(name string) (any, bool) // variable lookup ("$name"); nil means no variables
}

// Payload evaluates a payload template (Parameters, ResultSelector, ItemSelector, Assign,
// Arguments in JSONPath mode): every key ending in ".$" is replaced by the key without the
// suffix and the value of its path or intrinsic function call; other values are copied.
// Errors are *Error with AWS's cause (States.Runtime for a path not found, States.IntrinsicFailure
// for intrinsic errors).
func Payload(template any, scope Scope) (any, error) {
	return payload(template, scope)
}

// ValidTemplate checks a payload template at load time: every ".$" value must be a string
// holding a valid path or a well-formed intrinsic call. field names the template's field
// (e.g. "Parameters") and is used in the error text.
func ValidTemplate(field string, template any) error {
	return validTemplate(field, template)
}

// IsIntrinsic reports whether s looks like an intrinsic function call ("States.X(...)").
func IsIntrinsic(s string) bool { return isIntrinsic(s) }

// Intrinsic evaluates one intrinsic function call such as "States.Format('{}', $.a)"; paths in
// its arguments resolve as Resolve does. Errors are *Error (usually States.IntrinsicFailure).
func Intrinsic(call string, scope Scope) (any, error) {
	return evalIntrinsic(call, scope)
}

// JSONataScope is what JSONata templates can see.
type JSONataScope struct {
	// States is bound to $states: keys "input", "context", and when available "result",
	// "errorOutput".
	States map[string]any
	// Vars looks up workflow variables ($name). nil means no variables.
	Vars func(name string) (any, bool)
	// Now is the engine's clock for $now() and $millis(); nil means the wall clock.
	Now func() time.Time
}

// JSONata evaluates a JSONata-mode template (Arguments, Output, Assign, Items, Condition, ...):
// every string of the exact form "{% expr %}" anywhere in template is replaced by its value;
// other values are copied. field is the template's field name ("Output", "Arguments", ...)
// and is used in causes such as "The JSONata expression '$x' specified for the field
// 'Output/result' returned nothing (undefined)." Errors are *Error with Name
// States.QueryEvaluationError.
func JSONata(field string, template any, scope JSONataScope) (any, error) {
	return evalJSONataTemplate(field, template, scope)
}

// JSONataAs is JSONata plus AWS's result type check for fields that need a given type; want is
// one of "array", "object", "string", "number", "boolean". Cause on mismatch: "The JSONata
// expression '$x' specified for the field 'Items' returned an unexpected result type.
// Expected 'array', but was 'string' for value: \"s\"".
func JSONataAs(field string, template any, scope JSONataScope, want string) (any, error) {
	return evalJSONataAs(field, template, scope, want)
}

// IsJSONata reports whether s is a JSONata expression string "{% ... %}".
func IsJSONata(s string) bool { return isJSONataString(s) }

// ValidJSONata checks at load time that every "{% %}" string in template parses.
func ValidJSONata(field string, template any) error {
	return validJSONataTemplate(field, template)
}

// Decode parses JSON text into the document representation (numbers as json.Number).
func Decode(data []byte) (any, error) { return decode(data) }

// Marshal prints a document as compact JSON the way Step Functions does (no HTML escaping,
// numbers exactly as held).
func Marshal(v any) ([]byte, error) { return marshal(v) }

// MarshalString is Marshal for use in messages; it never fails (unencodable values print as
// their Go form).
func MarshalString(v any) string {
	b, err := marshal(v)
	if err != nil {
		return "<unencodable>"
	}
	return string(b)
}

// Normalize converts a value built from Go types (float64, int, []string, map[string]string,
// structs via encoding/json) into the document representation.
func Normalize(v any) (any, error) { return normalize(v) }

// TypeName is the JSON type name AWS uses in messages: "object", "array", "string", "number",
// "boolean", "null".
func TypeName(v any) string { return typeName(v) }
