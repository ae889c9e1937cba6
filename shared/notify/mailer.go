// Package notify owns outgoing messages: the Mailer port with its adapters (a local outbox in the
// SQLite file, SMTP, SES v2) and MIME rendering, so an email looks the same whichever sends it.
package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is one email. IdempotencyKey makes Send safe to retry: a second Send with the same key
// returns the first message's id and sends nothing.
type Message struct {
	From           string       `json:"from"`
	To             []string     `json:"to"`
	Cc             []string     `json:"cc,omitempty"`
	Subject        string       `json:"subject"`
	Text           string       `json:"text"`
	HTML           string       `json:"html,omitempty"`
	Inline         []Attachment `json:"-"`
	IdempotencyKey string       `json:"idempotencyKey"`
	// Refs are the ids the message concerns (lead, deal, handoff), for the console and logs.
	Refs map[string]string `json:"refs,omitempty"`
}

// Attachment is an inline image referenced from the HTML as cid:ContentID.
type Attachment struct {
	ContentID   string
	ContentType string
	Data        []byte
}

// Mailer is the port every sender implements.
type Mailer interface {
	Send(ctx context.Context, m Message) (messageID string, err error)
}

// Validate checks what every adapter needs before it accepts a message.
func (m Message) Validate() error {
	if m.IdempotencyKey == "" {
		return fmt.Errorf("message %q: idempotency key is required", m.Subject)
	}
	if len(m.To) == 0 {
		return fmt.Errorf("message %q: no recipient", m.Subject)
	}
	for _, a := range append(append([]string{m.From}, m.To...), m.Cc...) {
		if _, err := mail.ParseAddress(a); err != nil {
			return fmt.Errorf("message %q: bad address %q: %v", m.Subject, a, err)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return fmt.Errorf("message subject must be one line")
	}
	return nil
}

// RenderMIME builds the RFC 5322 message: multipart/alternative (text, then HTML with its inline
// images as multipart/related). The output is what an .eml export holds.
func RenderMIME(m Message, id string, date time.Time) ([]byte, error) {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", m.From)
	h("To", strings.Join(m.To, ", "))
	if len(m.Cc) > 0 {
		h("Cc", strings.Join(m.Cc, ", "))
	}
	h("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	h("Date", date.UTC().Format(time.RFC1123Z))
	h("Message-ID", "<"+id+">")
	h("MIME-Version", "1.0")
	if m.HTML == "" {
		h("Content-Type", "text/plain; charset=utf-8")
		h("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, m.Text)
		return b.Bytes(), nil
	}
	alt := multipart.NewWriter(&b)
	h("Content-Type", "multipart/alternative; boundary="+alt.Boundary())
	b.WriteString("\r\n")
	tw, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
	if err != nil {
		return nil, err
	}
	writeQP(tw, m.Text)
	if len(m.Inline) == 0 {
		hw, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/html; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		writeQP(hw, m.HTML)
	} else {
		var rel bytes.Buffer
		rw := multipart.NewWriter(&rel)
		hw, err := rw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/html; charset=utf-8"}, "Content-Transfer-Encoding": {"quoted-printable"}})
		if err != nil {
			return nil, err
		}
		writeQP(hw, m.HTML)
		for _, a := range m.Inline {
			aw, err := rw.CreatePart(textproto.MIMEHeader{
				"Content-Type":              {a.ContentType},
				"Content-Transfer-Encoding": {"base64"},
				"Content-ID":                {"<" + a.ContentID + ">"},
				"Content-Disposition":       {"inline"},
			})
			if err != nil {
				return nil, err
			}
			enc := base64.StdEncoding.EncodeToString(a.Data)
			for len(enc) > 76 {
				fmt.Fprintf(aw, "%s\r\n", enc[:76])
				enc = enc[76:]
			}
			fmt.Fprintf(aw, "%s\r\n", enc)
		}
		rw.Close()
		pw, err := alt.CreatePart(textproto.MIMEHeader{"Content-Type": {"multipart/related; boundary=" + rw.Boundary()}})
		if err != nil {
			return nil, err
		}
		pw.Write(rel.Bytes())
	}
	alt.Close()
	return b.Bytes(), nil
}

func writeQP(w interface{ Write([]byte) (int, error) }, s string) {
	q := quotedprintable.NewWriter(w)
	q.Write([]byte(s))
	q.Close()
}

// NewMessageID returns a random id for a Message-ID header.
func NewMessageID(domain string) string {
	var r [12]byte
	_, _ = rand.Read(r[:])
	if domain == "" {
		domain = "dealflow.local"
	}
	return hex.EncodeToString(r[:]) + "@" + domain
}
