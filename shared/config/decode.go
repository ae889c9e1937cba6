package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// pos is where a value sits in the file; end is the last line its node spans.
type pos struct{ line, col, end, keyLine int }

// decoder maps a yaml.Node tree onto Go values by their yaml tags, strictly: unknown keys,
// duplicate keys and wrongly shaped values are problems, and every decoded path keeps its position
// so that validation can point at the exact line and column.
type decoder struct {
	file     string
	problems []Problem
	pos      map[string]pos
	lines    []string // the source, to spot a quoted value whose closing quote is missing
	bad      map[string]bool
	// warnings are configuration that is valid but can never take effect (lint.go).
	warnings []Problem
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[string]pos{}, bad: map[string]bool{}}
}

func (d *decoder) problemAt(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.problems = append(d.problems, Problem{File: d.file, Line: n.Line, Col: n.Column, Path: path,
		Message: fmt.Sprintf(format, args...)})
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

// decode fills v (addressable) from n.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	d.pos[path] = pos{n.Line, n.Column, endLine(n), n.Line}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the default; validation reports what is required
	}
	if reflect.PointerTo(v.Type()).Implements(textUnmarshaler) {
		if n.Kind != yaml.ScalarNode {
			d.problemAt(n, path, "must be a single value, not a %s", kindName(n))
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.problemAt(n, path, "%v", err)
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.decode(n, e.Elem(), path)
		v.Set(e)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.problemAt(n, path, "must be a list, not a %s", kindName(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.decode(c, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			d.problemAt(n, path, "must be a text value, not a %s", kindName(n))
			return
		}
		if d.unclosedQuote(n) {
			d.problemAt(n, path, "this quoted value runs on over several lines; is its closing quote missing?")
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.Value, 10, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.problemAt(n, path, "must be a whole number, got %s", describe(n))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(n.Value, 64)
		if n.Kind != yaml.ScalarNode || err != nil {
			d.problemAt(n, path, "must be a number, got %s", describe(n))
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil || (n.Value != "true" && n.Value != "false") {
			d.problemAt(n, path, "must be true or false, got %s", describe(n))
			return
		}
		v.SetBool(b)
	default:
		panic(fmt.Sprintf("config: no decoder for %s at %s", v.Type(), path))
	}
}

// keyAt remembers the line of a value's key, which may come before the value itself.
func (d *decoder) keyAt(path string, k *yaml.Node) {
	if p, ok := d.pos[path]; ok && k.Line < p.keyLine {
		p.keyLine = k.Line
		d.pos[path] = p
	}
}

// unclosedQuote reports a quoted scalar whose first line has no closing quote. YAML allows
// quoted values over several lines, but in an org file that is almost always a missing quote
// that silently swallowed the keys after it.
func (d *decoder) unclosedQuote(n *yaml.Node) bool {
	q := ""
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		q = `"`
	case yaml.SingleQuotedStyle:
		q = "'"
	default:
		return false
	}
	if n.Line < 1 || n.Line > len(d.lines) || n.Column > len(d.lines[n.Line-1]) {
		return false
	}
	rest := d.lines[n.Line-1][n.Column:] // after the opening quote
	rest = strings.ReplaceAll(strings.ReplaceAll(rest, `\\`, ""), `\"`, "")
	if q == "'" {
		rest = strings.ReplaceAll(rest, "''", "")
	}
	return !strings.Contains(rest, q)
}

// pairs returns a mapping's key/value pairs with YAML merge keys (<<: *anchor) expanded first,
// so that keys written in the mapping itself override merged ones.
func (d *decoder) pairs(n *yaml.Node, path string) (merged, own [][2]*yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			srcs := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				srcs = v.Content
			}
			for _, s := range srcs {
				if s.Kind == yaml.AliasNode && s.Alias != nil {
					s = s.Alias
				}
				if s.Kind != yaml.MappingNode {
					d.problemAt(s, path, "a merge key (<<) must name a mapping")
					continue
				}
				m, o := d.pairs(s, path)
				merged = append(merged, append(m, o...)...)
			}
			continue
		}
		own = append(own, [2]*yaml.Node{k, v})
	}
	return merged, own
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problemAt(n, path, "must be a mapping of keys to values, not a %s", kindName(n))
		return
	}
	fields := fieldsOf(v.Type())
	merged, own := d.pairs(n, path)
	seen := map[string]bool{}
	for i, kv := range append(merged, own...) {
		k, val := kv[0], kv[1]
		isOwn := i >= len(merged)
		name := k.Value
		idx, ok := fields.index[name]
		if !ok {
			d.problemAt(k, join(path, name), "%s", unknownKey(name, fields.names))
			continue
		}
		if isOwn {
			if seen[name] {
				d.problemAt(k, join(path, name), "duplicate key %q", name)
				continue
			}
			seen[name] = true
		}
		d.decode(val, v.Field(idx), join(path, name))
		d.keyAt(join(path, name), k)
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.problemAt(n, path, "must be a mapping of keys to values, not a %s", kindName(n))
		return
	}
	if v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	merged, own := d.pairs(n, path)
	seen := map[string]bool{}
	for i, kv := range append(merged, own...) {
		k, val := kv[0], kv[1]
		if k.Kind != yaml.ScalarNode {
			d.problemAt(k, path, "keys must be text")
			continue
		}
		if i >= len(merged) {
			if seen[k.Value] {
				d.problemAt(k, join(path, k.Value), "duplicate key %q", k.Value)
				continue
			}
			seen[k.Value] = true
		}
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, e, join(path, k.Value))
		d.keyAt(join(path, k.Value), k)
		v.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), e)
	}
}

