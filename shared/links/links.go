// Package links signs and checks the action links dealflow puts in emails (accept or decline a
// handoff, ...): an HMAC-SHA256 with the org's link key over the path, the query parameters and
// the expiry, compared in constant time. A link cannot be altered to act on another object, for
// another person or for longer, and it stops working when it expires. Links carry ids only: no
// secret (a workflow task token above all) is ever put in a URL.
//
// A signature proves who the link was made for and until when; single use is the caller's state
// check (the handoff attempt already answered), which also lets a second click say what happened.
package links

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Errors a check returns. ErrExpired comes with the link's verified contents, so the caller can
// say what became of the object ("this handoff was reassigned to ...").
var (
	ErrInvalid = errors.New("link is invalid")
	ErrExpired = errors.New("link has expired")
)

// Reserved query parameters.
const (
	paramExpires   = "exp"
	paramSignature = "sig"
)

// Link is one signed action link: a path (which names the object and the action) and the
// parameters that bind it (e.g. the attempt and the person it was sent to).
type Link struct {
	Path    string
	Params  url.Values
	Expires time.Time
}

// mac signs a canonical form: the path, then the parameters sorted by name with their values in
// order, then the expiry in Unix seconds. Every field is length-prefixed, so no two different
// links share a canonical form.
func (l Link) mac(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "dealflow-link\x00%d:%s", len(l.Path), l.Path)
	names := make([]string, 0, len(l.Params))
	for k := range l.Params {
		if k != paramExpires && k != paramSignature {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range l.Params[k] {
			fmt.Fprintf(m, "\x00%d:%s=%d:%s", len(k), k, len(v), v)
		}
	}
	fmt.Fprintf(m, "\x00%s=%d", paramExpires, l.Expires.Unix())
	return m.Sum(nil)
}

// URL returns base + path + the signed query. base is scheme://host without a trailing slash.
func (l Link) URL(base string, key []byte) string {
	q := url.Values{}
	for k, vs := range l.Params {
		if k != paramExpires && k != paramSignature {
			q[k] = append([]string(nil), vs...)
		}
	}
	q.Set(paramExpires, strconv.FormatInt(l.Expires.Unix(), 10))
	q.Set(paramSignature, base64.RawURLEncoding.EncodeToString(l.mac(key)))
	return strings.TrimSuffix(base, "/") + l.Path + "?" + q.Encode()
}

// Check verifies a link's query for path at now. On ErrExpired the returned link is genuine
// (the signature matched) and only out of date.
func Check(key []byte, path string, q url.Values, now time.Time) (Link, error) {
	if len(key) == 0 {
		return Link{}, fmt.Errorf("%w: no link key is configured", ErrInvalid)
	}
	secs, err := strconv.ParseInt(q.Get(paramExpires), 10, 64)
	if err != nil {
		return Link{}, fmt.Errorf("%w: %s is not Unix seconds", ErrInvalid, paramExpires)
	}
	params := url.Values{}
	for k, vs := range q {
		if k != paramExpires && k != paramSignature {
			params[k] = vs
		}
	}
	l := Link{Path: path, Params: params, Expires: time.Unix(secs, 0)}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get(paramSignature))
	if err != nil || !hmac.Equal(sig, l.mac(key)) {
		return Link{}, fmt.Errorf("%w: signature does not match", ErrInvalid)
	}
	if !now.Before(l.Expires) {
		return l, ErrExpired
	}
	return l, nil
}
