package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// HubSpotVersion names one of HubSpot's request-signature schemes.
type HubSpotVersion string

const (
	HubSpotV1 HubSpotVersion = "v1"
	HubSpotV2 HubSpotVersion = "v2"
	HubSpotV3 HubSpotVersion = "v3"
)

// HubSpotMaxAge is how old a v3 timestamp may be: "Reject the request if the timestamp is older
// than 5 minutes" (developers.hubspot.com/docs/api/webhooks/validating-requests).
const HubSpotMaxAge = 5 * time.Minute

// Header names HubSpot sets on signed requests.
const (
	HeaderHubSpotSignature        = "X-HubSpot-Signature"
	HeaderHubSpotSignatureV3      = "X-HubSpot-Signature-v3"
	HeaderHubSpotSignatureVersion = "X-HubSpot-Signature-Version"
	HeaderHubSpotTimestamp        = "X-HubSpot-Request-Timestamp"
)

// HubSpotRequest is what a request from HubSpot carried that its signature covers.
type HubSpotRequest struct {
	Version   HubSpotVersion
	Method    string
	URI       string // full URI as it arrived: scheme, host, path and query, still percent-encoded
	Body      []byte // raw bytes, exactly as received
	Signature string // X-HubSpot-Signature-v3 for v3, X-HubSpot-Signature for v1 and v2
	Timestamp string // X-HubSpot-Request-Timestamp (v3 only), Unix milliseconds
}

// HubSpotRequestFromHeaders picks the strongest signature the request carries: v3 when
// X-HubSpot-Signature-v3 is present, otherwise the version X-HubSpot-Signature-Version names.
// header is a case-insensitive lookup such as http.Header.Get.
func HubSpotRequestFromHeaders(method, uri string, body []byte, header func(name string) string) HubSpotRequest {
	r := HubSpotRequest{Method: method, URI: uri, Body: body, Timestamp: header(HeaderHubSpotTimestamp)}
	if sig := header(HeaderHubSpotSignatureV3); sig != "" {
		r.Version, r.Signature = HubSpotV3, sig
		return r
	}
	r.Version = HubSpotVersion(strings.ToLower(strings.TrimSpace(header(HeaderHubSpotSignatureVersion))))
	if r.Version == "" {
		r.Version = HubSpotV3 // nothing signed at all: report the missing v3 header
	}
	r.Signature = header(HeaderHubSpotSignature)
	return r
}

// HubSpotVerifier checks HubSpot request signatures against one or more client secrets (several
// while a secret is being rotated; any one may match).
type HubSpotVerifier struct {
	Secrets []string
	// Versions lists the accepted schemes; empty means v3 only. v1 and v2 carry no timestamp and
	// so can be replayed forever: enable them only for senders that cannot do v3.
	Versions []HubSpotVersion
}

// Verify returns nil when r is signed by one of the secrets, otherwise a *VerifyError whose reason
// says what to check. now is the receiver's clock (the verifier never reads the time itself).
func (v HubSpotVerifier) Verify(r HubSpotRequest, now time.Time) error {
	if !v.accepts(r.Version) {
		return verifyErr(ErrMalformedSignature, fmt.Sprintf(
			"signature version %q is not accepted here (accepted: %s)", r.Version, v.acceptedList()))
	}
	if len(v.Secrets) == 0 {
		return verifyErr(ErrNoSecret, "no HubSpot client secret is configured for this endpoint")
	}
	switch r.Version {
	case HubSpotV3:
		return v.verifyV3(r, now)
	default:
		return v.verifyLegacy(r)
	}
}

func (v HubSpotVerifier) accepts(ver HubSpotVersion) bool {
	if ver != HubSpotV1 && ver != HubSpotV2 && ver != HubSpotV3 {
		return false
	}
	if len(v.Versions) == 0 {
		return ver == HubSpotV3
	}
	for _, a := range v.Versions {
		if a == ver {
			return true
		}
	}
	return false
}

func (v HubSpotVerifier) acceptedList() string {
	if len(v.Versions) == 0 {
		return string(HubSpotV3)
	}
	s := make([]string, len(v.Versions))
	for i, a := range v.Versions {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func (v HubSpotVerifier) verifyV3(r HubSpotRequest, now time.Time) error {
	sig := strings.TrimSpace(r.Signature)
	if sig == "" {
		return verifyErr(ErrMissingSignature, "missing "+HeaderHubSpotSignatureV3+" header")
	}
	ts := strings.TrimSpace(r.Timestamp)
	if ts == "" {
		return verifyErr(ErrMissingSignature, "missing "+HeaderHubSpotTimestamp+" header (v3 signatures need it)")
	}
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return verifyErr(ErrMalformedSignature, fmt.Sprintf(
			"%s %q is not a Unix time in milliseconds", HeaderHubSpotTimestamp, ts))
	}
	// HubSpot documents only "older than 5 minutes"; a timestamp ahead of our clock (skew) is
	// accepted, and forging one still needs the client secret.
	if age := now.Sub(time.UnixMilli(ms)); age > HubSpotMaxAge {
		if ms > 0 && ms < 1e11 { // before 1973 in ms, but a plausible date in seconds
			return verifyErr(ErrStaleTimestamp, fmt.Sprintf(
				"%s %s looks like Unix seconds; HubSpot sends milliseconds", HeaderHubSpotTimestamp, ts))
		}
		return verifyErr(ErrStaleTimestamp, fmt.Sprintf(
			"timestamp is %s old; HubSpot signatures are valid for 5 minutes (check the receiver's clock, or whether this is a replayed request)",
			age))
	}

	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		if isHex(sig) && len(sig) == 2*sha256.Size {
			return verifyErr(ErrMalformedSignature,
				"signature is 64 hex characters, but v3 signatures are the Base64 of the HMAC-SHA256 (44 characters); is this a v1/v2 X-HubSpot-Signature value?")
		}
		return verifyErr(ErrMalformedSignature, fmt.Sprintf(
			"signature is not a Base64 HMAC-SHA256 (want 44 Base64 characters, got %d characters)", len(sig)))
	}
	signedURI := HubSpotV3URI(r.URI)
	for _, secret := range v.Secrets {
		if hmac.Equal(got, hubspotV3MAC(secret, r.Method, signedURI, r.Body, ts)) {
			return nil
		}
	}
	// Diagnose the most common sender mistake before giving the general advice.
	if signedURI != r.URI {
		for _, secret := range v.Secrets {
			if hmac.Equal(got, hubspotV3MAC(secret, r.Method, r.URI, r.Body, ts)) {
				return verifyErr(ErrSignatureMismatch,
					"signature does not match: it was computed over the URI as received, but HubSpot signs it after decoding %3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B")
			}
		}
	}
	return verifyErr(ErrSignatureMismatch, "signature does not match: check the client secret and that the URI is the one HubSpot called, including scheme, host and query"+uriHint(r.URI)+"; the body must be passed on byte for byte")
}

