package pattern

import "strings"

// ReferenceMatch is a second, deliberately naive implementation of matching used by the tests as
// an oracle for MatchValue: it flattens the event into leaf fields carrying their array
// memberships, as event-ruler's Event class does, and tries every combination. It is exported
// only to this package's tests.
func ReferenceMatch(p *Pattern, ev any) bool {
	root, ok := ev.(map[string]any)
	if !ok {
		return false
	}
	var leaves []refLeaf
	arrays := 0
	var visit func(v any, path []string, mem map[int]int)
	visit = func(v any, path []string, mem map[int]int) {
		switch n := v.(type) {
		case map[string]any:
			for k, c := range n {
				visit(c, append(path[:len(path):len(path)], k), mem)
			}
		case []any:
			id := arrays
			arrays++
			for i, el := range n {
				switch el.(type) {
				case map[string]any, []any:
					inner := make(map[int]int, len(mem)+1)
					for a, x := range mem {
						inner[a] = x
					}
					inner[id] = i
					visit(el, path, inner)
				default:
					visit(el, path, mem)
				}
			}
		default:
			leaves = append(leaves, refLeaf{name: strings.Join(path, "\x00"), val: v, mem: mem})
		}
	}
	visit(root, nil, map[int]int{})
	for i := range p.branches {
		if refField(&p.branches[i], 0, leaves, map[int]int{}) {
			return true
		}
	}
	return false
}

type refLeaf struct {
	name string
	val  any
	mem  map[int]int // array id -> element index
}

func refConsistent(so, mem map[int]int) bool {
	for a, i := range mem {
		if j, ok := so[a]; ok && j != i {
			return false
		}
	}
	return true
}

func refField(b *branch, i int, leaves []refLeaf, so map[int]int) bool {
	if i == len(b.fields) {
		return true
	}
	f := b.fields[i]
	key := strings.Join(f.path, "\x00")
	if f.absent {
		exists := false
		for _, l := range leaves {
			if l.name == key && refConsistent(so, l.mem) {
				exists = true
				break
			}
		}
		if !exists && refField(b, i+1, leaves, so) {
			return true
		}
	}
	for _, l := range leaves {
		if l.name != key || !refConsistent(so, l.mem) {
			continue
		}
		hit := false
		for j := range f.matchers {
			if f.matchers[j].match(l.val) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		merged := make(map[int]int, len(so)+len(l.mem))
		for a, x := range so {
			merged[a] = x
		}
		for a, x := range l.mem {
			merged[a] = x
		}
		if refField(b, i+1, leaves, merged) {
			return true
		}
	}
	return false
}
