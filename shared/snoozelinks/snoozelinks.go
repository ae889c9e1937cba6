// Package snoozelinks signs and checks the snooze links of follow-up reminder emails: an HMAC over
// the reminder id, the snooze length and the expiry, with the org's link key, so a link cannot be
// altered to snooze another reminder or for longer, and stops working when it expires.
package snoozelinks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// TTL is how long a snooze link works after the email was sent.
const TTL = 14 * 24 * time.Hour

// Errors a link check returns.
var (
	ErrInvalid = errors.New("snooze link is invalid")
	ErrExpired = errors.New("snooze link has expired")
)

// Link is one signed snooze link.
type Link struct {
	ReminderID string
	For        string // snooze key: 1d, 3d, 1w
	Expires    time.Time
}

func (l Link) mac(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "snooze\x00%s\x00%s\x00%d", l.ReminderID, l.For, l.Expires.Unix())
	return m.Sum(nil)
}

// URL returns the link under base (scheme://host): /v1/reminders/{id}/snooze?for=..&exp=..&sig=..
func (l Link) URL(base string, key []byte) string {
	q := url.Values{}
	q.Set("for", l.For)
	q.Set("exp", strconv.FormatInt(l.Expires.Unix(), 10))
	q.Set("sig", base64.RawURLEncoding.EncodeToString(l.mac(key)))
	return base + "/v1/reminders/" + url.PathEscape(l.ReminderID) + "/snooze?" + q.Encode()
}

// Parse checks a link's query for the reminder id at now and returns it.
func Parse(key []byte, reminderID string, q url.Values, now time.Time) (Link, error) {
	if len(key) == 0 {
		return Link{}, fmt.Errorf("%w: no link key is configured", ErrInvalid)
	}
	secs, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return Link{}, fmt.Errorf("%w: exp is not Unix seconds", ErrInvalid)
	}
	l := Link{ReminderID: reminderID, For: q.Get("for"), Expires: time.Unix(secs, 0)}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get("sig"))
	if err != nil || !hmac.Equal(sig, l.mac(key)) {
		return Link{}, fmt.Errorf("%w: signature does not match", ErrInvalid)
	}
	if !now.Before(l.Expires) {
		return Link{}, ErrExpired
	}
	return l, nil
}