type structFields struct {
	index map[string]int
	names []string
}

var fieldCache sync.Map // reflect.Type → structFields

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{index: map[string]int{}}
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" || !t.Field(i).IsExported() {
			continue
		}
		f.index[tag] = i
		f.names = append(f.names, tag)
	}
	fieldCache.Store(t, f)
	return f
}

// KnownKeys lists every key path the loader accepts, in the form "reps[].working_hours.mon"
// (lists as [], maps as {}); the schema test compares it with examples/org.schema.json.
func KnownKeys() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		if reflect.PointerTo(t).Implements(textUnmarshaler) {
			return
		}
		switch t.Kind() {
		case reflect.Pointer:
			walk(t.Elem(), prefix)
		case reflect.Slice:
			walk(t.Elem(), prefix+"[]")
		case reflect.Map:
			walk(t.Elem(), prefix+".{}")
		case reflect.Struct:
			f := fieldsOf(t)
			for _, name := range f.names {
				p := join(prefix, name)
				out = append(out, p)
				walk(t.Field(f.index[name]).Type, p)
			}
		}
	}
	walk(reflect.TypeFor[Org](), "")
	return out
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func endLine(n *yaml.Node) int {
	end := n.Line
	for _, c := range n.Content {
		if e := endLine(c); e > end {
			end = e
		}
	}
	return end
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	default:
		return "single value"
	}
}

func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return "a " + kindName(n)
	}
	return strconv.Quote(n.Value)
}

// unknownKey explains an unknown key, suggesting the closest known one.
func unknownKey(name string, known []string) string {
	msg := fmt.Sprintf("unknown key %q", name)
	lower := strings.ToLower(name)
	if strings.Contains(lower, "secret") || strings.Contains(lower, "token") || strings.Contains(lower, "password") {
		for _, k := range known {
			if strings.HasSuffix(k, "_env") {
				return msg + fmt.Sprintf("; secrets never go in the org file: name the environment variable that holds it with %q", k)
			}
		}
		return msg + "; secrets never go in the org file"
	}
	if s := suggest(name, known); s != "" {
		return msg + fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + " (known keys: " + strings.Join(known, ", ") + ")"
}

// suggest returns the candidate closest to s, or "" if none is close enough to be a typo.
func suggest(s string, candidates []string) string {
	norm := func(x string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(x))
	}
	best, bestDist := "", 1<<30
	for _, c := range candidates {
		if norm(c) == norm(s) {
			return c
		}
		if d := levenshtein(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist <= max(1, min(3, len(s)/3)) {
		return best
	}
	return ""
}

// levenshtein is the optimal-string-alignment distance: a swapped pair of letters ("timzeone")
// counts as one typo, not two.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
