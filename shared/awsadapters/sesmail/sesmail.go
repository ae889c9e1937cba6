// Package sesmail is notify.Mailer on Amazon SES v2 (functions/ wire it).
// It is one of the shared/awsadapters packages, one per AWS service, so a Lambda bootstrap links
// (and initialises) only the SDK clients its function uses (infra/README.md).
package sesmail

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dealflow/dealflow/shared/awsadapters/awsjson"
	"github.com/dealflow/dealflow/shared/notify"
)

// RawEmail is one SES v2 SendEmail request with raw content.
type RawEmail struct {
	From             string
	To, Cc           []string
	Data             []byte // the MIME message
	ConfigurationSet string
}

// SESAPI sends a raw email and returns SES's message id.
type SESAPI interface {
	SendRawEmail(ctx context.Context, in RawEmail) (string, error)
}

// HTTPClient is SESAPI on the SES v2 HTTP API, signed with SigV4 (shared/awsadapters/awsjson;
// the SDK's sesv2 package would add ~0.7 MB to every bootstrap that sends email).
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
type HTTPClient struct{ awsjson.Client }

// NewHTTPClient returns the SES v2 client of cfg's region.
func NewHTTPClient(cfg aws.Config) HTTPClient {
	return HTTPClient{awsjson.Client{Config: cfg, Service: "ses", Endpoint: awsjson.Endpoint("email", cfg.Region)}}
}

func (c HTTPClient) SendRawEmail(ctx context.Context, in RawEmail) (string, error) {
	type destination struct {
		ToAddresses []string `json:"ToAddresses,omitempty"`
		CcAddresses []string `json:"CcAddresses,omitempty"`
	}
	type raw struct {
		Data []byte `json:"Data"` // a blob: base64 in JSON
	}
	type content struct {
		Raw raw `json:"Raw"`
	}
	body := struct {
		FromEmailAddress     string      `json:"FromEmailAddress"`
		Destination          destination `json:"Destination"`
		Content              content     `json:"Content"`
		ConfigurationSetName string      `json:"ConfigurationSetName,omitempty"`
	}{in.From, destination{in.To, in.Cc}, content{raw{in.Data}}, in.ConfigurationSet}
	var out struct {
		MessageID string `json:"MessageId"`
	}
	err := c.Do(ctx, "POST", "/v2/email/outbound-emails", map[string]string{"Content-Type": "application/json"}, body, &out)
	return out.MessageID, err
}

// SES sends the same MIME message the local outbox stores, as a raw email through a
// configuration set. Wrap it in notify.Idempotent: SES itself does not dedupe.
// https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
type SES struct {
	Client           SESAPI
	From             string // verified sender; overrides Message.From when set
	ConfigurationSet string
	Now              func() time.Time
}

func (s SES) Send(ctx context.Context, m notify.Message) (string, error) {
	if s.From != "" {
		m.From = s.From
	}
	if err := m.Validate(); err != nil {
		return "", err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	raw, err := notify.RenderMIME(m, notify.NewMessageID(""), now())
	if err != nil {
		return "", err
	}
	id, err := s.Client.SendRawEmail(ctx, RawEmail{From: m.From, To: m.To, Cc: m.Cc, Data: raw, ConfigurationSet: s.ConfigurationSet})
	if err != nil {
		return "", fmt.Errorf("ses send %q: %w", m.Subject, err)
	}
	return id, nil
}
