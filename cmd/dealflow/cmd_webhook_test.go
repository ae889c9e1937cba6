package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/internal/testenv"
	"github.com/dealflow/dealflow/shared/webhook"
)

type hubspotCase struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Method      string `json:"method"`
	URI         string `json:"uri"`
	Body        string `json:"body"`
	TimestampMS *int64 `json:"timestamp_ms"`
	Secret      string `json:"secret"`
	NowMS       *int64 `json:"now_ms"`
	Signature   string `json:"signature"`
	Valid       bool   `json:"valid"`
	Reason      string `json:"reason"`
}

// TestWebhookVerifyHubSpotConformance runs every case of hubspot/cases.jsonl through the CLI.
func TestWebhookVerifyHubSpotConformance(t *testing.T) {
	path := filepath.Join(testenv.ConformanceDir(t, "hubspot"), "cases.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	passed, failed := 0, 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var c hubspotCase
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("%s: bad case line: %v", path, err)
		}
		ok := t.Run(c.Name, func(t *testing.T) {
			bodyFile := filepath.Join(t.TempDir(), "body")
			if err := os.WriteFile(bodyFile, []byte(c.Body), 0o600); err != nil {
				t.Fatal(err)
			}
			args := []string{"webhook", "verify", "hubspot", "--signature-version", c.Version,
				"--secret", c.Secret, "--method", c.Method, "--uri", c.URI,
				"--signature", c.Signature, "--body-file", bodyFile}
			if c.TimestampMS != nil {
				args = append(args, "--timestamp", strconv.FormatInt(*c.TimestampMS, 10))
			}
			if c.NowMS != nil {
				args = append(args, "--now", strconv.FormatInt(*c.NowMS, 10))
			}
			var out, errb bytes.Buffer
			code := dispatch(args, &out, &errb)
			got := strings.TrimSpace(out.String())
			if c.Valid {
				if code != 0 || got != "valid" {
					t.Fatalf("want valid (exit 0), got exit %d %q stderr %q", code, got, errb.String())
				}
			} else if code != 1 || !strings.HasPrefix(got, "invalid: ") {
				t.Fatalf("want invalid (exit 1) because %s; got exit %d %q stderr %q", c.Reason, code, got, errb.String())
			}
			if strings.Contains(out.String()+errb.String(), c.Secret) {
				t.Fatalf("output contains the secret")
			}
		})
		if ok {
			passed++
		} else {
			failed++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("hubspot conformance: %d passed, %d failed", passed, failed)
}

func TestWebhookVerifyCLIContract(t *testing.T) {
	dir := t.TempDir()
	body := []byte(`[{"eventId":1}]`)
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		t.Fatal(err)
	}
	const uri = "https://hooks.example.com/v1/webhooks/hubspot"
	ts := int64(1767225600000)
	sig := webhook.SignHubSpotV3("s3cret-value", "POST", uri, body, strconv.FormatInt(ts, 10))
	dfSig := webhook.Sign(body, time.UnixMilli(ts), "df-secret")
	base := func(extra ...string) []string {
		return append([]string{"webhook", "verify", "hubspot", "--secret", "s3cret-value", "--method", "POST",
			"--uri", uri, "--body-file", bodyFile}, extra...)
	}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // prefix of stdout
		wantErr  string // substring of stderr
	}{
		{"v3 default version valid", base("--timestamp", "1767225600000", "--signature", sig, "--now", "1767225660000"), 0, "valid", ""},
		{"stale says how old", base("--timestamp", "1767225600000", "--signature", sig, "--now", "1767226032000"), 1,
			"invalid: timestamp is 7m12s old; HubSpot signatures are valid for 5 minutes", ""},
		{"second secret of a rotation matches", append(base("--timestamp", "1767225600000", "--signature", sig, "--now", "1767225600000"), "--secret", "old"), 0, "valid", ""},
		{"wrong uri names what to check", append([]string{"webhook", "verify", "hubspot", "--secret", "s3cret-value", "--uri", uri + "/", "--body-file", bodyFile},
			"--timestamp", "1767225600000", "--signature", sig, "--now", "1767225600000"), 1,
			"invalid: signature does not match: check the client secret and that the URI is the one HubSpot called", ""},
		{"missing timestamp for v3 is a usage error", base("--signature", sig), 2, "", "--timestamp is required"},
		{"unknown version is a usage error", base("--signature-version", "v4", "--signature", sig), 2, "", "must be v1, v2 or v3"},
		{"missing secret is a usage error", []string{"webhook", "verify", "hubspot", "--signature", sig, "--body-file", bodyFile}, 2, "", "--secret is required"},
		{"missing body file is a usage error", base("--timestamp", "1", "--signature", sig, "--body-file", filepath.Join(dir, "nope")), 2, "", "read --body-file"},
		{"unknown sender", []string{"webhook", "verify", "stripe"}, 2, "", "hubspot or dealflow"},
		{"dealflow signature valid", []string{"webhook", "verify", "dealflow", "--secret", "df-secret", "--signature", dfSig,
			"--body-file", bodyFile, "--now", "1767225700000"}, 0, "valid", ""},
		{"dealflow signature wrong secret", []string{"webhook", "verify", "dealflow", "--secret", "other", "--signature", dfSig,
			"--body-file", bodyFile, "--now", "1767225700000"}, 1, "invalid: signature does not match", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := dispatch(tc.args, &out, &errb)
			if code != tc.wantCode {
				t.Fatalf("exit = %d, want %d; stdout %q stderr %q", code, tc.wantCode, out.String(), errb.String())
			}
			if !strings.HasPrefix(out.String(), tc.wantOut) {
				t.Fatalf("stdout = %q, want prefix %q", out.String(), tc.wantOut)
			}
			if !strings.Contains(errb.String(), tc.wantErr) {
				t.Fatalf("stderr = %q, want %q", errb.String(), tc.wantErr)
			}
			for _, s := range []string{"s3cret-value", "df-secret"} {
				if strings.Contains(out.String()+errb.String(), s) {
					t.Fatalf("output leaks a secret: %q %q", out.String(), errb.String())
				}
			}
		})
	}
}

