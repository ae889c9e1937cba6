package identity

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"strings"
	"time"
)

// SessionCookie holds a signed-in person's session.
const SessionCookie = "dealflow_session"

// SessionTTL is how long a console session lasts; SignInTTL how long an emailed link works.
const (
	SessionTTL = 12 * time.Hour
	SignInTTL  = 15 * time.Minute
)

// ticket is the signed content of a session cookie or a sign-in link.
type ticket struct {
	Purpose string `json:"p"` // session or signin: a link is never a session and vice versa
	ID      string `json:"i"` // session id / link nonce
	Email   string `json:"e"`
	Exp     int64  `json:"x"`
	Next    string `json:"n,omitempty"`
}

func (g *Guard) mac(purpose, payload string) string {
	m := hmac.New(sha256.New, g.SessionKey)
	m.Write([]byte("dealflow-" + purpose + "\x00" + payload))
	return hex.EncodeToString(m.Sum(nil))
}

func (g *Guard) seal(t ticket) string {
	b, _ := json.Marshal(t)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + g.mac(t.Purpose, payload)
}

var errBadTicket = errors.New("bad ticket")

func (g *Guard) open(v, purpose string) (ticket, error) {
	payload, sig, ok := strings.Cut(v, ".")
	if !ok || len(g.SessionKey) == 0 || !hmac.Equal([]byte(sig), []byte(g.mac(purpose, payload))) {
		return ticket{}, errBadTicket
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	var t ticket
	if err != nil || json.Unmarshal(b, &t) != nil || t.Purpose != purpose {
		return ticket{}, errBadTicket
	}
	return t, nil
}

func revokedKey(sid string) string { return "session-revoked:" + sid }

func (g *Guard) sessionPrincipal(r *http.Request) (*Principal, *Denied, error) {
	c, _ := r.Cookie(SessionCookie)
	t, err := g.open(c.Value, "session")
	if err != nil {
		return nil, unauthenticated("the console session is not valid: sign in again"), nil
	}
	if g.Clock.Now().Unix() >= t.Exp {
		return nil, unauthenticated("the console session expired: sign in again"), nil
	}
	// Signed-out sessions are counted in the store, so sign-out holds on every instance.
	n, err := g.Store.GetCounters(r.Context(), revokedKey(t.ID))
	if err != nil {
		return nil, nil, err
	}
	if n[revokedKey(t.ID)] > 0 {
		return nil, unauthenticated("signed out: sign in again"), nil
	}
	p, ok := Person(g.Org, t.Email)
	if !ok {
		return nil, unauthenticated(t.Email + " is no longer an active person of the org file"), nil
	}
	p.sessionID = t.ID
	return p, nil, nil
}

// CSRF is the token the console's forms and scripts send back on writes: bound to the session,
// so another site cannot know it.
func (g *Guard) CSRF(p *Principal) string {
	if p == nil || p.sessionID == "" {
		return ""
	}
	return g.mac("csrf", p.sessionID)
}

func (g *Guard) validCSRF(r *http.Request) bool {
	p, _, _ := g.sessionPrincipal(r)
	want := g.CSRF(p)
	if want == "" {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			got = r.PostFormValue("csrf")
		}
	}
	return hmac.Equal([]byte(got), []byte(want))
}

// StartSession sets the session cookie for email: HttpOnly, SameSite=Lax, Secure unless the
// request came to a loopback host over plain HTTP (a local console).
func (g *Guard) StartSession(w http.ResponseWriter, r *http.Request, email string) {
	t := ticket{Purpose: "session", ID: newNonce(), Email: email, Exp: g.Clock.Now().Add(SessionTTL).Unix()}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: g.seal(t), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: !IsLoopback(r.Host), MaxAge: int(SessionTTL / time.Second)})
}

// EndSession signs the request's session out everywhere and clears the cookie.
func (g *Guard) EndSession(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(SessionCookie); err == nil {
		if t, err := g.open(c.Value, "session"); err == nil {
			if _, err := g.Store.IncrementCounter(r.Context(), revokedKey(t.ID), 1); err != nil {
				return err
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: !IsLoopback(r.Host), MaxAge: -1})
	return nil
}

// SignInToken is the one-time token of an emailed sign-in link for email.
func (g *Guard) SignInToken(email, next string) string {
	return g.seal(ticket{Purpose: "signin", ID: newNonce(), Email: email, Exp: g.Clock.Now().Add(SignInTTL).Unix(), Next: next})
}

// IsLoopback reports whether host (with or without port) names this machine.
func IsLoopback(host string) bool {
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