func (v HubSpotVerifier) verifyLegacy(r HubSpotRequest) error {
	sig := strings.TrimSpace(r.Signature)
	if sig == "" {
		return verifyErr(ErrMissingSignature, "missing "+HeaderHubSpotSignature+" header")
	}
	got, err := hex.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		hint := ""
		if len(sig) == 44 && strings.HasSuffix(sig, "=") {
			hint = "; it looks like a Base64 v3 signature (use --signature-version v3 / X-HubSpot-Signature-v3)"
		}
		return verifyErr(ErrMalformedSignature, fmt.Sprintf(
			"signature is not a hex SHA-256 (want 64 hex characters, got %d characters)%s", len(sig), hint))
	}
	for _, secret := range v.Secrets {
		var want []byte
		if r.Version == HubSpotV1 {
			want = hubspotV1Hash(secret, r.Body)
		} else {
			want = hubspotV2Hash(secret, r.Method, r.URI, r.Body)
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	if r.Version == HubSpotV1 {
		return verifyErr(ErrSignatureMismatch, "signature does not match: check the client secret and that the body is passed on byte for byte (v1 signs secret + body)")
	}
	return verifyErr(ErrSignatureMismatch, "signature does not match: check the client secret and that the URI is exactly the one HubSpot called, including scheme, host and query order"+uriHint(r.URI)+"; the body must be passed on byte for byte")
}

func uriHint(uri string) string {
	if !strings.Contains(uri, "://") {
		return fmt.Sprintf(" (%q has no scheme and host; HubSpot signs the full URI)", uri)
	}
	return ""
}

// SignHubSpotV3 returns the X-HubSpot-Signature-v3 value HubSpot would send for this request. uri
// is the URI as the receiver will see it; the documented decoding is applied before signing.
func SignHubSpotV3(secret, method, uri string, body []byte, timestampMS string) string {
	return base64.StdEncoding.EncodeToString(hubspotV3MAC(secret, method, HubSpotV3URI(uri), body, timestampMS))
}

// SignHubSpotLegacy returns the X-HubSpot-Signature value for v1 or v2.
func SignHubSpotLegacy(version HubSpotVersion, secret, method, uri string, body []byte) string {
	if version == HubSpotV1 {
		return hex.EncodeToString(hubspotV1Hash(secret, body))
	}
	return hex.EncodeToString(hubspotV2Hash(secret, method, uri, body))
}

// hubspotV3MAC: "HMAC SHA-256 of requestMethod + requestUri + requestBody + timestamp, with the
// client secret as key" (developers.hubspot.com/docs/api/webhooks/validating-requests).
func hubspotV3MAC(secret, method, uri string, body []byte, ts string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method))
	m.Write([]byte(uri))
	m.Write(body)
	m.Write([]byte(ts))
	return m.Sum(nil)
}

// hubspotV1Hash: SHA-256 of client secret + request body (HubSpot "v1 request validation").
func hubspotV1Hash(secret string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(secret))
	h.Write(body)
	return h.Sum(nil)
}

// hubspotV2Hash: SHA-256 of client secret + method + URI + body (HubSpot "v2 request validation").
func hubspotV2Hash(secret, method, uri string, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(secret))
	h.Write([]byte(method))
	h.Write([]byte(uri))
	h.Write(body)
	return h.Sum(nil)
}

// hubspotV3Decoded is HubSpot's table of URL-encoded characters that "must be decoded" in the
// request URI before a v3 signature is computed; every other escape (%20, %2B, %3D...) stays.
var hubspotV3Decoded = map[string]byte{
	"%3A": ':', "%2F": '/', "%3F": '?', "%40": '@', "%21": '!', "%24": '$',
	"%27": '\'', "%28": '(', "%29": ')', "%2A": '*', "%2C": ',', "%3B": ';',
}

// HubSpotV3URI applies the v3 decoding rule to a request URI. One left-to-right pass, so a
// decoded character never forms a new escape with its neighbours.
func HubSpotV3URI(uri string) string {
	if !strings.Contains(uri, "%") {
		return uri
	}
	var b strings.Builder
	b.Grow(len(uri))
	for i := 0; i < len(uri); i++ {
		if uri[i] == '%' && i+3 <= len(uri) {
			if c, ok := hubspotV3Decoded[uri[i:i+3]]; ok {
				b.WriteByte(c)
				i += 2
				continue
			}
		}
		b.WriteByte(uri[i])
	}
	return b.String()
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}
