package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Match decodes event (a JSON object) and reports whether it matches the pattern.
func (p *Pattern) Match(event []byte) (bool, error) {
	ev, err := DecodeEvent(event)
	if err != nil {
		return false, err
	}
	return p.MatchValue(ev), nil
}

// DecodeEvent decodes a JSON event the way MatchValue expects it: objects as map[string]any and
// numbers as json.Number, so their original text is kept.
func DecodeEvent(event []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var ev any
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("decode event: unexpected data after the event object")
	}
	if _, ok := ev.(map[string]any); !ok {
		return nil, fmt.Errorf("decode event: an event must be a JSON object")
	}
	return ev, nil
}

// MatchValue reports whether a decoded event matches: ev is what encoding/json produces for a
// JSON object (map[string]any, []any, string, json.Number or float64, bool, nil). Anything else
// at the top level matches nothing.
func (p *Pattern) MatchValue(ev any) bool {
	root, ok := ev.(map[string]any)
	if !ok {
		return false
	}
	m := matchingPool.Get().(*matching)
	m.root = root
	found := false
	for i := range p.branches {
		m.b = &p.branches[i]
		if m.field(0) {
			found = true
			break
		}
	}
	*m = matching{so: m.so[:0], walk: m.walk[:0]} // drop references to the event
	matchingPool.Put(m)
	return found
}

// matchingPool recycles matching states so that matching does not allocate.
var matchingPool = sync.Pool{New: func() any {
	return &matching{so: make([]member, 0, 8), walk: make([]member, 0, 8)}
}}

// member records that a value sits in element idx of the event array whose first element is arr.
// The address of the first element identifies the array without any bookkeeping.
type member struct {
	arr   *any
	idx   int
	depth int // path elements followed to reach the array
	// fresh: this array was not yet part of the membership when the walk entered it.
	fresh bool
}

// matching is the state of matching one branch against one event. Fields are taken in order;
// for each, the walk looks for a value that matches and lies in the same element of every array
// already used by the fields before it (event-ruler's array consistency), then moves on.
// Backtracking tries the other candidate values when a later field fails.
type matching struct {
	root map[string]any
	b    *branch
	so   []member // array memberships fixed by the fields matched so far
	walk []member // arrays entered by the walks in progress (a stack; each walk uses its top)
}

// field reports whether fields i.. of the branch can be matched given the memberships so far.
func (m *matching) field(i int) bool {
	if i == len(m.b.fields) {
		return true
	}
	f := m.b.fields[i]
	w := walker{f: f, i: i, base: len(m.walk), shared: m.b.shared[i]}
	// exists:false holds when no value of the field lies in the array elements chosen so far.
	if f.absent {
		w.probe = true
		found := m.walkFrom(&w, m.root, 0)
		w.probe = false
		if !found && m.field(i+1) {
			return true
		}
	}
	return len(f.matchers) > 0 && m.walkFrom(&w, m.root, 0)
}

// walker is one walk over the values of field i. With probe it only asks whether a value lies in
// the array elements chosen so far; otherwise whether one matches and lets the later fields match.
type walker struct {
	f      *field
	i      int
	base   int // m.walk[base:] holds the arrays this walk has entered
	shared int // arrays entered at a depth up to this are seen by later fields
	probe  bool
	// failedFree: the later fields failed after a value that fixed no array they can see; any
	// other such value leaves them the same choices, so they need not be tried again. This keeps
	// independent arrays from multiplying the work.
	failedFree bool
}

// walkFrom visits the leaf values of the field below node, depth path elements already followed.
func (m *matching) walkFrom(w *walker, node any, depth int) bool {
	if depth < len(w.f.path) {
		switch n := node.(type) {
		case map[string]any:
			child, ok := n[w.f.path[depth]]
			return ok && m.walkFrom(w, child, depth+1)
		case []any:
			return m.walkArray(w, n, depth)
		}
		return false // a scalar has no fields below it
	}
	switch n := node.(type) {
	case map[string]any:
		return false // objects are not leaves: exists and every operator look at leaves only
	case []any:
		return m.walkArray(w, n, depth)
	}
	return m.leaf(w, node)
}

// walkArray visits the elements of an event array. Scalars are values of the field itself (any
// element may match); objects and nested arrays are entered, recording the element index.
func (m *matching) walkArray(w *walker, arr []any, depth int) bool {
	for idx, el := range arr {
		switch el.(type) {
		case map[string]any, []any:
			if !m.enter(arr, idx, depth) {
				continue // the fields before this one use another element of this array
			}
			ok := m.walkFrom(w, el, depth)
			m.walk = m.walk[:len(m.walk)-1]
			if ok {
				return true
			}
		default:
			if depth < len(w.f.path) {
				continue // a scalar element has no sub-fields
			}
			if m.leaf(w, el) {
				return true
			}
		}
	}
	return false
}

// enter pushes element idx of arr unless the fields matched so far use another element of it.
func (m *matching) enter(arr []any, idx, depth int) bool {
	id := &arr[0]
	for _, s := range m.so {
		if s.arr == id {
			if s.idx != idx {
				return false
			}
			m.walk = append(m.walk, member{arr: id, idx: idx, depth: depth})
			return true
		}
	}
	m.walk = append(m.walk, member{arr: id, idx: idx, depth: depth, fresh: true})
	return true
}

// leaf tests one value of the field; on a match it fixes the array elements the value lies in
// and goes on with the next field.
func (m *matching) leaf(w *walker, v any) bool {
	if w.probe {
		return true
	}
	free := true // this value fixes no array a later field can see
	for _, e := range m.walk[w.base:] {
		if e.fresh && e.depth <= w.shared {
			free = false
			break
		}
	}
	if free && w.failedFree {
		return false
	}
	hit := false
	for j := range w.f.matchers {
		if w.f.matchers[j].match(v) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	base := len(m.so)
	for _, e := range m.walk[w.base:] {
		if e.fresh {
			m.so = append(m.so, e)
		}
	}
	ok := m.field(w.i + 1)
	m.so = m.so[:base]
	if !ok && free {
		w.failedFree = true
	}
	return ok
}
