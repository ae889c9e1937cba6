package reminder

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/links"
)

// Snooze links are shared/links links on the reminder's snooze path, bound to the period.
func TestSignedSnoozeLinks(t *testing.T) {
	key := []byte("link-key")
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	l := signedSnoozeLink("rem_1", "3d", now.Add(snoozeLinkTTL))
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
		{"longer snooze", key, "rem_1", tamper("for", "1w"), now, links.ErrInvalid},
		{"other reminder", key, "rem_2", u.Query(), now, links.ErrInvalid},
		{"later expiry", key, "rem_1", tamper("exp", "9999999999"), now, links.ErrInvalid},
		{"other key", []byte("other"), "rem_1", u.Query(), now, links.ErrInvalid},
		{"no key", nil, "rem_1", u.Query(), now, links.ErrInvalid},
		{"expired", key, "rem_1", u.Query(), now.Add(snoozeLinkTTL), links.ErrExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := links.Check(tc.key, snoozePath(tc.id), tc.q, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && (got.Params.Get("for") != "3d" || got.Path != "/v1/reminders/rem_1/snooze") {
				t.Fatalf("link = %+v", got)
			}
		})
	}
}
