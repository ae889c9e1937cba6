package expr

import "testing"

func BenchmarkGetReferencePath(b *testing.B) {
	doc := mustDecode(b, storeDoc)
	for b.Loop() {
		if _, err := Get(doc, "$.store.book[2].title"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPayload(b *testing.B) {
	doc := mustDecode(b, storeDoc)
	tmpl := mustDecode(b, `{"title.$": "$.store.book[0].title", "cheap.$": "$.store.book[?(@.price < 10)].title", "label.$": "States.Format('{} costs {}', $.store.bicycle.color, $.store.bicycle.price)", "static": {"a": 1}}`)
	sc := Scope{Input: doc}
	for b.Loop() {
		if _, err := Payload(tmpl, sc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONataSimplePath(b *testing.B) {
	sc := JSONataScope{States: map[string]any{"input": mustDecode(b, storeDoc)}}
	for b.Loop() {
		if _, err := JSONata("Output", "{% $states.input.store.bicycle %}", sc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJSONataExpression(b *testing.B) {
	sc := JSONataScope{States: map[string]any{"input": mustDecode(b, storeDoc)}}
	for b.Loop() {
		if _, err := JSONata("Output", "{% $sum($states.input.store.book.price) > 20 %}", sc); err != nil {
			b.Fatal(err)
		}
	}
}
