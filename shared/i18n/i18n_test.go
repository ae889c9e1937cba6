package i18n

import (
	"strings"
	"testing"
	"time"
)

func TestCatalogComplete(t *testing.T) {
	for key := range catalog[English] {
		if _, ok := catalog[German][key]; !ok {
			t.Errorf("de-DE lacks %q", key)
		}
	}
	for key := range catalog[German] {
		if _, ok := catalog[English][key]; !ok {
			t.Errorf("en-US lacks %q", key)
		}
	}
}

func TestFormatsFollowTheLocale(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	ny, _ := time.LoadLocation("America/New_York")
	mon := time.Date(2026, 11, 30, 8, 5, 0, 0, time.UTC)
	tests := []struct{ name, got, want string }{
		{"money en", Money("en-US", 123456, "EUR"), "€1,234.56"},
		{"money de", Money("de-DE", 123456, "EUR"), "1.234,56\u00a0€"},
		{"money negative usd", Money("en-US", -5, "USD"), "-$0.05"},
		{"money chf en", Money("en-US", 100000, "CHF"), "CHF\u00a01,000.00"},
		{"number de", Number("de", 1234567), "1.234.567"},
		{"date en", Date("en-US", mon, ny), "Mon, Nov 30"},
		{"date de", Date("de-DE", mon, berlin), "Mo., 30. Nov."},
		{"datetime en NY", DateTime("en-US", mon, ny), "Mon, Nov 30, 3:05 AM EST"},
		{"datetime de Berlin", DateTime("de-DE", mon, berlin), "Mo., 30. Nov., 09:05 CET"},
		{"fallback key", T("fr-FR", "grade.sql"), "SQL"},
		{"german message", T("de-AT", "lead.assigned.greeting", "Jana"), "Hallo Jana,"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		loc    string
		f      float64
		places int
		want   string
	}{{"en-US", 1.25, 1, "1.2"}, {"de-DE", 1.25, 1, "1,2"}, {"de", 12.5, 0, "12"}, {"en", -3.456, 2, "-3.46"}, {"de-AT", 0.5, 2, "0,50"}} {
		if got := Decimal(tc.loc, tc.f, tc.places); got != tc.want {
			t.Errorf("Decimal(%s, %v, %d) = %q, want %q", tc.loc, tc.f, tc.places, got, tc.want)
		}
	}
}

func TestPluralForms(t *testing.T) {
	for _, tc := range []struct {
		loc  string
		n    int
		want string
	}{
		{"en-US", 1, "1 deal"}, {"en-US", 2, "2 deals"}, {"en-US", 0, "0 deals"}, {"en-US", 1234, "1,234 deals"},
		{"de-DE", 1, "1 Deal"}, {"de-DE", 2, "2 Deals"}, {"de-DE", 1234, "1.234 Deals"},
	} {
		if got := N(tc.loc, "digest.deals_n", tc.n); got != tc.want {
			t.Errorf("N(%s, %d) = %q, want %q", tc.loc, tc.n, got, tc.want)
		}
	}
	// Every plural key has both forms in both languages.
	for _, loc := range []string{English, German} {
		for key := range catalog[loc] {
			if base, ok := strings.CutSuffix(key, ".one"); ok {
				if _, ok := catalog[loc][base+".other"]; !ok {
					t.Errorf("%s: %s has no .other form", loc, base)
				}
			}
		}
	}
}
