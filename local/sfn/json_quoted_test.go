package sfn

import "testing"

// A document shown as text in history details is rendered in one pass; it must be exactly the
// quoted text of the document rendered on its own (key orders included).
func checkQuotedDoc(t *testing.T, text string) {
	t.Helper()
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return
	}
	ko := newKeyOrders(nil)
	ko.learn([]byte(text))
	for _, k := range []*keyOrders{nil, ko} {
		d := &lazyDoc{v: v, ko: k}
		got, ok := appendDocWith([]byte("x"), d, nil)
		want := "x" + string(appendJSONString(nil, d.String()))
		if !ok || string(got) != want {
			t.Fatalf("document %q (key orders %v):\n got %s\nwant %s", text, k != nil, got, want)
		}
	}
}

var quotedDocSeeds = []string{
	`{"b":1,"a":"x","c":[true,false,null,1.50,-2e10]}`,
	`{"quote":"say \"hi\"","back":"a\\b","ctl":"\n\r\t\b\f\u0001\u001f","html":"<a href='x'>&amp;</a>"}`,
	`{"seps":"\u2028 and \u2029","accents":"Ünïcödé ✓ 日本","emoji":"🙂"}`,
	`{"k\"ey":{"n\\ested":["\u0000",{"z":"","y":{}}]},"empty":[]}`,
	`"just a string with \"quotes\""`, `12`, `null`, `[]`, `{}`,
	`{"Payload":{"leadId":"01J","score":42},"StatusCode":200,"ExecutedVersion":"$LATEST"}`,
}

func TestDocumentTextRenderedInOnePass(t *testing.T) {
	for _, s := range quotedDocSeeds {
		checkQuotedDoc(t, s)
	}
	// Invalid UTF-8 in a string value becomes U+FFFD, as encoding/json does.
	d := &lazyDoc{v: map[string]any{"bad": "a\xffb", "x\xfe": "1"}}
	got, _ := appendDocWith(nil, d, nil)
	if want := string(appendJSONString(nil, d.String())); string(got) != want {
		t.Fatalf("invalid UTF-8: got %s want %s", got, want)
	}
}

func FuzzDocumentTextRenderedInOnePass(f *testing.F) {
	for _, s := range quotedDocSeeds {
		f.Add(s)
	}
	f.Fuzz(checkQuotedDoc)
}
