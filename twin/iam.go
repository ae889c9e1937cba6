package twin

import (
	"fmt"
	"path"
	"strings"
)

// Statement is one resolved IAM policy statement.
type Statement struct {
	Effect    string
	Actions   []string
	Resources []string
	Source    string // the policy's logical id, for reports
}

// policies collects each role's statements: inline Policies of the AWS::IAM::Role and every
// AWS::IAM::Policy attached to it. Managed policies (e.g. AWSLambdaBasicExecutionRole) grant
// logs and X-Ray only, which the twin does not fake, so they are not modelled.
func (t *Template) policies() (map[string][]Statement, error) {
	out := map[string][]Statement{}
	add := func(role, source string, doc any) error {
		r, err := t.Resolve(doc)
		if err != nil {
			return fmt.Errorf("twin: policy %s: %w", source, err)
		}
		m, _ := r.(map[string]any)
		for _, s := range asList(m["Statement"]) {
			sm, _ := s.(map[string]any)
			st := Statement{Source: source}
			st.Effect, _ = sm["Effect"].(string)
			for _, a := range asList(sm["Action"]) {
				if s, ok := a.(string); ok {
					st.Actions = append(st.Actions, s)
				}
			}
			for _, a := range asList(sm["Resource"]) {
				if s, ok := a.(string); ok {
					st.Resources = append(st.Resources, s)
				}
			}
			out[role] = append(out[role], st)
		}
		return nil
	}
	for _, id := range t.Of("AWS::IAM::Role") {
		for _, p := range asList(t.RawProp(id, "Policies")) {
			pm, _ := p.(map[string]any)
			if err := add(id, id, pm["PolicyDocument"]); err != nil {
				return nil, err
			}
		}
	}
	for _, id := range t.Of("AWS::IAM::Policy") {
		for _, r := range asList(t.RawProp(id, "Roles")) {
			role := LogicalIDOf(r)
			if role == "" {
				continue
			}
			if err := add(role, id, t.RawProp(id, "PolicyDocument")); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// wildcard matches IAM's * and ? wildcards.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
func wildcard(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	// path.Match treats '/' specially and '[' as a class; IAM does neither, so escape and map.
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '*', '?':
			b.WriteRune(r)
		case '[', ']', '\\':
			b.WriteRune('\\')
			b.WriteRune(r)
		case '/':
			b.WriteRune('\x00')
		default:
			b.WriteRune(r)
		}
	}
	ok, _ := path.Match(b.String(), strings.ReplaceAll(s, "/", "\x00"))
	return ok
}

// allowed evaluates a request as IAM does for identity policies: an explicit Deny wins, else some
// Allow must match both the action (case-insensitive) and the resource (case-sensitive).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
func allowed(stmts []Statement, action, resource string) bool {
	allow := false
	for _, s := range stmts {
		am := false
		for _, a := range s.Actions {
			if wildcard(a, action, true) {
				am = true
				break
			}
		}
		if !am {
			continue
		}
		rm := false
		for _, r := range s.Resources {
			if wildcard(r, resource, false) {
				rm = true
				break
			}
		}
		if !rm {
			continue
		}
		if s.Effect == "Deny" {
			return false
		}
		allow = true
	}
	return allow
}
