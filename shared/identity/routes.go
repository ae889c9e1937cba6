package identity

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/store"
)

// Routes are sign-in by emailed link, the session's own view (with its CSRF token), sign-out,
// the audit trail and API token management. They are served by the deals function on AWS.
func Routes(g *Guard) []httpapi.Route {
	return []httpapi.Route{
		{Method: http.MethodPost, Path: "/v1/auth/link", Function: "deals", Auth: "sign-in-request", Action: string(Open), Handler: g.postLink,
			Summary: "Email a one-time sign-in link to a person of the org file (always 202: it does not tell who exists)."},
		{Method: http.MethodGet, Path: "/v1/auth/signin", Function: "deals", Auth: "signed-link", Action: string(Open), Handler: g.signinPage,
			Summary: "The page of an emailed sign-in link: a button that signs in (a GET changes nothing, so mail scanners do not use the link up)."},
		{Method: http.MethodPost, Path: "/v1/auth/signin", Function: "deals", Auth: "signed-link", Action: string(Open), Handler: g.signin,
			Summary: "Use a sign-in link (once, within 15 minutes): sets the session cookie."},
		{Method: http.MethodGet, Path: "/v1/auth/session", Function: "deals", Auth: "bearer", Action: string(ConsoleView), Handler: g.getSession,
			Summary: "Who the session is for, their role and teams, and the CSRF token writes must send as X-CSRF-Token."},
		{Method: http.MethodPost, Path: "/v1/auth/signout", Function: "deals", Auth: "bearer", Action: string(ConsoleView), Handler: g.signout,
			Summary: "End the session everywhere."},
		{Method: http.MethodGet, Path: "/v1/audit", Function: "deals", Auth: "bearer", Action: string(AuditRead), Handler: g.getAudit,
			Summary: "The audit trail of one object (?object=deal/deal_123): who changed which fields, when, in which request."},
	}
}

func (g *Guard) postLink(w http.ResponseWriter, r *http.Request) {
	email, next := "", ""
	if mt := r.Header.Get("Content-Type"); strings.HasPrefix(mt, "application/json") {
		body, herr := httpapi.ReadBody(r, "application/json")
		if herr != nil {
			httpapi.WriteError(w, herr)
			return
		}
		m, herr := httpapi.JSONFields(body, "email", "next")
		if herr != nil {
			httpapi.WriteError(w, herr)
			return
		}
		f := &httpapi.Fields{M: m}
		email, next = f.Str("email"), f.Str("next")
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		email, next = strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("next")
	}
	if p, ok := Person(g.Org, email); ok {
		if err := g.SendSignInLink(r.Context(), p.Name, next); err != nil {
			httpapi.AnswerError(w, g.log(), "send sign-in link", err)
			return
		}
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "if this address belongs to a person of the org, a sign-in link is on its way"})
}

// SendSignInLink mails a one-time sign-in link to email (locally into the outbox, on AWS by SES).
func (g *Guard) SendSignInLink(ctx context.Context, email, next string) error {
	if g.Mailer == nil {
		return errors.New("no mailer: sign-in links cannot be sent")
	}
	link := g.SignInURL(email, next)
	from := "dealflow <noreply@dealflow.local>"
	if g.Org != nil && g.Org.Settings.EmailFrom != "" {
		from = g.Org.Settings.EmailFrom
	}
	_, err := g.Mailer.Send(ctx, notify.Message{From: from, To: []string{email}, Subject: "Sign in to dealflow",
		Text:           "Open this link within 15 minutes to sign in to dealflow (it works once):\n\n" + link + "\n\nIf you did not ask to sign in, ignore this email.\n",
		IdempotencyKey: "signin:" + newNonce(), Refs: map[string]string{"purpose": "signin"}})
	return err
}

// SignInURL is the absolute URL of a fresh sign-in link for email.
func (g *Guard) SignInURL(email, next string) string {
	base := g.PublicURL
	if base == "" && g.Org != nil {
		base = g.Org.Settings.PublicURL
	}
	return strings.TrimRight(base, "/") + "/v1/auth/signin?token=" + url.QueryEscape(g.SignInToken(email, next))
}