func TestWebhookSignRoundTrip(t *testing.T) {
	bodyFile := filepath.Join(t.TempDir(), "lead.json")
	if err := os.WriteFile(bodyFile, []byte(`{"email":"a@b.example"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := dispatch([]string{"webhook", "sign", "dealflow", "--secret", "k1", "--secret", "k2",
		"--body-file", bodyFile, "--now", "1767225600000"}, &out, &errb); code != 0 {
		t.Fatalf("sign exit %d: %s", code, errb.String())
	}
	header := strings.TrimSpace(out.String())
	if !strings.HasPrefix(header, "t=1767225600,v1=") || strings.Count(header, "v1=") != 2 {
		t.Fatalf("header = %q", header)
	}
	out.Reset()
	if code := dispatch([]string{"webhook", "verify", "dealflow", "--secret", "k2", "--signature", header,
		"--body-file", bodyFile, "--now", "1767225600000"}, &out, &errb); code != 0 {
		t.Fatalf("verify exit %d: %s", code, out.String())
	}
}

// `webhook sign hubspot` prints the v3 headers for a batch; the intake accepts them for the URI
// they were made for, and `webhook verify hubspot` agrees.
func TestWebhookSignHubSpotRoundTrip(t *testing.T) {
	bodyFile := filepath.Join(t.TempDir(), "batch.json")
	body := `[{"eventId":1,"subscriptionId":1,"portalId":7,"occurredAt":1767225600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":501}]`
	if err := os.WriteFile(bodyFile, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	uri := "http://127.0.0.1:8080/v1/webhooks/hubspot"
	var out, errb bytes.Buffer
	if code := dispatch([]string{"webhook", "sign", "hubspot", "--secret", "hs-secret", "--uri", uri, "--body-file", bodyFile, "--now", "1767225600000"}, &out, &errb); code != 0 {
		t.Fatalf("sign exit %d: %s", code, errb.String())
	}
	hdr := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, _ := strings.Cut(line, ": ")
		hdr[k] = v
	}
	if hdr["X-HubSpot-Request-Timestamp"] != "1767225600000" || hdr["X-HubSpot-Signature-v3"] == "" {
		t.Fatalf("headers = %q", out.String())
	}
	out.Reset()
	if code := dispatch([]string{"webhook", "verify", "hubspot", "--secret", "hs-secret", "--uri", uri, "--signature", hdr["X-HubSpot-Signature-v3"],
		"--timestamp", hdr["X-HubSpot-Request-Timestamp"], "--body-file", bodyFile, "--now", "1767225601000"}, &out, &errb); code != 0 || strings.TrimSpace(out.String()) != "valid" {
		t.Fatalf("verify exit %d: %s %s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := dispatch([]string{"webhook", "verify", "hubspot", "--secret", "hs-secret", "--uri", "https://other.example/v1/webhooks/hubspot", "--signature", hdr["X-HubSpot-Signature-v3"],
		"--timestamp", hdr["X-HubSpot-Request-Timestamp"], "--body-file", bodyFile, "--now", "1767225601000"}, &out, &errb); code == 0 {
		t.Fatalf("signed for %s, verified for another URI: %s", uri, out.String())
	}
	if code := dispatch([]string{"webhook", "sign", "hubspot", "--secret", "s", "--body-file", bodyFile}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "--uri is required") {
		t.Fatalf("without --uri: exit %d %s", code, errb.String())
	}
}
