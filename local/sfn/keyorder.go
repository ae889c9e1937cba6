package sfn

import (
	"bytes"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Step Functions keeps the key order of JSON objects (from the definition's templates, the
// execution input and task results); Go maps do not. keyOrders remembers, per key set, the
// order in which those keys were first seen, so rendered history texts list keys as AWS does.
// Objects whose key set was never seen are rendered with sorted keys.
type keyOrders struct {
	parent  *keyOrders
	mu      sync.RWMutex
	m       map[string][]string
	pending [][]byte // texts not parsed yet: most histories are never rendered
}

func newKeyOrders(parent *keyOrders) *keyOrders { return &keyOrders{parent: parent} }

// builtinOrders are objects the engine itself builds.
var builtinOrders = func() *keyOrders {
	k := newKeyOrders(nil)
	k.add([]string{"Error", "Cause"})
	return k
}()

func keySignature(keys []string) string {
	s := append([]string(nil), keys...)
	sort.Strings(s)
	return strings.Join(s, "\x00")
}

func (k *keyOrders) add(keys []string) {
	if len(keys) < 2 {
		return
	}
	sig := keySignature(keys)
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string][]string{}
	}
	if _, ok := k.m[sig]; !ok {
		k.m[sig] = keys
	}
	k.mu.Unlock()
}

// learn queues a JSON text whose objects' key orders are recorded when first needed.
func (k *keyOrders) learn(text []byte) {
	if k == nil || bytes.IndexByte(text, '{') < 0 {
		return
	}
	k.mu.Lock()
	k.pending = append(k.pending, text)
	k.mu.Unlock()
}

// flush parses the queued texts.
func (k *keyOrders) flush() {
	k.mu.Lock()
	texts := k.pending
	k.pending = nil
	k.mu.Unlock()
	for _, t := range texts {
		k.parse(t)
	}
}

// parse records the key order of every object in a JSON text. Keys ending in ".$" are
// payload-template keys and are recorded without the suffix. The text is scanned, not decoded:
// only object keys matter. Malformed text simply yields fewer orders.
func (k *keyOrders) parse(text []byte) {
	type frame struct {
		obj  bool
		keys []string
	}
	var stack []frame
	expectKey := false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '{':
			stack = append(stack, frame{obj: true})
			expectKey = true
		case '[':
			stack = append(stack, frame{})
			expectKey = false
		case '}', ']':
			if len(stack) == 0 {
				return
			}
			if top := stack[len(stack)-1]; top.obj {
				k.add(top.keys)
			}
			stack = stack[:len(stack)-1]
			expectKey = false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1].obj
		case '"':
			end, escaped := i+1, false
			for end < len(text) && text[end] != '"' {
				if text[end] == '\\' {
					escaped = true
					end++
				}
				end++
			}
			if end >= len(text) {
				return
			}
			if expectKey && len(stack) > 0 {
				key := string(text[i+1 : end])
				if escaped {
					if u, err := strconv.Unquote(string(text[i : end+1])); err == nil {
						key = u
					}
				}
				top := &stack[len(stack)-1]
				top.keys = append(top.keys, strings.TrimSuffix(key, ".$"))
				expectKey = false
			}
			i = end
		}
	}
}

// order returns the remembered key order of m, or nil.
func (k *keyOrders) order(m map[string]any) []string {
	if len(m) < 2 {
		return nil
	}
	var arr [16]string
	return k.orderOf(appendSortedKeys(arr[:0], m))
}

// appendSortedKeys appends m's keys to keys, sorted.
func appendSortedKeys(keys []string, m map[string]any) []string {
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}

// orderOf returns the remembered order of a key set given sorted, or nil. It neither keeps nor
// modifies sorted, and builds the signature in a stack buffer when it fits: rendering a history
// looks up every object it holds.
func (k *keyOrders) orderOf(sorted []string) []string {
	if len(sorted) < 2 {
		return nil
	}
	var arr [256]byte
	sig := arr[:0]
	for i, key := range sorted {
		if i > 0 {
			sig = append(sig, 0)
		}
		sig = append(sig, key...)
	}
	for c := k; c != nil; c = c.parent {
		c.mu.RLock()
		queued := len(c.pending) > 0
		o, ok := c.m[string(sig)]
		c.mu.RUnlock()
		if queued {
			c.flush()
			c.mu.RLock()
			o, ok = c.m[string(sig)]
			c.mu.RUnlock()
		}
		if ok {
			return o
		}
	}
	if o, ok := builtinOrders.m[string(sig)]; ok {
		return o
	}
	return nil
}

// encodeOrdered renders v like encodeJSON, listing object keys in their remembered order.
func (k *keyOrders) encodeOrdered(v any) string {
	if k == nil {
		return encodeJSON(v)
	}
	bp := encodeBufs.Get().(*[]byte)
	buf, ok := appendDocWith((*bp)[:0], v, k)
	var s string
	if ok {
		s = string(buf)
	} else {
		s = stdEncode(v)
	}
	if cap(buf) <= 256<<10 {
		*bp = buf
		encodeBufs.Put(bp)
	}
	return s
}
