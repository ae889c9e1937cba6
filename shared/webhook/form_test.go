package webhook

import (
	"reflect"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

func TestParseForm(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		honeypot string
		want     domain.Lead
		spam     bool
		wantErr  string
	}{
		{
			name: "lead fields, utm tags as attributes, repeated values joined, plumbing dropped",
			body: "email=Max%40Mustermann.de&vorname=Max&nachname=Mustermann&firma=Mustermann+AG&land=%C3%96sterreich" +
				"&telefon=01+5124567&utm_source=ads&interest=crm&interest=routing&_csrf=tok&_hp=",
			want: domain.Lead{Source: "form:demo", Email: "max@mustermann.de", Name: "Max Mustermann", Company: "Mustermann AG",
				Domain: "mustermann.de", Country: "AT", Phone: "+4315124567",
				Attributes: map[string]string{"utm_source": "ads", "interest": "crm, routing"}},
		},
		{
			name: "a form cannot claim another source",
			body: "email=a%40b.example&source=hubspot&external_id=99",
			want: domain.Lead{Source: "form:demo", Email: "a@b.example", Domain: "b.example",
				Attributes: map[string]string{"source": "hubspot", "external_id": "99"}},
		},
		{name: "honeypot filled is spam", body: "email=a%40b.example&_hp=http%3A%2F%2Fspam.example", spam: true},
		{name: "custom honeypot", body: "email=a%40b.example&website_url=x", honeypot: "website_url", spam: true},
		{name: "custom honeypot empty is fine", body: "email=a%40b.example&website_url=", honeypot: "website_url",
			want: domain.Lead{Source: "form:demo", Email: "a@b.example", Domain: "b.example"}},
		{name: "bad escape", body: "email=%zz", wantErr: `body: not a valid urlencoded form: invalid URL escape "%zz"`},
		{name: "missing email", body: "name=Max", wantErr: "email: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseForm([]byte(tc.body), "demo", tc.honeypot, leadNormalizer)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseForm: %v", err)
			}
			if got.Spam != tc.spam {
				t.Fatalf("spam = %v (%s), want %v", got.Spam, got.SpamReason, tc.spam)
			}
			if tc.spam {
				if got.SpamReason == "" || got.Lead.Lead.Email != "" {
					t.Fatalf("spam result must carry a reason and no lead: %+v", got)
				}
				return
			}
			if !reflect.DeepEqual(got.Lead.Lead, tc.want) {
				t.Fatalf("lead\n got %+v\nwant %+v", got.Lead.Lead, tc.want)
			}
		})
	}
}
