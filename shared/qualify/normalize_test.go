package qualify

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name     string
		in       LeadInput
		want     domain.Lead
		freeMail bool
		warn     []string // fields with warnings
	}{
		{
			name: "trims, lowercases email, company domain, German country name, phone to E.164",
			in: LeadInput{Source: "api", Email: "  Anna.Schmidt@ACME.de ", FirstName: " Anna ", LastName: "Schmidt",
				Company: "  ACME   GmbH ", Country: "Deutschland", Phone: "030 1234567", Employees: "1.200", Title: "Head of Sales"},
			want: domain.Lead{Source: "api", Email: "anna.schmidt@acme.de", Name: "Anna Schmidt", Company: "ACME GmbH",
				Domain: "acme.de", Country: "DE", Phone: "+49301234567", Employees: 1200, Title: "Head of Sales"},
		},
		{
			name:     "free-mail leaves the company domain empty",
			in:       LeadInput{Email: "bob@GMX.de", Name: "Bob", Country: "AT"},
			want:     domain.Lead{Email: "bob@gmx.de", Name: "Bob", Country: "AT"},
			freeMail: true,
		},
		{
			name: "international phone without country, employee band counts as lower bound",
			in:   LeadInput{Email: "c@corp.example", Phone: "+1 (415) 555-2671", Employees: "201-500"},
			want: domain.Lead{Email: "c@corp.example", Domain: "corp.example", Phone: "+14155552671", Employees: 201},
		},
		{
			name: "unknown country and invalid phone are kept raw with warnings",
			in:   LeadInput{Email: "d@corp.example", Country: "Narnia", Phone: "12"},
			want: domain.Lead{Email: "d@corp.example", Domain: "corp.example", Phone: "12",
				Attributes: map[string]string{"country_raw": "Narnia"}},
			warn: []string{"country", "phone"},
		},
		{
			name: "website and attributes are kept, control characters removed",
			in: LeadInput{Email: "e@corp.example", Website: "https://corp.example", Name: "Eve\x00\tAdams",
				Attributes: map[string]string{"utm_source": " google ", "": "dropped"}},
			want: domain.Lead{Email: "e@corp.example", Domain: "corp.example", Name: "Eve Adams",
				Attributes: map[string]string{"utm_source": "google", "website": "https://corp.example"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := leadNormalizer.Normalize(tc.in)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if !reflect.DeepEqual(got.Lead, tc.want) {
				t.Errorf("lead\n got %+v\nwant %+v", got.Lead, tc.want)
			}
			if got.FreeMail != tc.freeMail {
				t.Errorf("FreeMail = %v, want %v", got.FreeMail, tc.freeMail)
			}
			var warned []string
			for _, w := range got.Warnings {
				warned = append(warned, w.Field)
			}
			if strings.Join(warned, ",") != strings.Join(tc.warn, ",") {
				t.Errorf("warnings = %v, want fields %v", got.Warnings, tc.warn)
			}
		})
	}
}

