package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// Idempotent wraps a sender that cannot dedupe by itself (SES, SMTP): each message's
// IdempotencyKey is claimed in the store before sending and released if the send fails, so a
// retried task sends nothing twice. A crash between claim and send loses that one message
// (at most once): a duplicate email to a rep is the worse failure for a reminder product.
type Idempotent struct {
	Claim   func(ctx context.Context, key, value string) (existing string, created bool, err error)
	Release func(ctx context.Context, key, value string) error
	Next    Mailer
}

func (m Idempotent) Send(ctx context.Context, msg Message) (string, error) {
	if err := msg.Validate(); err != nil {
		return "", err
	}
	var n [8]byte
	_, _ = rand.Read(n[:])
	claim := "sending:" + hex.EncodeToString(n[:])
	key := "mail:" + msg.IdempotencyKey
	existing, created, err := m.Claim(ctx, key, claim)
	if err != nil {
		return "", fmt.Errorf("claim message %s: %w", msg.IdempotencyKey, err)
	}
	if !created {
		return strings.TrimPrefix(existing, "sending:"), nil
	}
	id, err := m.Next.Send(ctx, msg)
	if err != nil {
		if rerr := m.Release(ctx, key, claim); rerr != nil {
			return "", fmt.Errorf("%w (and releasing the claim failed: %v)", err, rerr)
		}
		return "", err
	}
	return id, nil
}
