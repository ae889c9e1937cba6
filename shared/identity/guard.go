package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Guard is the one middleware every route is served through (httpapi.Mux): it finds who the
// request is for (bearer token, console session, or a Dealflow-Signature where the table allows
// one), checks the route's action against the table, and hands the principal and the audit actor
// to the handler, which checks the object itself with Check.
type Guard struct {
	Store       store.Store
	Org         *domain.Org
	Clock       clock.Clock
	LeadSecrets []string
	// SessionKey signs console sessions and sign-in links (the link-signing key).
	SessionKey []byte
	Log        *slog.Logger
	// Mailer sends sign-in links; PublicURL is where they point.
	Mailer    notify.Mailer
	PublicURL string
}

// NewGuard builds the guard from what the runtime provides.
func NewGuard(d *platform.Deps) *Guard {
	return &Guard{Store: d.Store, Org: d.Org, Clock: d.Clock, LeadSecrets: d.LeadSecrets, SessionKey: d.LinkKey, Log: d.Logger(),
		Mailer: d.Mailer, PublicURL: d.PublicURL}
}

type principalKey struct{}

// WithPrincipal puts p on ctx, with p as the actor of the writes made with it.
func WithPrincipal(ctx context.Context, p *Principal, requestID string) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	return store.WithActor(ctx, store.Actor{Name: p.Name, Kind: string(p.Kind), RequestID: requestID})
}

// PrincipalFrom is the principal the guard authenticated, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// Check decides the request's action on a known object (the guard decided it for "anything at
// all"); the error is the HTTP answer (httpapi.AnswerError writes it).
func Check(ctx context.Context, a Action, obj *Object) error {
	if d := Decide(PrincipalFrom(ctx), a, obj); d != nil {
		return toHTTP(d)
	}
	return nil
}

func toHTTP(d *Denied) *httpapi.Error {
	return &httpapi.Error{Status: d.Status, Code: d.Code, Message: d.Reason}
}

// Wrap serves rt's handler behind the check of its action.
func (g *Guard) Wrap(rt httpapi.Route) http.Handler {
	a := Action(rt.Action)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a == Open {
			rt.Handler(w, r)
			return
		}
		p, denied, err := g.Authenticate(r, Table[a].Signature)
		if err != nil {
			httpapi.AnswerError(w, g.log(), "authenticate", err)
			return
		}
		if denied == nil {
			denied = Decide(p, a, nil)
		}
		if denied == nil && p.Kind == KindPerson && unsafe(r.Method) && !g.validCSRF(r) {
			denied = forbidden("missing or wrong CSRF token: send the X-CSRF-Token the console gave you")
		}
		if denied != nil {
			if denied.Status == http.StatusUnauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="dealflow"`)
			}
			httpapi.WriteError(w, toHTTP(denied))
			return
		}
		rt.Handler(w, r.WithContext(WithPrincipal(r.Context(), p, RequestID(r))))
	})
}

func unsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// RequestID is the request's X-Request-Id (the local server and API Gateway set one), or a new id.
func RequestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	r.Header.Set("X-Request-Id", id)
	return id
}

// Authenticate finds who r is for: Authorization: Bearer, then a Dealflow-Signature (read and put
// back the body; only routes whose rule accepts one get past Decide with it), then a console
// session. No credential is (nil, nil, nil): Decide answers 401.
func (g *Guard) Authenticate(r *http.Request, signatureRoute bool) (*Principal, *Denied, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return nil, unauthenticated("Authorization must be \"Bearer <token>\""), nil
		}
		return TokenPrincipal(r.Context(), g.Store, strings.TrimSpace(secret))
	}
	if sig := r.Header.Get(webhook.HeaderDealflowSignature); sig != "" {
		body, err := io.ReadAll(io.LimitReader(r.Body, httpapi.MaxBodyBytes+1))
		if err != nil {
			return nil, unauthenticated("could not read the signed body"), nil
		}
		if len(body) > httpapi.MaxBodyBytes {
			return nil, &Denied{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge", Reason: fmt.Sprintf("request body is over %d bytes", httpapi.MaxBodyBytes)}, nil
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		v := webhook.DealflowVerifier{Secrets: g.LeadSecrets, Tolerance: g.tolerance()}
		if err := v.Verify(sig, body, g.Clock.Now()); err != nil {
			return nil, &Denied{Status: http.StatusUnauthorized, Code: "InvalidSignature", Reason: err.Error()}, nil
		}
		return &Principal{Kind: KindSignature, ID: "dealflow-signature", Name: "dealflow-signature", Role: RoleIntegration}, nil, nil
	}
	if _, err := r.Cookie(SessionCookie); err == nil {
		return g.sessionPrincipal(r)
	}
	return nil, nil, nil
}

func (g *Guard) tolerance() time.Duration {
	if g.Org != nil {
		return g.Org.Webhooks.Leads.Tolerance.Duration
	}
	return 0
}

func (g *Guard) log() *slog.Logger {
	if g.Log != nil {
		return g.Log
	}
	return slog.Default()
}

// Self fills an acting-rep field (repId, sdrId, by) the caller left empty with the signed-in
// person, so what a person does is recorded as theirs rather than as whatever a body says.
func Self(ctx context.Context, id string) string {
	if p := PrincipalFrom(ctx); id == "" && p != nil && p.Kind == KindPerson {
		return p.ID
	}
	return id
}

// Owned is the object owned by these reps and belonging to these teams (a deal carries its team).
func Owned(org *domain.Org, teams []string, owners ...string) *Object {
	o := ObjectOf(org, owners...)
	for _, t := range teams {
		if t != "" && !slices.Contains(o.Teams, t) {
			o.Teams = append(o.Teams, t)
		}
	}
	return o
}
