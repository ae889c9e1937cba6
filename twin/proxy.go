package twin

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The bootstraps build their AWS clients from the Lambda environment alone (functions/internal/
// lambdaenv): regional https://<service>.<region>.amazonaws.com endpoints, no endpoint override.
// So the twin reaches them the way a corporate network would: HTTPS_PROXY names a loopback
// proxy that answers CONNECT to *.amazonaws.com itself, with certificates of a CA made for this
// run, which the bootstraps trust through AWS_CA_BUNDLE (shared/awsadapters/awstls; net/http's
// ProxyFromEnvironment reads HTTPS_PROXY). Nothing in the function code changes, and
// the endpoint each bootstrap resolves for its region is exercised as on AWS.

type mitm struct {
	caCert  *x509.Certificate
	caKey   *ecdsa.PrivateKey
	caFile  string
	mu      sync.Mutex
	certs   map[string]*tls.Certificate
	ln      net.Listener
	handler http.Handler // the fake AWS services, by Host
	conns   chan net.Conn
	inner   *http.Server
}

func newMITM(dir string, h http.Handler) (*mitm, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dealflow twin CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "twin-ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &mitm{caCert: ca, caKey: key, caFile: file, certs: map[string]*tls.Certificate{}, ln: ln, handler: h, conns: make(chan net.Conn, 64)}
	m.inner = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = m.inner.Serve(&chanListener{c: m.conns, addr: ln.Addr()}) }()
	go m.serve()
	return m, nil
}

// URL is the HTTPS_PROXY value.
func (m *mitm) URL() string { return "http://" + m.ln.Addr().String() }

func (m *mitm) cert(host string) (*tls.Certificate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.certs[host]; ok {
		return c, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, m.caCert, &key.PublicKey, m.caKey)
	if err != nil {
		return nil, err
	}
	c := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	m.certs[host] = c
	return c, nil
}

func (m *mitm) serve() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			return
		}
		go m.connect(c)
	}
}

// connect answers one CONNECT and hands the TLS connection to the fake services.
func (m *mitm) connect(c net.Conn) {
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		_, _ = c.Write([]byte("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n"))
		c.Close()
		return
	}
	host, _, _ := net.SplitHostPort(req.Host)
	if _, err := c.Write([]byte("HTTP/1.1 200 Connection Established\r\n\r\n")); err != nil {
		c.Close()
		return
	}
	tc := tls.Server(&bufConn{Conn: c, r: br}, &tls.Config{
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			name := hello.ServerName
			if name == "" {
				name = host
			}
			return m.cert(name)
		},
	})
	m.conns <- tc
}

func (m *mitm) close() {
	m.ln.Close()
	_ = m.inner.Close()
}

type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufConn) Read(p []byte) (int, error) { return b.r.Read(p) }

type chanListener struct {
	c    chan net.Conn
	addr net.Addr
	once sync.Once
	done chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	l.once.Do(func() { l.done = make(chan struct{}) })
	select {
	case c := <-l.c:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error {
	l.once.Do(func() { l.done = make(chan struct{}) })
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

func (l *chanListener) Addr() net.Addr { return l.addr }
