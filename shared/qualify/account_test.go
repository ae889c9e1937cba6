package qualify

import (
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

func TestMatchAccount(t *testing.T) {
	acme := domain.Account{ID: "acc-acme", Domain: "acme.com", Name: "Acme Inc.", OwnerID: "rep-1"}
	acmeEMEA := domain.Account{ID: "acc-acme-emea", Domain: "emea.acme.com", Name: "Acme EMEA", OwnerID: "rep-2"}
	acmeDup1 := domain.Account{ID: "acc-b", Domain: "acme.com", Name: "Acme Holdings Corp", OwnerID: "rep-3"}
	acmeDup2 := domain.Account{ID: "acc-a", Domain: "acme.com", Name: "Zeta Logistics", OwnerID: "rep-4"}
	mueller := domain.Account{ID: "acc-m", Domain: "mueller.de", Name: "Müller Maschinenbau GmbH"}
	tests := []struct {
		name       string
		lead       domain.Lead
		candidates []domain.Account
		wantID     string // "" = no match
		wantReason string
	}{
		{"exact domain", domain.Lead{Domain: "acme.com"}, []domain.Account{acme}, "acc-acme",
			`email domain acme.com = account "Acme Inc." (acme.com)`},
		{"subdomain falls back to parent", domain.Lead{Domain: "sales.acme.com"}, []domain.Account{acme}, "acc-acme",
			`email domain sales.acme.com is under account "Acme Inc." (acme.com)`},
		{"most specific parent wins", domain.Lead{Domain: "x.emea.acme.com"}, []domain.Account{acme, acmeEMEA}, "acc-acme-emea",
			`email domain x.emea.acme.com is under account "Acme EMEA" (emea.acme.com)`},
		{"exact beats parent", domain.Lead{Domain: "emea.acme.com"}, []domain.Account{acme, acmeEMEA}, "acc-acme-emea",
			`email domain emea.acme.com = account "Acme EMEA" (emea.acme.com)`},
		{"company name breaks a tie", domain.Lead{Domain: "acme.com", Company: "ACME Holdings"}, []domain.Account{acmeDup2, acmeDup1}, "acc-b",
			`email domain acme.com = account "Acme Holdings Corp" (acme.com); company name "ACME Holdings" is 100% similar (best of 2 accounts on the domain)`},
		{"without a company name the lowest id wins", domain.Lead{Domain: "acme.com"}, []domain.Account{acmeDup1, acmeDup2}, "acc-a",
			`email domain acme.com = account "Zeta Logistics" (acme.com)`},
		{"look-alike domain does not match", domain.Lead{Domain: "notacme.com"}, []domain.Account{acme}, "", ""},
		{"free-mail lead matches nothing", domain.Lead{Email: "a@gmail.com", Company: "Acme"}, []domain.Account{acme}, "", ""},
		{"no candidates", domain.Lead{Domain: "acme.com"}, nil, "", ""},
		{"case and trailing dot", domain.Lead{Domain: "MUELLER.DE."}, []domain.Account{mueller}, "acc-m",
			`email domain mueller.de = account "Müller Maschinenbau GmbH" (mueller.de)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ok := MatchAccount(tc.lead, tc.candidates)
			if ok != (tc.wantID != "") || m.Account.ID != tc.wantID {
				t.Fatalf("match = %q, %v; want %q", m.Account.ID, ok, tc.wantID)
			}
			if m.Reason != tc.wantReason {
				t.Fatalf("reason\n got %q\nwant %q", m.Reason, tc.wantReason)
			}
		})
	}
}

func TestCompanySimilarity(t *testing.T) {
	tests := []struct {
		a, b     string
		min, max float64
	}{
		{"Acme GmbH", "ACME Inc.", 1, 1},                           // legal forms dropped
		{"Müller Maschinenbau GmbH", "Mueller Maschinenbau", 1, 1}, // umlaut transcription
		{"Siemens Healthineers AG", "Siemens Healthineers", 1, 1},  // same words
		{"Acme Logistics", "Acme Logistic", 0.9, 1},                // one letter off
		{"Globex Corporation", "Initech", 0, 0.2},                  // unrelated
		{"", "Acme", 0, 0},                                           // nothing to compare
		{"The Boring Company", "Boring Co", 1, 1},                    // articles and forms
		{"Deutsche Telekom", "Telekom Deutschland GmbH", 0.55, 0.95}, // shared words, different order
	}
	for _, tc := range tests {
		t.Run(tc.a+"~"+tc.b, func(t *testing.T) {
			got := CompanySimilarity(tc.a, tc.b)
			if got < tc.min || got > tc.max {
				t.Fatalf("CompanySimilarity = %.3f, want in [%.2f, %.2f]", got, tc.min, tc.max)
			}
			if rev := CompanySimilarity(tc.b, tc.a); rev != got {
				t.Fatalf("not symmetric: %.3f vs %.3f", got, rev)
			}
		})
	}
}
