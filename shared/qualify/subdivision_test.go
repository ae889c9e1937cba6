package qualify

import "testing"

func TestStateRegionAndCountryBecomeOneISOSubdivision(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		country, state, region  string
		wantRegion, wantCountry string
	}{
		{"US state code", "US", "CA", "", "US-CA", "US"},
		{"US state name", "United States", "California", "", "US-CA", "US"},
		{"German Land code", "DE", "BY", "", "DE-BY", "DE"},
		{"German Land name", "Deutschland", "Bayern", "", "DE-BY", "DE"},
		{"English name", "Germany", "", "Bavaria", "DE-BY", "DE"},
		{"umlaut transcribed", "DE", "Baden-Wuerttemberg", "", "DE-BW", "DE"},
		{"Austrian digit", "AT", "Wien", "", "AT-9", "AT"},
		{"full code in region", "", "", "us-ny", "US-NY", "US"},
		{"Canadian province in French", "CA", "Québec", "", "CA-QC", "CA"},
		{"name alone names its country", "", "Bayern", "", "DE-BY", "DE"},
		{"a bare code alone says nothing", "", "CA", "", "", ""},
		{"country without a table", "FR", "75", "", "FR-75", "FR"},
		{"unknown kept as sent", "US", "Atlantis", "", "", "US"},
		{"code of another country", "DE", "US-CA", "", "", "DE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Normalizer{}.Normalize(LeadInput{Email: "a@b.example", Country: tc.country, State: tc.state, Region: tc.region})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.wantRegion
			if want == "" {
				want = tc.region // kept as sent
			}
			if n.Lead.Region != want || n.Lead.Country != tc.wantCountry {
				t.Fatalf("region %q country %q; want %q %q", n.Lead.Region, n.Lead.Country, want, tc.wantCountry)
			}
		})
	}
}
