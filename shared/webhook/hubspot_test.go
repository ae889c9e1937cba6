package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestHubSpotV3URI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://h.example/p?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B", "https://h.example/p?a=:/?@!$'()*,;"},
		{"https://h.example/p?q=Jane%20Doe&t=a%2Bb&e=x%3Dy", "https://h.example/p?q=Jane%20Doe&t=a%2Bb&e=x%3Dy"},
		{"https://h.example/p?lower=%3a%2f", "https://h.example/p?lower=%3a%2f"}, // the table lists upper case only
		{"https://h.example/p?twice=%253A", "https://h.example/p?twice=%253A"},   // one pass: no double decoding
		{"https://h.example/p?cut=%3", "https://h.example/p?cut=%3"},
		{"https://h.example/p%", "https://h.example/p%"},
		{"https://h.example/a%2Fb", "https://h.example/a/b"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := HubSpotV3URI(tc.in); got != tc.want {
				t.Fatalf("HubSpotV3URI(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// HubSpot's published examples (developers.hubspot.com "v1 request validation", "v2 request validation").
func TestHubSpotLegacyDocExamples(t *testing.T) {
	const secret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
	v1Body := `[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]`
	if got := SignHubSpotLegacy(HubSpotV1, secret, "POST", "", []byte(v1Body)); got != "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de" {
		t.Fatalf("v1 doc example = %s", got)
	}
	if got := SignHubSpotLegacy(HubSpotV2, secret, "GET", "https://www.example.com/webhook_uri", nil); got != "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e" {
		t.Fatalf("v2 GET doc example = %s", got)
	}
}

func TestHubSpotVerify(t *testing.T) {
	const (
		uri    = "https://hooks.example.com/v1/webhooks/hubspot?portal=1%3A2"
		secret = "new-secret"
		old    = "old-secret"
	)
	body := []byte(`[{"eventId":1,"subscriptionType":"contact.creation","objectId":5}]`)
	t0 := time.UnixMilli(1767225600000)
	ts := strconv.FormatInt(t0.UnixMilli(), 10)
	good := HubSpotRequest{Version: HubSpotV3, Method: "POST", URI: uri, Body: body, Timestamp: ts,
		Signature: SignHubSpotV3(secret, "POST", uri, body, ts)}
	with := func(f func(*HubSpotRequest)) HubSpotRequest { r := good; f(&r); return r }
	v2sig := SignHubSpotLegacy(HubSpotV2, old, "POST", uri, body)

	tests := []struct {
		name     string
		v        HubSpotVerifier
		r        HubSpotRequest
		now      time.Time
		wantKind error // nil = valid
		reason   string
	}{
		{"valid", HubSpotVerifier{Secrets: []string{secret}}, good, t0.Add(time.Second), nil, ""},
		{"either secret of a rotation", HubSpotVerifier{Secrets: []string{old, secret}}, good, t0, nil, ""},
		{"exactly five minutes old is still valid", HubSpotVerifier{Secrets: []string{secret}}, good, t0.Add(5 * time.Minute), nil, ""},
		{"stale reason says by how much", HubSpotVerifier{Secrets: []string{secret}}, good, t0.Add(7*time.Minute + 12*time.Second),
			ErrStaleTimestamp, "timestamp is 7m12s old; HubSpot signatures are valid for 5 minutes"},
		{"stale by one millisecond", HubSpotVerifier{Secrets: []string{secret}}, good, t0.Add(5*time.Minute + time.Millisecond), ErrStaleTimestamp, "5m0.001s old"},
		{"wrong secret", HubSpotVerifier{Secrets: []string{old}}, good, t0, ErrSignatureMismatch,
			"signature does not match: check the client secret and that the URI is the one HubSpot called, including scheme, host and query"},
		{"tampered timestamp header", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Timestamp = strconv.FormatInt(t0.UnixMilli()+1, 10) }), t0, ErrSignatureMismatch, "does not match"},
		{"path-only uri gets a hint", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.URI = "/v1/webhooks/hubspot" }), t0, ErrSignatureMismatch, "has no scheme and host"},
		{"undecoded uri is diagnosed", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) {
			r.Signature = b64HMAC(secret, "POST"+uri+string(body)+ts)
		}), t0, ErrSignatureMismatch, "computed over the URI as received"},
		{"missing signature", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Signature = "" }), t0, ErrMissingSignature, "missing X-HubSpot-Signature-v3 header"},
		{"missing timestamp", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Timestamp = "" }), t0, ErrMissingSignature, "missing X-HubSpot-Request-Timestamp"},
		{"timestamp in seconds is read as 1970 and stale", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Timestamp = "1767225600" }), t0, ErrStaleTimestamp, "looks like Unix seconds; HubSpot sends milliseconds"},
		{"non-numeric timestamp", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Timestamp = "yesterday" }), t0, ErrMalformedSignature, "not a Unix time in milliseconds"},
		{"hex instead of base64", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Signature = strings.Repeat("ab", 32) }), t0, ErrMalformedSignature, "Base64"},
		{"truncated base64", HubSpotVerifier{Secrets: []string{secret}}, with(func(r *HubSpotRequest) { r.Signature = good.Signature[:20] }), t0, ErrMalformedSignature, "got 20 characters"},
		{"v2 refused unless configured", HubSpotVerifier{Secrets: []string{old}}, HubSpotRequest{Version: HubSpotV2, Method: "POST", URI: uri, Body: body, Signature: v2sig}, t0,
			ErrMalformedSignature, `signature version "v2" is not accepted here (accepted: v3)`},
		{"v2 accepted when configured", HubSpotVerifier{Secrets: []string{old}, Versions: []HubSpotVersion{HubSpotV3, HubSpotV2}},
			HubSpotRequest{Version: HubSpotV2, Method: "POST", URI: uri, Body: body, Signature: strings.ToUpper(v2sig)}, t0, nil, ""},
		{"v2 uri must match exactly", HubSpotVerifier{Secrets: []string{old}, Versions: []HubSpotVersion{HubSpotV2}},
			HubSpotRequest{Version: HubSpotV2, Method: "POST", URI: "http://hooks.example.com/v1/webhooks/hubspot?portal=1%3A2", Body: body, Signature: v2sig}, t0,
			ErrSignatureMismatch, "including scheme, host and query order"},
		{"v1 base64 gets a hint", HubSpotVerifier{Secrets: []string{old}, Versions: []HubSpotVersion{HubSpotV1}},
			HubSpotRequest{Version: HubSpotV1, Body: body, Signature: good.Signature}, t0, ErrMalformedSignature, "looks like a Base64 v3 signature"},
		{"no secret configured", HubSpotVerifier{}, good, t0, ErrNoSecret, "no HubSpot client secret"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Verify(tc.r, tc.now)
			if tc.wantKind == nil {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want kind %v", err, tc.wantKind)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("reason %q does not contain %q", err.Error(), tc.reason)
			}
			for _, s := range tc.v.Secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("reason leaks the secret: %q", err.Error())
				}
			}
		})
	}
}

func TestHubSpotRequestFromHeaders(t *testing.T) {
	tests := []struct {
		name    string
		headers map[string]string
		wantVer HubSpotVersion
		wantSig string
	}{
		{"v3 wins when present", map[string]string{"X-Hubspot-Signature-V3": "v3sig", "X-Hubspot-Signature": "legacy",
			"X-Hubspot-Signature-Version": "v1", "X-Hubspot-Request-Timestamp": "1"}, HubSpotV3, "v3sig"},
		{"legacy version header", map[string]string{"X-Hubspot-Signature": "legacy", "X-Hubspot-Signature-Version": "V2"}, HubSpotV2, "legacy"},
		{"nothing signed reports v3", map[string]string{}, HubSpotV3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			r := HubSpotRequestFromHeaders("POST", "https://x.example/h", []byte("b"), h.Get)
			if r.Version != tc.wantVer || r.Signature != tc.wantSig {
				t.Fatalf("got %s %q, want %s %q", r.Version, r.Signature, tc.wantVer, tc.wantSig)
			}
		})
	}
}
