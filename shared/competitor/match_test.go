package competitor

import (
	"slices"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

func TestFind(t *testing.T) {
	m := New([]domain.Competitor{
		{ID: "mueller", Name: "Müller Soft", Aliases: []string{"MS-CRM", "Mueller"}, Domains: []string{"muellersoft.example"}},
		{ID: "contoso", Name: "Contoso", Aliases: []string{"Contoso Analytics"}},
		{ID: "oe", Name: "Öko Sales"},
	})
	cases := []struct {
		name, text string
		want       []string
	}{
		{"exact name", "They also talk to Müller Soft.", []string{"mueller"}},
		{"umlaut spelled out, upper case", "MUELLER SOFT is cheaper", []string{"mueller"}},
		{"alias with umlaut in the text", "Angebot von Müller liegt vor", []string{"mueller"}},
		{"decomposed umlaut (NFD)", "Mu\u0308ller Soft", []string{"mueller"}},
		{"alias with a hyphen", "replacing ms-crm next year", []string{"mueller"}},
		{"domain", "cc: sales@muellersoft.example", []string{"mueller"}},
		{"German compound with a hyphen", "Das Contoso-Angebot ist günstiger", []string{"contoso"}},
		{"possessive", "Contoso's pricing", []string{"contoso"}},
		{"inside a word is no mention", "Contosoangebot, Muellerstrasse, MS-CRMs", nil},
		{"umlaut at the start, written oe", "oeko sales war auch da", []string{"oe"}},
		{"two competitors, org order", "contoso vs. Müller", []string{"mueller", "contoso"}},
		{"nothing", "Budget confirmed", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := m.Find(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("Find(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{"Ärger": "aerger", "Straße": "strasse", "Café": "cafe", "ÖKO": "oeko"} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
