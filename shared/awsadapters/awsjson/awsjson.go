// Package awsjson calls one AWS JSON API operation over HTTPS, signed with Signature Version 4
// (the SDK's signer), for the two calls whose SDK clients cost a Lambda bootstrap more than the
// rest of its function together: SES v2 SendEmail and Secrets Manager GetSecretValue (~0.5–0.8 MB
// each, because an SDK service package links its serialisers, schemas and endpoint rules for
// every operation; infra/README.md "One bootstrap per function").
package awsjson

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dealflow/dealflow/shared/awsadapters/awstls"
)

// Client sends signed requests to one service in one region.
type Client struct {
	Config aws.Config
	// Service is the SigV4 signing name ("ses", "secretsmanager"); Endpoint the base URL,
	// e.g. https://email.eu-west-1.amazonaws.com.
	Service, Endpoint string
	// HTTP defaults to a client with a 30 s timeout.
	HTTP *http.Client
	// MaxAttempts defaults to 3, like the SDK's standard retryer.
	MaxAttempts int
}

// defaultHTTP trusts the Amazon Trust Services roots (awstls).
var defaultHTTP = sync.OnceValue(func() *http.Client { return awstls.NewClient(30 * time.Second) })

// Error is an AWS error answer.
type Error struct {
	Status  int
	Code    string // e.g. "ResourceNotFoundException", "MessageRejected"
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (HTTP %d): %s", e.Code, e.Status, e.Message) }

// retryable are the answers the SDK's standard retryer retries: throttling and server errors.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
func retryable(status int, code string) bool {
	return status >= 500 || status == http.StatusTooManyRequests ||
		strings.Contains(code, "Throttl") || code == "TooManyRequestsException" || code == "LimitExceededException" && status == 429
}

// Do sends body as JSON to path with the given headers and decodes the JSON answer into out.
func (c Client) Do(ctx context.Context, method, path string, headers map[string]string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	attempts := c.MaxAttempts
	if attempts <= 0 {
		attempts = 3
	}
	var last error
	for attempt := range attempts {
		if attempt > 0 {
			// Exponential backoff with full jitter, as the SDK's standard retryer (base 100 ms).
			d := time.Duration(rand.Int64N(int64(100*time.Millisecond) << attempt))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(d):
			}
		}
		var again bool
		again, last = c.once(ctx, method, path, headers, body, out)
		if !again {
			return last
		}
	}
	return last
}

func (c Client) once(ctx context.Context, method, path string, headers map[string]string, body []byte, out any) (bool, error) {
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.Endpoint, "/")+path, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	creds, err := c.Config.Credentials.Retrieve(ctx)
	if err != nil {
		return false, fmt.Errorf("%s credentials: %w", c.Service, err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.Service, c.Config.Region, time.Now()); err != nil {
		return false, err
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("%s: %w", c.Service, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		return true, fmt.Errorf("%s: read answer: %w", c.Service, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode, Code: resp.Header.Get("X-Amzn-ErrorType")}
		var b struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			MessageU string `json:"Message"`
		}
		_ = json.Unmarshal(raw, &b)
		if e.Code == "" {
			e.Code = b.Type
		}
		// Codes may come as "prefix#Code" or "Code:http://..." (AWS JSON protocol).
		if i := strings.LastIndexByte(e.Code, '#'); i >= 0 {
			e.Code = e.Code[i+1:]
		}
		e.Code, _, _ = strings.Cut(e.Code, ":")
		e.Message = b.Message + b.MessageU
		return retryable(e.Status, e.Code), e
	}
	if out == nil || len(raw) == 0 {
		return false, nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return false, fmt.Errorf("%s: decode answer: %w", c.Service, err)
	}
	return false, nil
}
