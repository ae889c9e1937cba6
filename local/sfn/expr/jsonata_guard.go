package expr

import (
	"reflect"

	"github.com/blues/jsonata-go/jparse"
)

// The JSONata library recurses on the Go stack without a depth limit, so a non-terminating
// recursive function would overflow the stack and kill the whole process (it cannot be
// recovered). Until the library can bound recursion, expressions whose functions call
// themselves, directly or through self-application ($f($f)), are rejected.

const errRecursion = "U1001: Recursive JSONata functions are not supported by the local engine; rewrite the expression without recursion"

var nodeType = reflect.TypeOf((*jparse.Node)(nil)).Elem()

// walkNodes calls fn for n and every node below it.
func walkNodes(n jparse.Node, fn func(jparse.Node)) {
	if n == nil {
		return
	}
	fn(n)
	v := reflect.ValueOf(n)
	for v.Kind() == reflect.Ptr || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return
	}
	var visit func(f reflect.Value)
	visit = func(f reflect.Value) {
		switch {
		case f.Type().Implements(nodeType) && f.Kind() != reflect.Struct:
			if (f.Kind() == reflect.Ptr || f.Kind() == reflect.Interface) && f.IsNil() {
				return
			}
			if f.CanInterface() {
				walkNodes(f.Interface().(jparse.Node), fn)
			}
		case f.Kind() == reflect.Slice || f.Kind() == reflect.Array:
			for i := 0; i < f.Len(); i++ {
				visit(f.Index(i))
			}
		case f.Kind() == reflect.Struct:
			for i := 0; i < f.NumField(); i++ {
				if f.Type().Field(i).IsExported() {
					visit(f.Field(i))
				}
			}
		case f.Kind() == reflect.Ptr && !f.IsNil() && f.Elem().Kind() == reflect.Struct:
			visit(f.Elem())
		}
	}
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).IsExported() {
			visit(v.Field(i))
		}
	}
}

func isLambda(n jparse.Node) bool {
	switch n.(type) {
	case *jparse.LambdaNode, *jparse.TypedLambdaNode:
		return true
	}
	return false
}

func varName(n jparse.Node) (string, bool) {
	if v, ok := n.(*jparse.VariableNode); ok {
		return v.Name, true
	}
	return "", false
}

// hasRecursion reports whether the expression defines functions that refer to themselves,
// directly or through each other, or applies a function to itself ($g($g)).
func hasRecursion(root jparse.Node) bool {
	refs := map[string]map[string]bool{} // function variable -> variables its body mentions
	selfApply := false
	walkNodes(root, func(n jparse.Node) {
		switch x := n.(type) {
		case *jparse.AssignmentNode:
			if !isLambda(x.Value) {
				return
			}
			if refs[x.Name] == nil {
				refs[x.Name] = map[string]bool{}
			}
			walkNodes(x.Value, func(m jparse.Node) {
				if name, ok := varName(m); ok {
					refs[x.Name][name] = true
				}
			})
		case *jparse.FunctionCallNode:
			callee, ok := varName(x.Func)
			if !ok || callee == "" {
				return
			}
			for _, a := range x.Args {
				if name, ok := varName(a); ok && name == callee {
					selfApply = true
				}
			}
		}
	})
	if selfApply {
		return true
	}
	// Cycle search over the function-reference graph.
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[string]int{}
	var cyclic func(name string) bool
	cyclic = func(name string) bool {
		switch state[name] {
		case onPath:
			return true
		case done:
			return false
		}
		state[name] = onPath
		for next := range refs[name] {
			if _, isFunc := refs[next]; isFunc && cyclic(next) {
				return true
			}
		}
		state[name] = done
		return false
	}
	for name := range refs {
		if cyclic(name) {
			return true
		}
	}
	return false
}
