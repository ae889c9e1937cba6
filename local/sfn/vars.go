package sfn

import "sync"

// varScope holds workflow variables. Parallel branches and Map iterations get a child scope:
// they read the outer variables and their own assignments stay inside
// (https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html).
type varScope struct {
	mu     sync.RWMutex
	vals   map[string]any
	parent *varScope
}

// newVarScope: vals may be nil (made on the first assignment; most workflows assign nothing).
func newVarScope(parent *varScope, vals map[string]any) *varScope {
	return &varScope{vals: vals, parent: parent}
}

func (s *varScope) lookup(name string) (any, bool) {
	for c := s; c != nil; c = c.parent {
		c.mu.RLock()
		v, ok := c.vals[name]
		c.mu.RUnlock()
		if ok {
			return v, true
		}
	}
	return nil, false
}

func (s *varScope) set(vals map[string]any) {
	s.mu.Lock()
	if s.vals == nil {
		s.vals = make(map[string]any, len(vals))
	}
	for k, v := range vals {
		s.vals[k] = v
	}
	s.mu.Unlock()
}

// snapshot copies the scope's own variables, for checkpoints.
func (s *varScope) snapshot() map[string]any {
	s.mu.RLock()
	defer s.mu.RUnlock()
	m := make(map[string]any, len(s.vals))
	for k, v := range s.vals {
		m[k] = v
	}
	return m
}
