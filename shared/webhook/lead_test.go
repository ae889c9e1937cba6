package webhook

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

func TestParseLeadJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want domain.Lead
		warn string // fields with warnings, comma-joined
	}{
		{
			name: "snake_case aliases, numbers as values, extra scalars kept as attributes",
			body: `{"email":" Jo@Initech.COM","first_name":"Jo","last_name":"Park","company_name":"Initech",
				"job_title":"CTO","phone":"+1 415 555 2671","country":"United States","employees":1500,
				"external_id":4711,"utm_source":"newsletter","consent":true,"notes":null}`,
			want: domain.Lead{Source: "api", ExternalID: "4711", Email: "jo@initech.com", Name: "Jo Park", Company: "Initech",
				Domain: "initech.com", Title: "CTO", Phone: "+14155552671", Country: "US", Employees: 1500,
				Attributes: map[string]string{"utm_source": "newsletter", "consent": "true"}},
		},
		{
			name: "camelCase, attributes object, source from the body",
			body: `{"email":"a@b.example","firstName":"A","source":"partner-portal","employees":"500+","attributes":{"plan":"pro","seats":12}}`,
			want: domain.Lead{Source: "partner-portal", Email: "a@b.example", Name: "A", Domain: "b.example", Employees: 500,
				Attributes: map[string]string{"plan": "pro", "seats": "12"}},
		},
		{
			name: "nested unknown values are ignored with a warning",
			body: `{"email":"a@b.example","tracking":{"x":1}}`,
			want: domain.Lead{Source: "api", Email: "a@b.example", Domain: "b.example"},
			warn: "tracking",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLeadJSON([]byte(tc.body), "api", leadNormalizer)
			if err != nil {
				t.Fatalf("ParseLeadJSON: %v", err)
			}
			if !reflect.DeepEqual(got.Lead, tc.want) {
				t.Fatalf("lead\n got %+v\nwant %+v", got.Lead, tc.want)
			}
			var w []string
			for _, e := range got.Warnings {
				w = append(w, e.Field)
			}
			if strings.Join(w, ",") != tc.warn {
				t.Fatalf("warnings %v, want %q", got.Warnings, tc.warn)
			}
		})
	}
}

func TestParseLeadJSONErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"empty body", ``, "body: empty; send a JSON object of lead fields"},
		{"array", `[{"email":"a@b.example"}]`, "body: must be a JSON object of lead fields, not array"},
		{"null", `null`, "body: must be a JSON object of lead fields"},
		{"syntax", `{"email":}`, "body: not valid JSON (invalid character '}' looking for beginning of value at byte 10)"},
		{"two objects", `{"email":"a@b.example"} {"email":"c@d.example"}`, "body: must hold exactly one JSON object (send one lead per request)"},
		{"bad email", `{"email":"not-an-email"}`, "email: not a valid address"},
		{"missing email", `{"name":"Jo"}`, "email: required"},
		{"object where a string belongs", `{"email":{"a":1}}`, "email: must be a string"},
		{"employees boolean", `{"email":"a@b.example","employees":true}`, "employees: must be a whole number"},
		{"employees words", `{"email":"a@b.example","employees":"many"}`, "employees: must be a whole number such as 250, 1,200, 500+ or 201-500"},
		{"attributes not an object", `{"email":"a@b.example","attributes":[1]}`, "attributes: must be an object of string values"},
		{"nested attribute", `{"email":"a@b.example","attributes":{"x":{"y":1}}}`, "attributes.x: must be a string, number or boolean"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLeadJSON([]byte(tc.body), "api", leadNormalizer)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
		})
	}
}
