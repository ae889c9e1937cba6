package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/qualify"
)

// The parsers face the internet: whatever the body, they return a lead or field errors, never
// panic, and never hand on a lead whose email is not a valid, normalised address.

func FuzzParseLeadJSON(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@b.example","first_name":"A","employees":"500+","country":"Deutschland","phone":"030 123456"}`,
		`{"email":"x@y.example","attributes":{"k":1,"n":null},"tracking":{"a":[1,2]}}`,
		`[{"email":"a@b.example"}]`, `null`, `{"email":{}}`, `{"employees":1e400}`, `{"email":"a@b.example"}x`,
		"{\"email\":\"\xff@b.example\"}", `{"phone":"+4930123456789012345678901234567890"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseLeadJSON(body, "api", leadNormalizer)
		checkParsed(t, n, err)
	})
}

func FuzzParseHubSpotBatch(f *testing.F) {
	for _, s := range []string{
		`[{"eventId":1,"subscriptionId":2,"portalId":3,"occurredAt":1767225600000,"subscriptionType":"contact.creation","objectId":4}]`,
		`[{"eventId":"1","subscriptionType":"contact.merge","objectId":2,"mergedObjectIds":[3,4]},{"eventId":1,"subscriptionType":"x"}]`,
		`[]`, `{}`, `[null,1,"a"]`, `[{"eventId":99999999999999999999}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := ParseHubSpotBatch(body)
		if err != nil {
			var fe qualify.FieldErrors
			if !errors.As(err, &fe) || len(fe) == 0 || events != nil {
				t.Fatalf("error is not a non-empty FieldErrors (or events came with it): %T %v", err, err)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range events {
			if e.SubscriptionType == "" || seen[e.DedupeKey()] {
				t.Fatalf("bad event or duplicate key in result: %+v", e)
			}
			seen[e.DedupeKey()] = true
		}
	})
}

func FuzzParseForm(f *testing.F) {
	for _, s := range []string{
		"email=a%40b.example&firstname=A&utm_source=x&utm_source=y",
		"email=a%40b.example&_hp=bot", "email=%zz", "a;b=c", "=&=&email", "email=a%40b.example&employees=1%2C000",
	} {
		f.Add([]byte(s), "website_url")
	}
	f.Fuzz(func(t *testing.T, body []byte, honeypot string) {
		r, err := ParseForm(body, "f1", honeypot, leadNormalizer)
		if r.Spam {
			if err != nil || r.Lead.Lead.Email != "" {
				t.Fatalf("spam verdict must come alone: %+v %v", r, err)
			}
			return
		}
		checkParsed(t, r.Lead, err)
	})
}

func FuzzVerifiers(f *testing.F) {
	body := []byte(`{"email":"a@b.example"}`)
	f.Add(Sign(body, time.Unix(1767225600, 0), "k"), "https://h.example/p?x=%3A%2", "1767225600000", body)
	f.Add("t=1,v1=00,v1=zz", "", "", []byte{})
	f.Fuzz(func(t *testing.T, header, uri, ts string, body []byte) {
		now := time.Unix(1767225600, 0)
		if err := (DealflowVerifier{Secrets: []string{"k"}}).Verify(header, body, now); err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Kind == nil || ve.Reason == "" {
				t.Fatalf("dealflow: not a VerifyError: %v", err)
			}
		}
		r := HubSpotRequest{Version: HubSpotV3, Method: "POST", URI: uri, Body: body, Timestamp: ts, Signature: header}
		if err := (HubSpotVerifier{Secrets: []string{"k"}}).Verify(r, now); err != nil {
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.Kind == nil || ve.Reason == "" {
				t.Fatalf("hubspot: not a VerifyError: %v", err)
			}
		}
		// A request HubSpot signed now must verify, whatever the URI and body.
		r.Timestamp = "1767225600000"
		r.Signature = SignHubSpotV3("k", "POST", uri, body, r.Timestamp)
		if err := (HubSpotVerifier{Secrets: []string{"k"}}).Verify(r, now); err != nil {
			t.Fatalf("own signature rejected: %v", err)
		}
		if d := HubSpotV3URI(uri); len(d) > len(uri) || (!strings.Contains(uri, "%") && d != uri) {
			t.Fatalf("HubSpotV3URI(%q) = %q", uri, d)
		}
	})
}

func checkParsed(t *testing.T, n qualify.Normalized, err error) {
	t.Helper()
	if err != nil {
		var fe qualify.FieldErrors
		if !errors.As(err, &fe) || len(fe) == 0 {
			t.Fatalf("error is not a non-empty FieldErrors: %T %v", err, err)
		}
		for _, e := range fe {
			if e.Field == "" || e.Reason == "" {
				t.Fatalf("field error without field or reason: %+v", e)
			}
		}
		return
	}
	if e, ok := qualify.NormalizeEmail(n.Lead.Email); !ok || e != n.Lead.Email {
		t.Fatalf("accepted lead has email %q (normalised %q, valid %v)", n.Lead.Email, e, ok)
	}
	if n.FreeMail == (n.Lead.Domain != "") {
		t.Fatalf("free-mail %v but domain %q", n.FreeMail, n.Lead.Domain)
	}
}
