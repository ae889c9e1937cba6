package snoozelinks

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

func TestSignedLinks(t *testing.T) {
	key := []byte("link-key")
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	l := Link{ReminderID: "rem_1", For: "3d", Expires: now.Add(TTL)}
	u, err := url.Parse(l.URL("https://dealflow.example", key))
	if err != nil || u.Path != "/v1/reminders/rem_1/snooze" {
		t.Fatalf("url %v %v", u, err)
	}
	tamper := func(k, v string) url.Values {
		q := u.Query()
		q.Set(k, v)
		return q
	}
	tests := []struct {
		name string
		key  []byte
		id   string
		q    url.Values
		now  time.Time
		want error
	}{
		{"valid", key, "rem_1", u.Query(), now, nil},
		{"longer snooze", key, "rem_1", tamper("for", "1w"), now, ErrInvalid},
		{"other reminder", key, "rem_2", u.Query(), now, ErrInvalid},
		{"later expiry", key, "rem_1", tamper("exp", "9999999999"), now, ErrInvalid},
		{"other key", []byte("other"), "rem_1", u.Query(), now, ErrInvalid},
		{"no key", nil, "rem_1", u.Query(), now, ErrInvalid},
		{"expired", key, "rem_1", u.Query(), now.Add(TTL), ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.key, tc.id, tc.q, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (got.For != "3d" || got.ReminderID != "rem_1") {
				t.Fatalf("link = %+v", got)
			}
		})
	}
}
