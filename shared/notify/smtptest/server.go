// Package smtptest is a small SMTP server for tests: EHLO, STARTTLS with a throwaway certificate,
// AUTH PLAIN, MAIL/RCPT/DATA. It records what it accepts and can be taken down and brought back
// on the same address, to test what a product does while its mail server is unreachable.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"time"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Data string // the RFC 5322 text, dot-unstuffed
	TLS  bool
	User string
}

// Server is a running fake SMTP server.
type Server struct {
	Addr     string
	Username string // when set, MAIL requires AUTH PLAIN with Username/Password
	Password string
	// RequireTLS answers 530 to MAIL before STARTTLS.
	RequireTLS bool
	// NoSTARTTLS hides the extension (an old or misconfigured relay).
	NoSTARTTLS bool
	// Reject, when set, answers RCPT with this reply ("450 mailbox busy", "550 no such user").
	Reject string

	tlsConf *tls.Config
	pool    *x509.CertPool

	mu       sync.Mutex
	ln       net.Listener
	msgs     []Message
	sessions int
	conns    map[net.Conn]bool
	wg       sync.WaitGroup
}

// Start listens on a free loopback port.
func Start() (*Server, error) {
	cert, pool, err := selfSigned()
	if err != nil {
		return nil, err
	}
	s := &Server{tlsConf: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, pool: pool, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.Addr = ln.Addr().String()
	s.serve(ln)
	return s, nil
}

// CAPEM is the server's certificate in PEM, for clients configured by file
// (DEALFLOW_SMTP_CA_FILE).
func (s *Server) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.tlsConf.Certificates[0].Certificate[0]})
}

// ClientTLS is the TLS configuration a client needs to trust this server.
func (s *Server) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// Down closes the listener and every open session: connections are refused until Up.
func (s *Server) Down() {
	s.mu.Lock()
	ln := s.ln
	s.ln = nil
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	if ln != nil {
		ln.Close()
	}
	s.wg.Wait()
}

// Up listens again on the same address.
func (s *Server) Up() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtptest: listen again on %s: %w", s.Addr, err)
	}
	s.serve(ln)
	return nil
}

// Close stops the server.
func (s *Server) Close() { s.Down() }

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Sessions counts the connections served.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *Server) serve(ln net.Listener) {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.sessions++
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.session(c)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
		}
	}()
}

func (s *Server) session(c net.Conn) {
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(format string, a ...any) {
		fmt.Fprintf(w, format+"\r\n", a...)
		w.Flush()
	}
	reply("220 smtptest ready")
	var tlsOn bool
	var user string
	var from string
	var to []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO", "HELO":
			fmt.Fprintf(w, "250-smtptest\r\n")
			if !tlsOn && !s.NoSTARTTLS {
				fmt.Fprintf(w, "250-STARTTLS\r\n")
			}
			reply("250 AUTH PLAIN")
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(c, s.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			c, tlsOn = tc, true
			r, w = bufio.NewReader(tc), bufio.NewWriter(tc)
		case "AUTH":
			mech, resp, _ := strings.Cut(arg, " ")
			if !strings.EqualFold(mech, "PLAIN") {
				reply("504 only PLAIN")
				continue
			}
			b, err := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(b), "\x00")
			if err != nil || len(parts) != 3 || parts[1] != s.Username || parts[2] != s.Password {
				reply("535 authentication failed")
				continue
			}
			user = parts[1]
			reply("235 ok")
		case "MAIL":
			if s.RequireTLS && !tlsOn {
				reply("530 STARTTLS first")
				continue
			}
			if s.Username != "" && user == "" {
				reply("530 authentication required")
				continue
			}
			from, to = addrOf(arg), nil
			reply("250 ok")
		case "RCPT":
			if s.Reject != "" {
				reply("%s", s.Reject)
				continue
			}
			to = append(to, addrOf(arg))
			reply("250 ok")
		case "DATA":
			if from == "" || len(to) == 0 {
				reply("503 MAIL and RCPT first")
				continue
			}
			reply("354 end with .")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, Message{From: from, To: to, Data: b.String(), TLS: tlsOn, User: user})
			s.mu.Unlock()
			from, to = "", nil
			reply("250 queued")
		case "RSET":
			from, to = "", nil
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

func addrOf(arg string) string {
	if i := strings.IndexByte(arg, '<'); i >= 0 {
		if j := strings.IndexByte(arg[i:], '>'); j > 0 {
			return arg[i+1 : i+j]
		}
	}
	return arg
}

func selfSigned() (tls.Certificate, *x509.CertPool, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool, nil
}
