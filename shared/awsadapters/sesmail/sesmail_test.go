package sesmail

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dealflow/dealflow/shared/notify"
)

type fakeSES struct{ in RawEmail }

func (f *fakeSES) SendRawEmail(_ context.Context, in RawEmail) (string, error) {
	f.in = in
	return "ses-1", nil
}

func TestSESSendsTheRenderedMIMEFromTheVerifiedSender(t *testing.T) {
	f := &fakeSES{}
	s := SES{Client: f, From: "sales@example.com", ConfigurationSet: "dealflow"}
	id, err := s.Send(context.Background(), notify.Message{From: "x@y.z", To: []string{"ae@example.com"}, Subject: "Hi", Text: "t", HTML: "<p>h</p>", IdempotencyKey: "k"})
	if err != nil || id != "ses-1" {
		t.Fatal(id, err)
	}
	raw := string(f.in.Data)
	if !strings.Contains(raw, "From: sales@example.com") || !strings.Contains(raw, "multipart/alternative") || f.in.ConfigurationSet != "dealflow" {
		t.Fatalf("raw message:\n%s", raw)
	}
}

// The HTTP client sends what the SES v2 SendEmail API takes, signed, and retries a throttled call.
func TestHTTPClientSendsASignedSendEmailRequest(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		auth := r.Header.Get("Authorization")
		if r.Method != "POST" || r.URL.Path != "/v2/email/outbound-emails" || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID/") ||
			!strings.Contains(auth, "/eu-west-1/ses/aws4_request") || r.Header.Get("X-Amz-Security-Token") != "TOKEN" {
			t.Errorf("request %s %s auth %q", r.Method, r.URL.Path, auth)
		}
		var body struct {
			FromEmailAddress     string
			Destination          struct{ ToAddresses, CcAddresses []string }
			Content              struct{ Raw struct{ Data string } }
			ConfigurationSetName string
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Fatal(err)
		}
		data, _ := base64.StdEncoding.DecodeString(body.Content.Raw.Data)
		if body.FromEmailAddress != "sales@example.com" || body.Destination.ToAddresses[0] != "ae@example.com" ||
			body.Destination.CcAddresses[0] != "mgr@example.com" || string(data) != "MIME" || body.ConfigurationSetName != "dealflow" {
			t.Errorf("body %s", b)
		}
		_, _ = io.WriteString(w, `{"MessageId":"m-1"}`)
	}))
	defer srv.Close()
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "TOKEN")}
	c := NewHTTPClient(cfg)
	if c.Endpoint != "https://email.eu-west-1.amazonaws.com" {
		t.Errorf("endpoint %s", c.Endpoint)
	}
	c.Endpoint = srv.URL
	id, err := c.SendRawEmail(context.Background(), RawEmail{From: "sales@example.com", To: []string{"ae@example.com"}, Cc: []string{"mgr@example.com"}, Data: []byte("MIME"), ConfigurationSet: "dealflow"})
	if err != nil || id != "m-1" || calls != 2 {
		t.Fatalf("id %q err %v after %d calls", id, err, calls)
	}
}

func TestHTTPClientReportsRejections(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-ErrorType", "MessageRejected:http://internal.amazon.com/coral/com.amazon.ses/")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"message":"Email address is not verified."}`)
	}))
	defer srv.Close()
	c := NewHTTPClient(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	c.Endpoint = srv.URL
	_, err := c.SendRawEmail(context.Background(), RawEmail{From: "x@example.com", To: []string{"y@example.com"}, Data: []byte("m")})
	if err == nil || !strings.Contains(err.Error(), "MessageRejected (HTTP 400): Email address is not verified.") {
		t.Fatalf("err %v", err)
	}
}
