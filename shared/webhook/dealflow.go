package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HeaderDealflowSignature carries dealflow's own request signature:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">", with one v1 entry per active secret.
const HeaderDealflowSignature = "Dealflow-Signature"

// DealflowTolerance is how far the signed time may be from the receiver's clock, either way.
const DealflowTolerance = 5 * time.Minute

// maxSignatureEntries bounds the work an attacker can cause with a header of many v1 entries.
const maxSignatureEntries = 16

// DealflowVerifier checks the Dealflow-Signature header against the active secrets. Any secret
// may match any v1 entry, so a sender and a receiver can rotate secrets independently.
type DealflowVerifier struct {
	Secrets   []string
	Tolerance time.Duration // zero means DealflowTolerance
}

// Sign returns the Dealflow-Signature header value for body at time t, with one v1 entry per
// secret (pass the new and the old secret during a rotation).
func Sign(body []byte, t time.Time, secrets ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=")
	b.WriteString(ts)
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(dealflowMAC(s, ts, body)))
	}
	return b.String()
}

// Verify returns nil if header signs body with one of the secrets within the tolerance of now,
// otherwise a *VerifyError.
func (v DealflowVerifier) Verify(header string, body []byte, now time.Time) error {
	if len(v.Secrets) == 0 {
		return verifyErr(ErrNoSecret, "no signing secret is configured for this endpoint")
	}
	if strings.TrimSpace(header) == "" {
		return verifyErr(ErrMissingSignature, "missing "+HeaderDealflowSignature+" header")
	}
	ts, sigs, err := parseDealflowHeader(header)
	if err != nil {
		return err
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || secs < 0 {
		return verifyErr(ErrMalformedSignature, fmt.Sprintf("%s: t=%q is not Unix seconds", HeaderDealflowSignature, ts))
	}
	if secs > 1e11 { // year 5138: a millisecond timestamp, and too large for time arithmetic
		return verifyErr(ErrStaleTimestamp, fmt.Sprintf("%s: t=%s is far in the future; t is Unix seconds, not milliseconds", HeaderDealflowSignature, ts))
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DealflowTolerance
	}
	// Symmetric window: a far-future t would otherwise make a captured request replayable for long.
	switch skew := now.Sub(time.Unix(secs, 0)); {
	case skew > tol:
		return verifyErr(ErrStaleTimestamp, fmt.Sprintf(
			"timestamp is %s old; signatures are valid for %s (sign each request when it is sent)", skew, tol))
	case -skew > tol:
		return verifyErr(ErrStaleTimestamp, fmt.Sprintf(
			"timestamp is %s in the future; the sender's clock is off by more than %s", -skew, tol))
	}
	for _, want := range v.Secrets {
		mac := dealflowMAC(want, ts, body)
		for _, got := range sigs {
			if hmac.Equal(got, mac) {
				return nil
			}
		}
	}
	return verifyErr(ErrSignatureMismatch, fmt.Sprintf(
		"signature does not match: check the signing secret and that v1 is hex HMAC-SHA256 of \"%s.\" + the raw body, byte for byte", ts))
}

// parseDealflowHeader splits "t=…,v1=…,v1=…". Unknown schemes (a future v2) are skipped so a
// sender can add them before every receiver understands them.
func parseDealflowHeader(header string) (ts string, sigs [][]byte, err error) {
	parts := strings.Split(header, ",")
	if len(parts) > maxSignatureEntries+1 {
		return "", nil, verifyErr(ErrMalformedSignature, fmt.Sprintf(
			"%s has %d entries; at most %d v1 signatures are accepted", HeaderDealflowSignature, len(parts), maxSignatureEntries))
	}
	seenT := false
	for _, p := range parts {
		k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return "", nil, verifyErr(ErrMalformedSignature, fmt.Sprintf(
				"%s: %q is not key=value (want t=<unix seconds>,v1=<hex>)", HeaderDealflowSignature, truncate(p, 40)))
		}
		switch k {
		case "t":
			if seenT {
				return "", nil, verifyErr(ErrMalformedSignature, HeaderDealflowSignature+": t= appears more than once")
			}
			seenT, ts = true, val
		case "v1":
			b, err := hex.DecodeString(val)
			if err != nil || len(b) != sha256.Size {
				return "", nil, verifyErr(ErrMalformedSignature, fmt.Sprintf(
					"%s: v1 must be 64 hex characters (HMAC-SHA256), got %q", HeaderDealflowSignature, truncate(val, 80)))
			}
			sigs = append(sigs, b)
		}
	}
	if !seenT {
		return "", nil, verifyErr(ErrMalformedSignature, HeaderDealflowSignature+": missing t=<unix seconds>")
	}
	if len(sigs) == 0 {
		return "", nil, verifyErr(ErrMalformedSignature, HeaderDealflowSignature+": missing v1=<hex HMAC-SHA256>")
	}
	return ts, sigs, nil
}

func dealflowMAC(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
