package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// tokenPrefix marks dealflow API tokens, so secret scanners and people recognise one.
const tokenPrefix = "dft_"

// HashToken is the hex SHA-256 of a token's secret: what the store keeps and looks it up by. The
// secret has 256 random bits, so a fast hash is enough (no password stretching needed).
func HashToken(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// ParseScopes reads "leads:write,read"; an unknown or missing scope is an error naming the valid ones.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, part := range strings.Split(s, ",") {
		sc := Scope(strings.TrimSpace(part))
		if sc == "" {
			continue
		}
		if !slices.Contains(Scopes, sc) {
			return nil, fmt.Errorf("unknown scope %q (scopes: %s)", sc, joinScopes(Scopes))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no scope given (scopes: %s)", joinScopes(Scopes))
	}
	return out, nil
}

func joinScopes(ss []Scope) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, string(s))
	}
	return strings.Join(parts, ", ")
}

// CreateToken stores a new token for the API client name and returns it with its secret, which
// is not kept: the caller shows it once.
func CreateToken(ctx context.Context, st store.Store, name string, scopes []Scope, by string, now time.Time) (domain.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return domain.APIToken{}, "", errors.New("a token needs a name (the API client it is for, e.g. zapier)")
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return domain.APIToken{}, "", err
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	t := domain.APIToken{ID: store.NewID("tok_"), Name: name, Hash: HashToken(secret), CreatedBy: by, CreatedAt: now.UTC()}
	for _, s := range scopes {
		t.Scopes = append(t.Scopes, string(s))
	}
	t, err := st.CreateAPIToken(ctx, t)
	if err != nil {
		return domain.APIToken{}, "", fmt.Errorf("create token %s: %w", name, err)
	}
	return t, secret, nil
}

// RevokeToken marks a token revoked: it authenticates nothing from then on.
func RevokeToken(ctx context.Context, st store.Store, id string, now time.Time) (domain.APIToken, error) {
	return st.UpdateAPIToken(ctx, id, func(t domain.APIToken) (domain.APIToken, error) {
		if t.RevokedAt == nil {
			at := now.UTC()
			t.RevokedAt = &at
		}
		return t, nil
	})
}

// TokenPrincipal authenticates a bearer secret.
func TokenPrincipal(ctx context.Context, st store.Store, secret string) (*Principal, *Denied, error) {
	if !strings.HasPrefix(secret, tokenPrefix) {
		return nil, unauthenticated("the bearer token is not a dealflow API token"), nil
	}
	t, err := st.GetAPITokenByHash(ctx, HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, unauthenticated("unknown API token"), nil
	}
	if err != nil {
		return nil, nil, err
	}
	if t.RevokedAt != nil {
		return nil, unauthenticated(fmt.Sprintf("API token %q was revoked", t.Name)), nil
	}
	p := &Principal{Kind: KindToken, ID: t.ID, Name: t.Name, Role: RoleIntegration}
	for _, s := range t.Scopes {
		p.Scopes = append(p.Scopes, Scope(s))
	}
	return p, nil, nil
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func equalFold(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}