func TestNormalizeFieldErrors(t *testing.T) {
	tests := []struct {
		name string
		in   LeadInput
		want string
	}{
		{"missing email", LeadInput{Name: "x"}, "email: required"},
		{"email without domain dot", LeadInput{Email: "a@localhost"}, "email: not a valid address"},
		{"email with display name", LeadInput{Email: "Anna <a@b.example>"}, "email: not a valid address"},
		{"employees not a number", LeadInput{Email: "a@b.example", Employees: "lots"}, "employees: must be a whole number such as 250, 1,200, 500+ or 201-500"},
		{"all errors listed together", LeadInput{Email: "nope", Employees: "x", Company: strings.Repeat("c", 300)},
			"company: too long (at most 256 characters); email: not a valid address; employees: must be a whole number such as 250, 1,200, 500+ or 201-500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := leadNormalizer.Normalize(tc.in)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = invalid
	}{
		{"Anna@Example.COM", "anna@example.com"},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"},
		{"user@example.com.", "user@example.com"},
		{"müller@bücher.de", "müller@bücher.de"},
		{"a@b", ""},
		{"@example.com", ""},
		{"a@", ""},
		{".a@example.com", ""},
		{"a..b@example.com", ""},
		{"a b@example.com", ""},
		{"a@-example.com", ""},
		{"a@example..com", ""},
		{"a@10.0.0.1", ""},
		{strings.Repeat("a", 65) + "@example.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := NormalizeEmail(tc.in)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestParseEmployees(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"250", 250, true}, {"1,200", 1200, true}, {"1.200", 1200, true}, {"10 000", 10000, true},
		{"500+", 500, true}, {"201-500", 201, true}, {"0", 0, true},
		{"", 0, false}, {"-5", 0, false}, {"many", 0, false}, {"12345678901", 0, false},
		// A fraction is refused, never read as 125; a range is its lower bound.
		{"12.5", 0, false}, {"1,5", 0, false}, {"1.2345", 0, false}, {"1,,200", 0, false}, {",200", 0, false},
		{"1.200.000", 1200000, true}, {"50-200", 50, true}, {"50 - 200", 50, true}, {"1200", 1200, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseEmployees(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("ParseEmployees(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestCountry(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = unknown
	}{
		{"DE", "DE"}, {"de", "DE"}, {"DEU", "DE"}, {"Germany", "DE"}, {"Deutschland", "DE"},
		{"Österreich", "AT"}, {"Oesterreich", "AT"}, {"Austria", "AT"}, {"Schweiz", "CH"}, {"Suisse", "CH"},
		{"Svizzera", "CH"}, {"United States", "US"}, {"USA", "US"}, {"U.S.A.", "US"},
		{"United Kingdom", "GB"}, {"UK", "GB"}, {"Großbritannien", "GB"}, {"Vereinigtes Königreich", "GB"},
		{"the Netherlands", "NL"}, {"Niederlande", "NL"}, {"Côte d’Ivoire", "CI"}, {"cote d'ivoire", "CI"},
		{"Tschechien", "CZ"}, {"Czech Republic", "CZ"}, {"  france ", "FR"}, {"Türkei", "TR"},
		{"Narnia", ""}, {"", ""}, {"YU", ""}, {"EU", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := Country(tc.in)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("Country(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestCountryIndexCoversAllISOCodes(t *testing.T) {
	countryOnce.Do(buildCountryIndex)
	codes := map[string]bool{}
	for _, c := range countryIndex {
		codes[c] = true
	}
	// ISO 3166-1 has 249 officially assigned alpha-2 codes.
	if len(codes) != 249 {
		t.Fatalf("index maps to %d distinct codes, want 249", len(codes))
	}
}

func TestPhoneE164(t *testing.T) {
	tests := []struct {
		raw, country, want string
	}{
		{"+49 30 1234567", "", "+49301234567"},
		{"030 1234567", "DE", "+49301234567"},
		{"0043 1 5124567", "DE", "+4315124567"},
		{"(415) 555-2671", "US", "+14155552671"},
		{"044 668 18 00", "CH", "+41446681800"},
		{"030 1234567", "", ""}, // no country, no + prefix: cannot know
		{"12", "DE", ""},
		{"not a phone", "US", ""},
	}
	for _, tc := range tests {
		t.Run(tc.raw+"/"+tc.country, func(t *testing.T) {
			got, ok := leadNormalizer.PhoneE164(tc.raw, tc.country)
			if ok != (tc.want != "") || got != tc.want {
				t.Fatalf("PhoneE164(%q, %q) = %q, %v; want %q", tc.raw, tc.country, got, ok, tc.want)
			}
		})
	}
}

func TestDedupeKeyAndMerge(t *testing.T) {
	if a, b := DedupeKey(" Anna@Acme.DE"), DedupeKey("anna@acme.de"); a != b || a == "" {
		t.Fatalf("same address gives keys %q and %q", a, b)
	}
	if DedupeKey("anna+x@acme.de") == DedupeKey("anna@acme.de") {
		t.Fatal("a +tag address must stay a different person")
	}
	existing := domain.Lead{ID: "L1", Email: "anna@acme.de", Name: "Anna", OwnerID: "rep-1", Employees: 0,
		Attributes: map[string]string{"utm_source": "google"}, MergedFrom: []string{"api:1"}}
	incoming := domain.Lead{ID: "L2", Email: "anna@acme.de", Name: "Anna Schmidt", Company: "Acme", Employees: 300,
		Attributes: map[string]string{"utm_source": "linkedin", "message": "call me"}}
	got, _ := Merge(existing, incoming, "hubspot:77", domain.LeadLimits{})
	want := domain.Lead{ID: "L1", Email: "anna@acme.de", Name: "Anna", OwnerID: "rep-1", Company: "Acme", Employees: 300,
		Attributes: map[string]string{"utm_source": "linkedin", "message": "call me"}, MergedFrom: []string{"api:1", "hubspot:77"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Merge\n got %+v\nwant %+v", got, want)
	}
	if again, _ := Merge(got, incoming, "hubspot:77", domain.LeadLimits{}); len(again.MergedFrom) != 2 {
		t.Fatalf("merging the same submission twice recorded it twice: %v", again.MergedFrom)
	}
	if existing.Attributes["utm_source"] != "google" || len(existing.MergedFrom) != 1 {
		t.Fatal("Merge modified its input")
	}
}

func TestMergeIsBounded(t *testing.T) {
	limits := domain.LeadLimits{MaxAttributes: 3, MaxMergeRefs: 2}
	l := domain.Lead{Attributes: map[string]string{"a": "1", "b": "2"}, MergedFrom: []string{"r1", "r2"}}
	got, dropped := Merge(l, domain.Lead{Attributes: map[string]string{"b": "new", "c": "3", "d": "4", "e": "5"}}, "r3", limits)
	if len(got.Attributes) != 3 || got.Attributes["b"] != "new" || got.Attributes["c"] != "3" {
		t.Errorf("attributes %v: want a, b (updated) and c", got.Attributes)
	}
	if fmt.Sprint(dropped.Attributes) != "[d e]" || dropped.MergeRefs != 1 || fmt.Sprint(got.MergedFrom) != "[r2 r3]" {
		t.Errorf("dropped %+v, refs %v; want [d e], 1 and the newest [r2 r3]", dropped, got.MergedFrom)
	}
	if _, again := Merge(got, domain.Lead{Attributes: map[string]string{"a": "x"}}, "r3", limits); !again.Empty() {
		t.Errorf("updating a known key drops nothing: %+v", again)
	}
}
