package pattern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// Pattern is a compiled event pattern. It matches an event when any of its branches does; a
// pattern without $or has exactly one branch.
type Pattern struct {
	branches []branch
}

// branch is one conjunction of fields, sorted by dotted name. The order matters: like
// event-ruler, exists:false is judged against the array elements chosen by the fields before it.
type branch struct {
	fields []*field
	// shared[i] is the longest path prefix field i has in common with a later field: arrays
	// entered deeper than that are never seen again, so they cannot make a later field fail.
	shared []int
}

// field is one leaf of the pattern: the path to an event value and the alternatives it accepts.
type field struct {
	name     string // dotted path, e.g. "detail.state"
	path     []string
	absent   bool // the list holds {"exists": false}
	matchers []matcher
}

// InvalidPatternError reports why a pattern was rejected (EventBridge answers
// InvalidEventPatternException for the same patterns).
type InvalidPatternError struct {
	Reason string // event-ruler's wording, e.g. "Empty arrays are not allowed"
	Offset int64  // byte offset in the pattern where the problem was detected
}

func (e *InvalidPatternError) Error() string {
	return fmt.Sprintf("Event pattern is not valid. Reason: %s (at byte %d)", e.Reason, e.Offset)
}

// Compile parses and validates an EventBridge event pattern.
func Compile(pattern []byte) (*Pattern, error) {
	c := &compiler{dec: json.NewDecoder(bytes.NewReader(pattern))}
	c.dec.UseNumber()
	rules, err := c.compile()
	if err != nil {
		return nil, err
	}
	p := &Pattern{branches: make([]branch, 0, len(rules))}
	for _, r := range rules {
		b := branch{fields: make([]*field, 0, len(r))}
		for _, f := range r {
			b.fields = append(b.fields, f)
		}
		sort.Slice(b.fields, func(i, j int) bool { return b.fields[i].name < b.fields[j].name })
		b.shared = make([]int, len(b.fields))
		for i, f := range b.fields {
			for _, g := range b.fields[i+1:] {
				n := 0
				for n < len(f.path) && n < len(g.path) && f.path[n] == g.path[n] {
					n++
				}
				b.shared[i] = max(b.shared[i], n)
			}
		}
		p.branches = append(p.branches, b)
	}
	return p, nil
}

// MustCompile is Compile for patterns known to be valid; it panics on an invalid one.
func MustCompile(pattern string) *Pattern {
	p, err := Compile([]byte(pattern))
	if err != nil {
		panic(err)
	}
	return p
}
