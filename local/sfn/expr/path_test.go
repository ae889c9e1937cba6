package expr

import (
	"errors"
	"testing"
)

func mustDecode(t testing.TB, s string) any {
	t.Helper()
	v, err := Decode([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

const storeDoc = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10,
  "weird key": "w",
  "a-b": 1,
  "n": null
}`

func TestGet(t *testing.T) {
	doc := mustDecode(t, storeDoc)
	tests := []struct {
		name, path, want string
	}{
		{"root", "$", storeDoc},
		{"dot child", "$.store.bicycle.color", `"red"`},
		{"bracket child", "$['store']['bicycle']['color']", `"red"`},
		{"double-quoted bracket", `$["store"]["bicycle"]`, `{"color": "red", "price": 19.95}`},
		{"dash in dot name", "$.a-b", `1`},
		{"space in bracket name", "$['weird key']", `"w"`},
		{"null value is found", "$.n", `null`},
		{"index", "$.store.book[2].title", `"Moby Dick"`},
		{"negative index", "$.store.book[-1].title", `"The Lord of the Rings"`},
		{"float keeps its text", "$.store.book[0].price", `8.95`},
		{"wildcard", "$.store.book[*].author", `["Nigel Rees","Evelyn Waugh","Herman Melville","J. R. R. Tolkien"]`},
		{"index list", "$.store.book[0,2].title", `["Sayings of the Century","Moby Dick"]`},
		{"slice from", "$.store.book[2:].title", `["Moby Dick","The Lord of the Rings"]`},
		{"slice to", "$.store.book[:1].title", `["Sayings of the Century"]`},
		{"slice last two", "$.store.book[-2:].title", `["Moby Dick","The Lord of the Rings"]`},
		{"slice range", "$.store.book[1:3].title", `["Sword of Honour","Moby Dick"]`},
		{"filter comparison", "$.store.book[?(@.price < 10)].title", `["Sayings of the Century","Moby Dick"]`},
		{"filter against root", "$.store.book[?(@.price > $.expensive)].title", `["Sword of Honour","The Lord of the Rings"]`},
		{"filter existence", "$.store.book[?(@.isbn)].title", `["Moby Dick","The Lord of the Rings"]`},
		{"filter string equality", "$.store.book[?(@.category == 'reference')].author", `["Nigel Rees"]`},
		{"filter and/or", "$.store.book[?(@.price > 20 || @.category == 'reference')].title", `["Sayings of the Century","The Lord of the Rings"]`},
		{"filter regex", "$.store.book[?(@.author =~ /.*REES/i)].title", `["Sayings of the Century"]`},
		{"filter in", "$.store.book[?(@.price in [8.95, 8.99])].title", `["Sayings of the Century","Moby Dick"]`},
		{"filter negation", "$.store.book[?(!(@.price < 20))].title", `["The Lord of the Rings"]`},
		// Deep scans inside arrays keep array order (object key order is not kept: see README).
		{"deep scan", "$.store.book..price", `[8.95,12.99,8.99,22.99]`},
		{"deep scan with index", "$..book[0].title", `["Sayings of the Century"]`},
		{"length of array", "$.store.book.length()", `4`},
		{"no match in indefinite path is empty", "$.store.book[?(@.price > 100)]", `[]`},
		{"missing object under wildcard is empty", "$.nothing.items[*]", `[]`},
		{"missing object under slice is empty", "$.nothing[1:].x", `[]`},
		{"missing leaf in wildcard skipped", "$.store.book[*].isbn", `["0-553-21311-3","0-395-19395-8"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Get(doc, tc.path)
			if err != nil {
				t.Fatalf("Get(%q): %v", tc.path, err)
			}
			if want := mustDecode(t, tc.want); !placeholderMatch(want, got, nil) {
				t.Errorf("Get(%q) = %s, want %s", tc.path, MarshalString(got), MarshalString(want))
			}
		})
	}
}

func TestGetNotFound(t *testing.T) {
	doc := mustDecode(t, storeDoc)
	tests := []struct {
		name, path, detail string
	}{
		// Jayway's messages, which AWS quotes in "Invalid path" causes.
		{"missing leaf", "$.nope", "No results for path: $['nope']"},
		{"missing intermediate", "$.no.such.path", "Missing property in path $['no']"},
		{"index out of range", "$.store.book[10]", "No results for path: $['store']['book'][10]"},
		{"property of a string", "$.store.bicycle.color.x", "Expected to find an object with property ['x'] in path $['store']['bicycle']['color'] but found 'java.lang.String'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JsonSmartJsonProvider'."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Get(doc, tc.path)
			var nf *NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Get(%q) error = %v, want *NotFoundError", tc.path, err)
			}
			if nf.Detail != tc.detail {
				t.Errorf("detail = %q, want %q", nf.Detail, tc.detail)
			}
			if got, want := InvalidPathCause(tc.path, err), "Invalid path '"+tc.path+"' : "+tc.detail; got != want {
				t.Errorf("InvalidPathCause = %q, want %q", got, want)
			}
		})
	}
}

