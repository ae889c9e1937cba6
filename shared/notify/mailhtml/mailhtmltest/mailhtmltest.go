// Package mailhtmltest checks a hand-written HTML renderer against the html/template it replaces,
// on hostile input.
package mailhtmltest

import (
	"html/template"
	"strings"
	"testing"
)

// Hostile are values a lead, a rep or an org file could carry.
var Hostile = []string{
	"", "Ada Lovelace", `<script>alert("x")</script>`, "Tom & Jerry's +1 <b>", "a\x00b", "Zoë Ünal — café",
	"javascript:alert(1)", "JavaScript:alert(1)", "https://dealflow.example/v1/handoffs/h-1/accept?a=1&sig=abc+/=",
	"/v1/reminders/r-1/snooze?p=1d&sig=x y\"z<>", "mailto:ae@example.com", "data:text/html,hi", "http://x/ü?q=ä#f",
	"#2e7d32", "red;background:url(x)", "expression(alert(1))", "a--b", "\xff\xfe invalid", "%41%zz", "x%41",
}

// Pick is the i-th hostile value, cycling.
func Pick(i int) string { return Hostile[i%len(Hostile)] }

// Exec renders the html/template a renderer replaces.
func Exec(t *testing.T, tpl *template.Template, data any) string {
	t.Helper()
	var b strings.Builder
	if err := tpl.Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Same fails the test when a renderer's bytes differ from html/template's.
func Same(t *testing.T, what string, got, want string) {
	t.Helper()
	if got != want {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s differs from html/template at byte %d:\n got …%.120q\nwant …%.120q", what, i, got[max(0, i-40):], want[max(0, i-40):])
	}
}
