package expr

import (
	"fmt"
	"sort"
	"strings"
)

// ValidateState checks, at load time, every expression-bearing field of one state (not the
// states nested in Parallel branches or Map processors: the caller walks those) and returns
// one *TemplateError per problem, each naming the field ("Parameters/a.$",
// "Choices[0].Variable", "Catch[1].ResultPath"). queryLanguage is the state's effective query
// language, "JSONPath" or "JSONata". Structural rules (which fields a state type allows) are
// the engine's; this only checks that paths, templates, intrinsics and JSONata parse and that
// variable names are legal.
func ValidateState(state map[string]any, queryLanguage string) []*TemplateError {
	v := &stateValidator{}
	if queryLanguage == "JSONata" {
		v.jsonataState(state)
	} else {
		v.jsonPathState(state)
	}
	sort.SliceStable(v.errs, func(i, j int) bool { return v.errs[i].Field < v.errs[j].Field })
	return v.errs
}

type stateValidator struct{ errs []*TemplateError }

func (v *stateValidator) add(field, format string, a ...any) {
	v.errs = append(v.errs, &TemplateError{Field: field, Reason: fmt.Sprintf(format, a...)})
}

func (v *stateValidator) addErr(field string, err error) {
	if err == nil {
		return
	}
	if te, ok := err.(*TemplateError); ok {
		v.errs = append(v.errs, te)
		return
	}
	v.errs = append(v.errs, &TemplateError{Field: field, Reason: err.Error()})
}

// pathFields are JSONPath-mode fields holding a path that may start with $, $$ or $var.
var pathFields = []string{"InputPath", "OutputPath", "ItemsPath", "SecondsPath", "TimestampPath",
	"TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath", "ToleratedFailureCountPath",
	"ToleratedFailurePercentagePath"}

// templateFields are JSONPath-mode payload templates.
var templateFields = []string{"Parameters", "ResultSelector", "ItemSelector"}

// jsonataFields are JSONata-mode fields that may hold "{% %}" expressions.
var jsonataFields = []string{"Arguments", "Output", "Items", "TimeoutSeconds", "HeartbeatSeconds",
	"MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "Seconds", "Timestamp",
	"Error", "Cause"}

func (v *stateValidator) jsonPathState(st map[string]any) {
	for _, f := range pathFields {
		if s, ok := st[f].(string); ok {
			v.addErr(f, ValidPath(s))
		}
	}
	if s, ok := st["ResultPath"].(string); ok {
		v.addErr("ResultPath", ValidReferencePath(s))
	}
	for _, f := range templateFields {
		if t, ok := st[f]; ok {
			v.addErr(f, validTemplate(f, t))
		}
	}
	for _, f := range []string{"ErrorPath", "CausePath"} {
		if s, ok := st[f].(string); ok {
			if looksIntrinsic(s) {
				v.addErr(f, validIntrinsic(s))
			} else {
				v.addErr(f, ValidPath(s))
			}
		}
	}
	v.assign("Assign", st["Assign"], false)
	if choices, ok := st["Choices"].([]any); ok {
		for i, c := range choices {
			v.choiceRule(fmt.Sprintf("Choices[%d]", i), c)
		}
	}
	v.catchers(st, false)
}

// choiceRule checks Variable and every *Path comparison, recursing into And/Or/Not.
func (v *stateValidator) choiceRule(loc string, rule any) {
	m, ok := rule.(map[string]any)
	if !ok {
		return
	}
	for _, k := range sortedKeys(m) {
		switch val := m[k].(type) {
		case string:
			if k == "Variable" || (strings.HasSuffix(k, "Path") && k != "Path") {
				v.addErr(loc+"."+k, ValidPath(val))
			}
			if k == "Condition" {
				v.addErr(loc+".Condition", validJSONataTemplate(loc+".Condition", val))
			}
		case []any:
			if k == "And" || k == "Or" {
				for i, sub := range val {
					v.choiceRule(fmt.Sprintf("%s.%s[%d]", loc, k, i), sub)
				}
			}
		case map[string]any:
			if k == "Not" {
				v.choiceRule(loc+".Not", val)
			}
		}
	}
	if a, ok := m["Assign"]; ok {
		v.assign(loc+".Assign", a, false)
	}
	if o, ok := m["Output"]; ok {
		v.addErr(loc+".Output", validJSONataTemplate(loc+".Output", o))
	}
}

func (v *stateValidator) catchers(st map[string]any, jsonata bool) {
	catches, ok := st["Catch"].([]any)
	if !ok {
		return
	}
	for i, c := range catches {
		m, ok := c.(map[string]any)
		if !ok {
			continue
		}
		loc := fmt.Sprintf("Catch[%d]", i)
		if s, ok := m["ResultPath"].(string); ok && !jsonata {
			v.addErr(loc+".ResultPath", ValidReferencePath(s))
		}
		v.assign(loc+".Assign", m["Assign"], jsonata)
		if o, ok := m["Output"]; ok && jsonata {
			v.addErr(loc+".Output", validJSONataTemplate(loc+".Output", o))
		}
	}
}

func (v *stateValidator) jsonataState(st map[string]any) {
	for _, f := range jsonataFields {
		if t, ok := st[f]; ok {
			v.addErr(f, validJSONataTemplate(f, t))
		}
	}
	v.assign("Assign", st["Assign"], true)
	if choices, ok := st["Choices"].([]any); ok {
		for i, c := range choices {
			v.choiceRule(fmt.Sprintf("Choices[%d]", i), c)
		}
	}
	if sel, ok := st["ItemSelector"]; ok {
		v.addErr("ItemSelector", validJSONataTemplate("ItemSelector", sel))
	}
	v.catchers(st, true)
}

// assign checks an Assign block: variable names follow the ASL rules and values parse.
func (v *stateValidator) assign(loc string, a any, jsonata bool) {
	if a == nil {
		return
	}
	m, ok := a.(map[string]any)
	if !ok {
		v.add(loc, "Assign must be a JSON object")
		return
	}
	for _, k := range sortedKeys(m) {
		name := k
		if !jsonata {
			name = strings.TrimSuffix(k, ".$")
		}
		if err := validAssignName(name); err != nil {
			v.add(loc+"/"+k, "%v", err)
		}
	}
	if jsonata {
		v.addErr(loc, validJSONataTemplate(loc, m))
	} else {
		v.addErr(loc, validTemplate(loc, m))
	}
}

// validAssignName applies the rules for variable names in the developer guide's "Passing data
// between states with variables": letters, digits and underscores, not starting with a digit,
// at most 80 characters, and not the reserved name "states".
func validAssignName(name string) error {
	switch {
	case name == "states":
		return fmt.Errorf("the variable name %q is reserved", name)
	case len([]rune(name)) > 80:
		return fmt.Errorf("the variable name %q is longer than 80 characters", name)
	case !validVarName(name):
		return fmt.Errorf("%q is not a valid variable name: use letters, digits and '_', not starting with a digit", name)
	}
	return nil
}
