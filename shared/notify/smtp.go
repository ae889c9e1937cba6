package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// SMTP sends through a mail server (a self-hosted runtime's relay, or any provider's SMTP
// endpoint). It upgrades with STARTTLS and refuses to send credentials or mail in clear text
// unless AllowPlaintext is set (a relay on loopback). SMTP does not dedupe: wrap it in
// Idempotent so a retried task sends nothing twice.
type SMTP struct {
	Addr     string // host:port, e.g. smtp.example.com:587
	Username string // empty: no AUTH
	Password string
	// TLSConfig verifies the server for STARTTLS; nil uses the system roots and Addr's host.
	TLSConfig *tls.Config
	// AllowPlaintext permits a server that does not offer STARTTLS (without AUTH only).
	AllowPlaintext bool
	// HeloName is the name given in EHLO (default "localhost").
	HeloName string
	Timeout  time.Duration // per connection, default 30s
	Clock    clock.Clock   // for the Date header; default the wall clock
}

// SMTPError is a reply the server refused the message with. Temporary (4xx) replies are worth
// retrying; permanent (5xx) ones are not.
type SMTPError struct {
	Code      int
	Msg       string
	Stage     string // MAIL, RCPT, DATA, AUTH, ...
	Temporary bool
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("smtp %s: %d %s", e.Stage, e.Code, e.Msg)
}

// SMTPFromEnv builds the mailer from DEALFLOW_SMTP_ADDR, DEALFLOW_SMTP_USER and
// DEALFLOW_SMTP_PASSWORD_ENV (the NAME of the variable holding the password, so the secret itself
// never sits in a process listing or a config file), and DEALFLOW_SMTP_CA_FILE (PEM certificates
// to trust instead of the system roots, for a relay with a private CA). It returns nil when no
// address is set.
func SMTPFromEnv(getenv func(string) string) (*SMTP, error) {
	addr := strings.TrimSpace(getenv("DEALFLOW_SMTP_ADDR"))
	if addr == "" {
		return nil, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("DEALFLOW_SMTP_ADDR=%q: want host:port (e.g. smtp.example.com:587): %v", addr, err)
	}
	s := &SMTP{Addr: addr, Username: getenv("DEALFLOW_SMTP_USER")}
	if name := getenv("DEALFLOW_SMTP_PASSWORD_ENV"); name != "" {
		s.Password = getenv(name)
		if s.Password == "" {
			return nil, fmt.Errorf("DEALFLOW_SMTP_PASSWORD_ENV names %s, which is empty or not set", name)
		}
	}
	if s.Username != "" && s.Password == "" {
		return nil, errors.New("DEALFLOW_SMTP_USER is set but no password: set DEALFLOW_SMTP_PASSWORD_ENV to the name of the variable holding it")
	}
	if f := getenv("DEALFLOW_SMTP_CA_FILE"); f != "" {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("DEALFLOW_SMTP_CA_FILE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("DEALFLOW_SMTP_CA_FILE %s holds no PEM certificate", f)
		}
		host, _, _ := net.SplitHostPort(addr)
		s.TLSConfig = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// Send delivers m in one SMTP session and returns its Message-ID.
func (s *SMTP) Send(ctx context.Context, m Message) (string, error) {
	if err := m.Validate(); err != nil {
		return "", err
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return "", fmt.Errorf("smtp: from %q: %w", m.From, err)
	}
	now := time.Now()
	if s.Clock != nil {
		now = s.Clock.Now()
	}
	_, domain, _ := strings.Cut(from.Address, "@")
	id := NewMessageID(domain)
	raw, err := RenderMIME(m, id, now)
	if err != nil {
		return "", err
	}
	if err := s.SendRaw(ctx, m.From, append(append([]string{}, m.To...), m.Cc...), raw); err != nil {
		return "", err
	}
	return id, nil
}

// SendRaw delivers an already rendered RFC 5322 message (an outbox .eml) to the recipients.
func (s *SMTP) SendRaw(ctx context.Context, fromAddr string, rcpts []string, raw []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: address %q: %w", s.Addr, err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: connect to %s: %w", s.Addr, err)
	}
	deadline := time.Now().Add(timeout) // a network deadline, not business time
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return s.replyErr("greeting", err)
	}
	defer c.Close()
	helo := s.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		return s.replyErr("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return s.replyErr("STARTTLS", err)
		}
	} else if !s.AllowPlaintext || s.Username != "" {
		return fmt.Errorf("smtp: %s does not offer STARTTLS; refusing to send mail or credentials in clear text", s.Addr)
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return s.replyErr("AUTH", err)
		}
	}
	from, err := mail.ParseAddress(fromAddr)
	if err != nil {
		return fmt.Errorf("smtp: from %q: %w", fromAddr, err)
	}
	if err := c.Mail(from.Address); err != nil {
		return s.replyErr("MAIL", err)
	}
	for _, to := range rcpts {
		a, err := mail.ParseAddress(to)
		if err != nil {
			return fmt.Errorf("smtp: recipient %q: %w", to, err)
		}
		if err := c.Rcpt(a.Address); err != nil {
			return s.replyErr("RCPT", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return s.replyErr("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fmt.Errorf("smtp: write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return s.replyErr("DATA", err)
	}
	_ = c.Quit()
	return nil
}

func (s *SMTP) replyErr(stage string, err error) error {
	var te *textproto.Error
	if errors.As(err, &te) {
		return &SMTPError{Code: te.Code, Msg: te.Msg, Stage: stage, Temporary: te.Code >= 400 && te.Code < 500}
	}
	return fmt.Errorf("smtp %s with %s: %w", stage, s.Addr, err)
}
