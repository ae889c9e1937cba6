package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignFormat(t *testing.T) {
	body := []byte(`{"email":"a@b.example"}`)
	at := time.Unix(1767225600, 0)
	m := hmac.New(sha256.New, []byte("k1"))
	m.Write([]byte("1767225600." + string(body)))
	want := "t=1767225600,v1=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign(body, at, "k1"); got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if got := Sign(body, at, "k1", "k2"); !strings.HasPrefix(got, want+",v1=") || strings.Count(got, ",v1=") != 2 {
		t.Fatalf("two secrets: %q", got)
	}
}

func TestDealflowVerify(t *testing.T) {
	body := []byte(`{"email":"a@b.example"}`)
	t0 := time.Unix(1767225600, 0)
	header := Sign(body, t0, "current")
	rotating := Sign(body, t0, "next", "current") // sender already signs with both
	tests := []struct {
		name     string
		secrets  []string
		header   string
		body     []byte
		now      time.Time
		wantKind error
		reason   string
	}{
		{"valid", []string{"current"}, header, body, t0, nil, ""},
		{"receiver has old and new secret", []string{"next", "current"}, header, body, t0.Add(time.Minute), nil, ""},
		{"sender signs with both, receiver knows only the new one", []string{"next"}, rotating, body, t0, nil, ""},
		{"five minutes either way is accepted", []string{"current"}, header, body, t0.Add(5 * time.Minute), nil, ""},
		{"clock 5 minutes behind", []string{"current"}, header, body, t0.Add(-5 * time.Minute), nil, ""},
		{"spaces after commas", []string{"current"}, strings.ReplaceAll(header, ",", ", "), body, t0, nil, ""},
		{"unknown scheme is skipped", []string{"current"}, header + ",v0=deadbeef", body, t0, nil, ""},
		{"stale", []string{"current"}, header, body, t0.Add(5*time.Minute + time.Second), ErrStaleTimestamp,
			"timestamp is 5m1s old; signatures are valid for 5m0s"},
		{"future", []string{"current"}, header, body, t0.Add(-6 * time.Minute), ErrStaleTimestamp, "timestamp is 6m0s in the future"},
		{"tampered body", []string{"current"}, header, []byte(`{"email":"b@b.example"}`), t0, ErrSignatureMismatch,
			`signature does not match: check the signing secret and that v1 is hex HMAC-SHA256 of "1767225600." + the raw body`},
		{"wrong secret", []string{"other"}, header, body, t0, ErrSignatureMismatch, "does not match"},
		{"missing header", []string{"current"}, "", body, t0, ErrMissingSignature, "missing Dealflow-Signature header"},
		{"no t", []string{"current"}, strings.SplitN(header, ",", 2)[1], body, t0, ErrMalformedSignature, "missing t=<unix seconds>"},
		{"no v1", []string{"current"}, "t=1767225600", body, t0, ErrMalformedSignature, "missing v1=<hex HMAC-SHA256>"},
		{"t twice", []string{"current"}, "t=1," + header, body, t0, ErrMalformedSignature, "t= appears more than once"},
		{"t not a number", []string{"current"}, "t=now,v1=" + strings.Repeat("0", 64), body, t0, ErrMalformedSignature, `t="now" is not Unix seconds`},
		{"t in milliseconds is far future", []string{"current"}, "t=1767225600000,v1=" + strings.Repeat("0", 64), body, t0, ErrStaleTimestamp, "is far in the future; t is Unix seconds, not milliseconds"},
		{"v1 not hex", []string{"current"}, "t=1767225600,v1=xyz", body, t0, ErrMalformedSignature, "v1 must be 64 hex characters"},
		{"garbage entry", []string{"current"}, "t=1767225600;v1=ab", body, t0, ErrMalformedSignature, "missing v1="},
		{"no equals", []string{"current"}, "hello", body, t0, ErrMalformedSignature, "is not key=value"},
		{"too many entries", []string{"current"}, header + strings.Repeat(",v1="+strings.Repeat("0", 64), 20), body, t0, ErrMalformedSignature, "at most 16"},
		{"negative t", []string{"current"}, "t=-5,v1=" + strings.Repeat("0", 64), body, t0, ErrMalformedSignature, "is not Unix seconds"},
		{"no secret configured", nil, header, body, t0, ErrNoSecret, "no signing secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := DealflowVerifier{Secrets: tc.secrets}.Verify(tc.header, tc.body, tc.now)
			if tc.wantKind == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantKind) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("err = %v; want kind %v containing %q", err, tc.wantKind, tc.reason)
			}
		})
	}
}