func TestInvalidPaths(t *testing.T) {
	for _, p := range []string{"", "a.b", "$.", "$[", "$['a'", "$[?(@.a > )]", "$.a b", "$..", "$[1:2:3]", "$.foo()", "$.length().x", "$[abc]"} {
		t.Run(p, func(t *testing.T) {
			if err := ValidPath(p); err == nil {
				t.Errorf("ValidPath(%q) accepted an invalid path", p)
			}
			var pe *PathError
			if _, err := Get(map[string]any{}, p); !errors.As(err, &pe) {
				t.Errorf("Get(%q) error = %v, want *PathError", p, err)
			}
		})
	}
}

func TestResolveRoots(t *testing.T) {
	sc := Scope{
		Input:   mustDecode(t, `{"a": 1}`),
		Context: mustDecode(t, `{"Execution": {"Name": "exec"}, "Map": {"Item": {"Index": 3}}}`),
		Vars: func(name string) (any, bool) {
			v, ok := map[string]any{"order": mustDecode(t, `{"lines": [10, 20]}`), "x_1": "v"}[name]
			return v, ok
		},
	}
	tests := []struct{ path, want string }{
		{"$.a", `1`},
		{"$$.Execution.Name", `"exec"`},
		{"$$.Map.Item.Index", `3`},
		{"$order.lines[1]", `20`},
		{"$order", `{"lines": [10, 20]}`},
		{"$x_1", `"v"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := Resolve(tc.path, sc)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustDecode(t, tc.want); !jsonEqual(want, got) {
				t.Errorf("Resolve(%q) = %s, want %s", tc.path, MarshalString(got), tc.want)
			}
		})
	}
	var uv *UnknownVariableError
	if _, err := Resolve("$missing.a", sc); !errors.As(err, &uv) || uv.Name != "missing" {
		t.Errorf("unknown variable: error = %v, want *UnknownVariableError{missing}", err)
	}
	if err := ValidPath("$1abc"); err == nil {
		t.Errorf("a variable name starting with a digit was accepted")
	}
}

func TestSet(t *testing.T) {
	tests := []struct {
		name, doc, path, value, want string
	}{
		{"replace root", `{"a": 1}`, "$", `"x"`, `"x"`},
		{"add field", `{"a": 1}`, "$.b", `2`, `{"a": 1, "b": 2}`},
		{"overwrite field", `{"a": 1}`, "$.a", `{"z": true}`, `{"a": {"z": true}}`},
		{"create intermediates", `{"a": 1}`, "$.x.y.z", `[1]`, `{"a": 1, "x": {"y": {"z": [1]}}}`},
		{"bracket notation", `{}`, "$['my key']", `1`, `{"my key": 1}`},
		{"array element", `{"l": [1, 2]}`, "$.l[1]", `9`, `{"l": [1, 9]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := mustDecode(t, tc.doc)
			before := MarshalString(doc)
			got, err := Set(doc, tc.path, mustDecode(t, tc.value))
			if err != nil {
				t.Fatal(err)
			}
			if want := mustDecode(t, tc.want); !jsonEqual(want, got) {
				t.Errorf("Set = %s, want %s", MarshalString(got), tc.want)
			}
			if after := MarshalString(doc); after != before {
				t.Errorf("Set mutated its input: %s became %s", before, after)
			}
		})
	}
	for _, p := range []string{"$.a[*]", "$..a", "$.a[?(@.x)]", "$.a.length()"} {
		if _, err := Set(map[string]any{}, p, 1); err == nil {
			t.Errorf("Set accepted the non-reference path %q", p)
		}
		if err := ValidReferencePath(p); err == nil {
			t.Errorf("ValidReferencePath accepted %q", p)
		}
	}
	for _, tc := range []struct{ doc, path, cause string }{
		{`{"a": "s"}`, "$.a.b", `Unable to apply ReferencePath $.a.b to input {"a":"s"}`},
		{`"{\"min_size\":1}"`, "$.partitioned", `Unable to apply ReferencePath $.partitioned to input "{\"min_size\":1}"`},
		{`{"a": null}`, "$.a.b", `Unable to apply ReferencePath $.a.b to input {"a":null}`},
	} {
		_, err := Set(mustDecode(t, tc.doc), tc.path, 1)
		var e *Error
		if !errors.As(err, &e) || e.Name != ErrRuntime || e.Cause != tc.cause {
			t.Errorf("Set(%s, %s) error = %v, want States.Runtime %q", tc.doc, tc.path, err, tc.cause)
		}
	}
}

func TestCanonical(t *testing.T) {
	if got := Canonical("$.a.b[0]['c d']"); got != "$['a']['b'][0]['c d']" {
		t.Errorf("Canonical = %q", got)
	}
}
