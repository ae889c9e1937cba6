package links

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSignedLinks(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	l := Link{Path: "/v1/handoffs/ho_1/accept", Params: url.Values{"attempt": {"1"}, "ae": {"max-hoffmann"}}, Expires: now.Add(4 * time.Hour)}
	u, err := url.Parse(l.URL("https://dealflow.example/", key))
	if err != nil || u.Host != "dealflow.example" || u.Path != "/v1/handoffs/ho_1/accept" {
		t.Fatalf("url %v %v", u, err)
	}
	tamper := func(k, v string) url.Values {
		q := u.Query()
		q.Set(k, v)
		return q
	}
	without := func(k string) url.Values {
		q := u.Query()
		q.Del(k)
		return q
	}
	tests := []struct {
		name string
		key  []byte
		path string
		q    url.Values
		now  time.Time
		want error
	}{
		{"valid", key, l.Path, u.Query(), now, nil},
		{"valid until the last second", key, l.Path, u.Query(), now.Add(4*time.Hour - time.Second), nil},
		{"other action", key, "/v1/handoffs/ho_1/decline", u.Query(), now, ErrInvalid},
		{"other handoff", key, "/v1/handoffs/ho_2/accept", u.Query(), now, ErrInvalid},
		{"other person", key, l.Path, tamper("ae", "anna-weber"), now, ErrInvalid},
		{"other attempt", key, l.Path, tamper("attempt", "2"), now, ErrInvalid},
		{"parameter dropped", key, l.Path, without("ae"), now, ErrInvalid},
		{"parameter added", key, l.Path, tamper("x", "1"), now, ErrInvalid},
		{"later expiry", key, l.Path, tamper("exp", "9999999999"), now, ErrInvalid},
		{"no signature", key, l.Path, without("sig"), now, ErrInvalid},
		{"other key", []byte("another key another key another k"), l.Path, u.Query(), now, ErrInvalid},
		{"no key", nil, l.Path, u.Query(), now, ErrInvalid},
		{"expired", key, l.Path, u.Query(), now.Add(4 * time.Hour), ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Check(tc.key, tc.path, tc.q, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if (err == nil || errors.Is(err, ErrExpired)) && (got.Params.Get("ae") != "max-hoffmann" || got.Params.Get("attempt") != "1" || !got.Expires.Equal(l.Expires)) {
				t.Fatalf("link = %+v", got)
			}
		})
	}
}

// Parameters are length-prefixed in the signature: moving "=" between a name and a value makes
// another link.
func TestCanonicalFormIsUnambiguous(t *testing.T) {
	key := []byte("k")
	exp := time.Unix(2000000000, 0)
	a := Link{Path: "/p", Params: url.Values{"a=b": {"c"}}, Expires: exp}
	b := Link{Path: "/p", Params: url.Values{"a": {"b=c"}}, Expires: exp}
	if string(a.mac(key)) == string(b.mac(key)) {
		t.Fatal("two different links share a signature")
	}
}

func TestLinkCarriesNoSecretButItsParameters(t *testing.T) {
	l := Link{Path: "/v1/handoffs/ho_1/accept", Params: url.Values{"attempt": {"1"}}, Expires: time.Unix(2000000000, 0)}
	s := l.URL("http://localhost:8080", []byte("super-secret-link-key-0123456789"))
	if strings.Contains(s, "super-secret") || !strings.Contains(s, "attempt=1") || !strings.Contains(s, "exp=2000000000") {
		t.Fatalf("url = %s", s)
	}
}
