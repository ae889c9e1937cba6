package expr

import (
	"errors"
	"testing"
)

func TestPayload(t *testing.T) {
	sc := Scope{
		Input:   mustDecode(t, `{"id": 7, "items": [{"sku": "a"}, {"sku": "b"}], "price": 1.0}`),
		Context: mustDecode(t, `{"Execution": {"Name": "run-1"}}`),
		Vars: func(name string) (any, bool) {
			if name == "region" {
				return "eu", true
			}
			return nil, false
		},
	}
	tests := []struct {
		name, template, want string
	}{
		{"literal copied", `{"a": 1, "b": {"c": [true, null]}}`, `{"a": 1, "b": {"c": [true, null]}}`},
		{"path", `{"id.$": "$.id"}`, `{"id": 7}`},
		{"float keeps its form", `{"p.$": "$.price"}`, `{"p": 1.0}`},
		{"context", `{"exec.$": "$$.Execution.Name"}`, `{"exec": "run-1"}`},
		{"variable", `{"r.$": "$region"}`, `{"r": "eu"}`},
		{"intrinsic", `{"label.$": "States.Format('order {} in {}', $.id, $region)"}`, `{"label": "order 7 in eu"}`},
		{"nested objects and arrays", `{"outer": {"skus.$": "$.items[*].sku"}, "list": [{"first.$": "$.items[0]"}, "plain"]}`,
			`{"outer": {"skus": ["a", "b"]}, "list": [{"first": {"sku": "a"}}, "plain"]}`},
		{"indefinite path with no match", `{"none.$": "$.items[?(@.sku == 'z')]"}`, `{"none": []}`},
		{"string that looks like a path without .$ stays", `{"p": "$.id"}`, `{"p": "$.id"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := mustDecode(t, tc.template)
			if err := ValidTemplate("Parameters", tmpl); err != nil {
				t.Fatalf("ValidTemplate: %v", err)
			}
			got, err := Payload(tmpl, sc)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustDecode(t, tc.want); MarshalString(got) != MarshalString(want) {
				t.Errorf("got %s, want %s", MarshalString(got), MarshalString(want))
			}
		})
	}
}

func TestPayloadErrors(t *testing.T) {
	sc := Scope{Input: mustDecode(t, `{"int-literal": 0}`)}
	tests := []struct {
		name, template, errName, cause string
	}{
		// Cause text recorded from AWS (scenarios__test_invalid_jsonpath__INVALID_JSONPATH_IN_STRING_EXPR_JSONPATH).
		{"path not found", `{"value.$": "$.no_such_jsonpath"}`, ErrRuntime,
			`The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{"int-literal":0}'`},
		{"nested field not found", `{"a": {"b.$": "$.x.y"}}`, ErrRuntime,
			`The JSONPath '$.x.y' specified for the field 'b.$' could not be found in the input '{"int-literal":0}'`},
		{"intrinsic failure", `{"v.$": "States.ArrayLength($.int-literal)"}`, ErrIntrinsicFailure,
			`Invalid arguments in States.ArrayLength: the first argument must be an array, but was number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Payload(mustDecode(t, tc.template), sc)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *Error", err)
			}
			if e.Name != tc.errName || e.Cause != tc.cause {
				t.Errorf("got %s / %q\nwant %s / %q", e.Name, e.Cause, tc.errName, tc.cause)
			}
		})
	}
}

func TestValidTemplateRejects(t *testing.T) {
	tests := []struct{ name, template, field string }{
		{"non-string .$ value", `{"a.$": 1}`, "Parameters/a.$"},
		{"bad path", `{"a": {"b.$": "$.["}}`, "Parameters/a/b.$"},
		{"bad intrinsic", `{"l": [{"c.$": "States.Nope()"}]}`, "Parameters/l[0]/c.$"},
		{"not a path", `{"a.$": "hello"}`, "Parameters/a.$"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidTemplate("Parameters", mustDecode(t, tc.template))
			var te *TemplateError
			if !errors.As(err, &te) {
				t.Fatalf("error = %v, want *TemplateError", err)
			}
			if te.Field != tc.field {
				t.Errorf("field = %q, want %q", te.Field, tc.field)
			}
		})
	}
}