func (g *Guard) signinPage(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("token")
	t, err := g.open(tok, "signin")
	if err != nil || g.Clock.Now().Unix() >= t.Exp {
		httpapi.WritePage(w, http.StatusGone, page("This sign-in link is not valid or has expired. Ask for a new one."))
		return
	}
	httpapi.WritePage(w, http.StatusOK, page(fmt.Sprintf(`<p>Sign in to dealflow as <b>%s</b>?</p>
<form method="post" action="/v1/auth/signin"><input type="hidden" name="token" value="%s"><button type="submit" id="signin">Sign in</button></form>`,
		html.EscapeString(t.Email), html.EscapeString(tok))))
}

func (g *Guard) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8192)
	t, err := g.open(r.PostFormValue("token"), "signin")
	if err != nil || g.Clock.Now().Unix() >= t.Exp {
		httpapi.WritePage(w, http.StatusGone, page("This sign-in link is not valid or has expired. Ask for a new one."))
		return
	}
	// One use: the nonce is claimed for as long as the link could be valid.
	_, created, err := g.Store.PutIdempotencyKey(r.Context(), "signin-used:"+t.ID, "used", SignInTTL)
	if err != nil {
		httpapi.AnswerError(w, g.log(), "sign in", err)
		return
	}
	if !created {
		httpapi.WritePage(w, http.StatusGone, page("This sign-in link was used already. Ask for a new one."))
		return
	}
	if _, ok := Person(g.Org, t.Email); !ok {
		httpapi.WritePage(w, http.StatusForbidden, page("This address is no longer a person of the org file."))
		return
	}
	g.StartSession(w, r, t.Email)
	next := t.Next
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		next = "/console/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (g *Guard) getSession(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"id": p.ID, "name": p.Name, "kind": p.Kind, "role": p.Role,
		"teams": p.Teams, "csrf": g.CSRF(p)})
}

func (g *Guard) signout(w http.ResponseWriter, r *http.Request) {
	if err := g.EndSession(w, r); err != nil {
		httpapi.AnswerError(w, g.log(), "sign out", err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (g *Guard) getAudit(w http.ResponseWriter, r *http.Request) {
	object := r.URL.Query().Get("object")
	kind, id, ok := strings.Cut(object, "/")
	if !ok || kind == "" || id == "" {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidObject", "object must be kind/id, e.g. deal/deal_123"))
		return
	}
	if err := g.checkAuditObject(r.Context(), kind, id); err != nil {
		httpapi.AnswerError(w, g.log(), "read audit", err)
		return
	}
	limit := 0
	fmt.Sscan(r.URL.Query().Get("limit"), &limit)
	entries, next, err := g.Store.ListAudit(r.Context(), object, store.Page{Limit: limit, Cursor: r.URL.Query().Get("cursor")})
	if errors.Is(err, store.ErrBadCursor) {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidCursor", "cursor is not one this list gave"))
		return
	}
	if err != nil {
		httpapi.AnswerError(w, g.log(), "read audit", err)
		return
	}
	if entries == nil {
		entries = []domain.AuditEntry{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"items": entries, "next": next})
}

// checkAuditObject lets a manager read the trail of their teams' deals; admins read every trail.
func (g *Guard) checkAuditObject(ctx context.Context, kind, id string) error {
	p := PrincipalFrom(ctx)
	if p != nil && p.Role == RoleManager {
		if kind != "deal" {
			return Check(ctx, AuditRead, &Object{})
		}
		d, err := g.Store.GetDeal(ctx, id)
		if err != nil {
			return err
		}
		return Check(ctx, AuditRead, Owned(g.Org, []string{d.TeamID}, d.OwnerID))
	}
	return nil
}

func page(body string) string {
	return `<!doctype html><html><head><meta charset="utf-8"><title>dealflow</title></head><body>` + body + `</body></html>`
}
