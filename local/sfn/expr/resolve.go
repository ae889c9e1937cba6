package expr

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// splitRoot separates the root of a path as written in a JSONPath-mode field: "$$" (context),
// "$name" (a variable) or "$" (the input). rest is the remainder rooted at "$".
func splitRoot(src string) (kind byte, name, rest string, err error) {
	switch {
	case strings.HasPrefix(src, "$$"):
		return 'c', "", "$" + src[2:], nil
	case !strings.HasPrefix(src, "$"):
		return 0, "", "", &PathError{Path: src, Reason: "a path must start with '$'"}
	}
	i := 1
	for i < len(src) {
		r := rune(src[i])
		if r == '.' || r == '[' {
			break
		}
		i++
	}
	if i == 1 {
		return 'i', "", src, nil
	}
	name = src[1:i]
	if !validVarName(name) {
		return 0, "", "", &PathError{Path: src, Reason: fmt.Sprintf("%q is not a valid variable name", name)}
	}
	return 'v', name, "$" + src[i:], nil
}

// validVarName follows the ASL rule for variable names: a letter or underscore, then letters,
// digits or underscores
// (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html).
func validVarName(name string) bool {
	if name == "" {
		return false
	}
	for i, r := range name {
		if r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)) {
			continue
		}
		return false
	}
	return true
}

func parseAnyPath(src string) (*path, error) {
	_, _, rest, err := splitRoot(src)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(rest)
	if err != nil {
		return nil, &PathError{Path: src, Reason: err.(*PathError).Reason}
	}
	cp := *p
	cp.src = src
	return &cp, nil
}

// UnknownVariableError is returned when a path names a variable that is not in scope.
type UnknownVariableError struct{ Name string }

func (e *UnknownVariableError) Error() string { return "variable $" + e.Name + " is not defined" }

func resolve(src string, sc Scope) (any, error) {
	kind, name, rest, err := splitRoot(src)
	if err != nil {
		return nil, err
	}
	p, err := parsePath(rest)
	if err != nil {
		return nil, &PathError{Path: src, Reason: err.(*PathError).Reason}
	}
	if kind != 'i' {
		// Errors must quote the path as written ("$$.x", "$var.x"); copy, since p is shared.
		cp := *p
		cp.src = src
		p = &cp
	}
	var doc any
	switch kind {
	case 'c':
		doc = sc.Context
	case 'v':
		var ok bool
		if sc.Vars != nil {
			doc, ok = sc.Vars(name)
		}
		if !ok {
			return nil, &UnknownVariableError{Name: name}
		}
	default:
		doc = sc.Input
	}
	return p.get(doc)
}

func validReferencePath(src string) error {
	p, err := parsePath(src)
	if err != nil {
		return err
	}
	for _, s := range p.segs {
		if !s.definite() || s.kind == segFunc {
			return &PathError{Path: src, Reason: "a reference path may only name single object fields and array indexes"}
		}
	}
	return nil
}

func set(doc any, src string, value any) (any, error) {
	p, err := parsePath(src)
	if err != nil {
		return nil, err
	}
	for _, s := range p.segs {
		if !s.definite() || s.kind == segFunc {
			return nil, &PathError{Path: src, Reason: "a reference path may only name single object fields and array indexes"}
		}
	}
	out, err := setAt(doc, p, 0, value, false)
	if errors.Is(err, errNotObject) {
		// Wording reported by AWS, e.g. "Unable to apply ReferencePath $.partitioned to
		// input \"{...}\"" when the input is a string.
		return nil, &Error{Name: ErrRuntime, Cause: fmt.Sprintf("Unable to apply ReferencePath %s to input %s", src, MarshalString(doc))}
	}
	return out, err
}

var errNotObject = errors.New("not an object")

func setAt(cur any, p *path, i int, value any, missing bool) (any, error) {
	if i == len(p.segs) {
		return value, nil
	}
	s := p.segs[i]
	switch s.kind {
	case segProp:
		var m map[string]any
		switch x := cur.(type) {
		case map[string]any:
			m = make(map[string]any, len(x)+1)
			for k, v := range x {
				m[k] = v
			}
		default:
			if !missing {
				return nil, errNotObject
			}
			// Missing intermediate objects are created, as AWS does for ResultPath.
			m = map[string]any{}
		}
		next, exists := m[s.names[0]]
		child, err := setAt(next, p, i+1, value, !exists)
		if err != nil {
			return nil, err
		}
		m[s.names[0]] = child
		return m, nil
	case segIndex:
		a, ok := cur.([]any)
		idx := s.indexes[0]
		if ok && idx < 0 {
			idx += len(a)
		}
		if !ok || idx < 0 || idx >= len(a) {
			return nil, &Error{Name: ErrRuntime, Cause: fmt.Sprintf(
				"Invalid path '%s': no array element at %s", p.src, p.canonical(i+1))}
		}
		out := append([]any(nil), a...)
		child, err := setAt(a[idx], p, i+1, value, false)
		if err != nil {
			return nil, err
		}
		out[idx] = child
		return out, nil
	}
	return nil, &PathError{Path: p.src, Reason: "not a reference path"}
}
