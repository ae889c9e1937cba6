package webhook

import "errors"

// Sentinel kinds of signature failure. Every verification error wraps exactly one of them, so the
// HTTP layer can answer 401 for all of them while logs and the CLI show the specific reason.
var (
	// ErrMissingSignature: a required signature or timestamp header is absent or empty.
	ErrMissingSignature = errors.New("missing signature")
	// ErrMalformedSignature: the header is present but cannot be a signature of this kind.
	ErrMalformedSignature = errors.New("malformed signature")
	// ErrStaleTimestamp: the signed timestamp is outside the accepted window.
	ErrStaleTimestamp = errors.New("stale timestamp")
	// ErrSignatureMismatch: well-formed, but no configured secret produces it.
	ErrSignatureMismatch = errors.New("signature mismatch")
	// ErrNoSecret: the receiver has no secret configured, so nothing can be verified.
	ErrNoSecret = errors.New("no secret configured")
)

// VerifyError is a rejected signature: Reason is written for the person debugging the sender
// (what differs and what to check); Kind is one of the sentinel errors above.
type VerifyError struct {
	Kind   error
	Reason string
}

func (e *VerifyError) Error() string { return e.Reason }
func (e *VerifyError) Unwrap() error { return e.Kind }

func verifyErr(kind error, reason string) error { return &VerifyError{Kind: kind, Reason: reason} }
