package notify_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/notify/smtptest"
)

func msg(key string) notify.Message {
	return notify.Message{From: "dealflow <noreply@dealflow.test>", To: []string{"Sam <sam@firma.de>"}, Cc: []string{"mia@firma.de"},
		Subject: "Neuer Lead: Müller GmbH", Text: "Hallo Sam", HTML: "<p>Hallo <b>Sam</b></p>", IdempotencyKey: key}
}

func TestSMTPSendsOverSTARTTLSWithAuth(t *testing.T) {
	for _, tc := range []struct {
		name    string
		server  func(*smtptest.Server)
		client  func(*notify.SMTP)
		wantErr string
		temp    bool
	}{
		{name: "delivered over TLS with AUTH"},
		{name: "wrong password is a permanent error", client: func(c *notify.SMTP) { c.Password = "nope" }, wantErr: "535"},
		{name: "temporary refusal is marked temporary", server: func(s *smtptest.Server) { s.Reject = "450 mailbox busy" }, wantErr: "450", temp: true},
		{name: "unknown recipient is permanent", server: func(s *smtptest.Server) { s.Reject = "550 no such user" }, wantErr: "550"},
		{name: "no STARTTLS: credentials are not sent in clear", server: func(s *smtptest.Server) { s.NoSTARTTLS = true }, wantErr: "clear text"},
		{name: "untrusted certificate is refused", client: func(c *notify.SMTP) { c.TLSConfig = nil }, wantErr: "certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := smtptest.Start()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			srv.Username, srv.Password, srv.RequireTLS = "dealflow", "pw", true
			if tc.server != nil {
				tc.server(srv)
			}
			c := &notify.SMTP{Addr: srv.Addr, Username: "dealflow", Password: "pw", TLSConfig: srv.ClientTLS()}
			if tc.client != nil {
				tc.client(c)
			}
			id, err := c.Send(context.Background(), msg("k1"))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				var se *notify.SMTPError
				if errors.As(err, &se) && se.Temporary != tc.temp {
					t.Fatalf("temporary = %v, want %v", se.Temporary, tc.temp)
				}
				if n := len(srv.Messages()); n != 0 {
					t.Fatalf("server accepted %d messages", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := srv.Messages()
			if len(got) != 1 {
				t.Fatalf("server has %d messages", len(got))
			}
			m := got[0]
			if !m.TLS || m.User != "dealflow" || m.From != "noreply@dealflow.test" || strings.Join(m.To, ",") != "sam@firma.de,mia@firma.de" {
				t.Fatalf("message = %+v", m)
			}
			if !strings.Contains(m.Data, "Message-ID: <"+id+">") || !strings.Contains(m.Data, "Subject: =?utf-8?q?Neuer_Lead:_M=C3=BCller_GmbH?=") {
				t.Fatalf("data:\n%s", m.Data)
			}
		})
	}
}

// TestIdempotentSMTPSendsOnceAcrossRetries: a send that fails while the server is down releases its
// claim, the retry delivers, and any further retry sends nothing.
func TestIdempotentSMTPSendsOnceAcrossRetries(t *testing.T) {
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	keys := memKeys{m: map[string]string{}}
	m := notify.Idempotent{Claim: keys.claim, Release: keys.release, Next: &notify.SMTP{Addr: srv.Addr, TLSConfig: srv.ClientTLS()}}
	ctx := context.Background()
	srv.Down()
	if _, err := m.Send(ctx, msg("lead-1")); err == nil {
		t.Fatal("send with the server down succeeded")
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	first, err := m.Send(ctx, msg("lead-1"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := m.Send(ctx, msg("lead-1")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("delivered %d times, want once (first id %s)", n, first)
	}
}

type memKeys struct {
	mu sync.Mutex
	m  map[string]string
}

func (k *memKeys) claim(_ context.Context, key, v string) (string, bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if old, ok := k.m[key]; ok {
		return old, false, nil
	}
	k.m[key] = v
	return v, true, nil
}

func (k *memKeys) release(_ context.Context, key, v string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m[key] == v {
		delete(k.m, key)
	}
	return nil
}

func TestSMTPFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		nilCfg  bool
		wantErr string
	}{
		{name: "unset means no SMTP", env: map[string]string{}, nilCfg: true},
		{name: "password from the named variable", env: map[string]string{"DEALFLOW_SMTP_ADDR": "smtp.example.com:587", "DEALFLOW_SMTP_USER": "u", "DEALFLOW_SMTP_PASSWORD_ENV": "MY_PW", "MY_PW": "secret"}},
		{name: "address without port", env: map[string]string{"DEALFLOW_SMTP_ADDR": "smtp.example.com"}, wantErr: "host:port"},
		{name: "named variable empty", env: map[string]string{"DEALFLOW_SMTP_ADDR": "h:25", "DEALFLOW_SMTP_PASSWORD_ENV": "MISSING"}, wantErr: "MISSING"},
		{name: "user without password", env: map[string]string{"DEALFLOW_SMTP_ADDR": "h:25", "DEALFLOW_SMTP_USER": "u"}, wantErr: "no password"},
		{name: "CA file missing", env: map[string]string{"DEALFLOW_SMTP_ADDR": "h:25", "DEALFLOW_SMTP_CA_FILE": "/nonexistent/ca.pem"}, wantErr: "DEALFLOW_SMTP_CA_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := notify.SMTPFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (c == nil) != tc.nilCfg {
				t.Fatalf("config = %+v", c)
			}
			if c != nil && (c.Password != "secret" || c.Username != "u") {
				t.Fatalf("config = %+v", c)
			}
		})
	}
}

// TestSMTPFromEnvTrustsTheCAFile: a relay with a private CA is reachable once its certificate is
// named in DEALFLOW_SMTP_CA_FILE, and refused without it.
func TestSMTPFromEnvTrustsTheCAFile(t *testing.T) {
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, withCA := range []bool{true, false} {
		env := map[string]string{"DEALFLOW_SMTP_ADDR": srv.Addr}
		if withCA {
			env["DEALFLOW_SMTP_CA_FILE"] = ca
		}
		c, err := notify.SMTPFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Send(context.Background(), msg(fmt.Sprint(withCA)))
		if withCA != (err == nil) {
			t.Fatalf("with CA file %v: err = %v", withCA, err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Fatalf("server has %d messages, want 1", n)
	}
}
