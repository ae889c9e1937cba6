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
	pending []pendingText // texts not parsed yet: most histories are never rendered
	first   [1]pendingText
}

// pendingText is a text to learn from, kept as it was given (converting would copy it).
type pendingText struct {
	b []byte
	s string
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

// add records keys as the order of their key set unless one is known. keys may be a scratch
// buffer: it is copied when kept, or shares the parent's slice when a parent holds the same
// order (an input shaped like the definition's templates).
func (k *keyOrders) add(keys []string) {
	if len(keys) < 2 {
		return
	}
	var sorted [16]string
	var sigBuf [256]byte
	sig := appendSignature(sigBuf[:0], append(sorted[:0], keys...))
	k.mu.RLock()
	_, known := k.m[string(sig)]
	k.mu.RUnlock()
	if known {
		return
	}
	var kept []string
	for c := k.parent; c != nil && kept == nil; c = c.parent {
		c.mu.RLock()
		o, ok := c.m[string(sig)]
		c.mu.RUnlock()
		if ok && slices.Equal(o, keys) {
			kept = o
		} else if ok {
			break
		}
	}
	if kept == nil {
		kept = slices.Clone(keys)
	}
	keys = kept
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string][]string{}
	}
	if _, ok := k.m[string(sig)]; !ok {
		k.m[string(sig)] = keys
	}
	k.mu.Unlock()
}

// appendSignature sorts keys in place and appends them joined by NUL to sig.
func appendSignature(sig []byte, keys []string) []byte {
	slices.Sort(keys)
	for i, key := range keys {
		if i > 0 {
			sig = append(sig, 0)
		}
		sig = append(sig, key...)
	}
	return sig
}

// learn queues a JSON text whose objects' key orders are recorded when first needed.
func (k *keyOrders) learn(text []byte) {
	if k == nil || bytes.IndexByte(text, '{') < 0 {
		return
	}
	k.queue(pendingText{b: text})
}

// learnString is learn for a text held as a string.
func (k *keyOrders) learnString(text string) {
	if k == nil || strings.IndexByte(text, '{') < 0 {
		return
	}
	k.queue(pendingText{s: text})
}

func (k *keyOrders) queue(t pendingText) {
	k.mu.Lock()
	if k.pending == nil {
		k.pending = k.first[:0]
	}
	k.pending = append(k.pending, t)
	k.mu.Unlock()
}

// flush parses the queued texts.
func (k *keyOrders) flush() {
	k.mu.Lock()
	texts := k.pending
	k.pending = nil
	k.mu.Unlock()
	for _, t := range texts {
		if t.b != nil {
			k.parse(string(t.b))
		} else {
			k.parse(t.s)
		}
	}
}

// parse records the key order of every object in a JSON text. Keys ending in ".$" are
// payload-template keys and are recorded without the suffix. The text is scanned, not decoded:
// only object keys matter. Malformed text simply yields fewer orders.
func (k *keyOrders) parse(text string) {
	type frame struct {
		obj   bool
		start int // where the object's keys begin in keyStack
	}
	var stackBuf [8]frame
	stack := stackBuf[:0]
	// The keys of the open objects, innermost last: an object's keys are dropped when it
	// closes, before its parent's next key, so each object's keys are contiguous.
	var keyBuf [32]string
	keyStack := keyBuf[:0]
	expectKey := false
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '{':
			stack = append(stack, frame{obj: true, start: len(keyStack)})
			expectKey = true
		case '[':
			stack = append(stack, frame{})
			expectKey = false
		case '}', ']':
			if len(stack) == 0 {
				return
			}
			if top := stack[len(stack)-1]; top.obj {
				k.add(keyStack[top.start:])
				keyStack = keyStack[:top.start]
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
				key := text[i+1 : end]
				if escaped {
					if u, err := strconv.Unquote(text[i : end+1]); err == nil {
						key = u
					}
				}
				keyStack = append(keyStack, strings.TrimSuffix(key, ".$"))
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
