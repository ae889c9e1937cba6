package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// fakeAWS answers the AWS calls a cold start makes (Secrets Manager GetSecretValue, read by
// functions/internal/lambdaenv at init) on a loopback port. The bootstraps' endpoints are the
// real https://<service>.<region>.amazonaws.com (shared/awsadapters/awsjson.Endpoint reads no
// AWS_ENDPOINT_URL), so it is reached the way Go's HTTP client reaches any host: HTTPS_PROXY
// points here, the CONNECT tunnel ends here, and TLS is terminated with a certificate for
// *.<region>.amazonaws.com from a CA made for this run, which the bootstrap trusts besides the
// Amazon roots through AWS_CA_BUNDLE (shared/awsadapters/awstls). The bootstrap thus builds its
// trust and does a TLS handshake as it does on Lambda; nothing leaves the machine (no DNS lookup either: the proxy gets the
// host name).
type fakeAWS struct {
	ln      net.Listener
	tlsConf *tls.Config
	certDir string
	srv     *http.Server
	tunnels chan net.Conn
	done    chan struct{}

	mu   sync.Mutex
	seen []string
}

func startFakeAWS() (*fakeAWS, error) {
	dir, err := os.MkdirTemp("", "lambdainit-ca-")
	if err != nil {
		return nil, err
	}
	caPEM, leaf, err := makeCerts(fakeRegion)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "lambdainit-ca.pem"), caPEM, 0o600); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	f := &fakeAWS{ln: ln, certDir: dir, tlsConf: &tls.Config{Certificates: []tls.Certificate{leaf}}, tunnels: make(chan net.Conn), done: make(chan struct{})}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.answer), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(tunnelListener{f}) }()
	go f.acceptConnects()
	return f, nil
}

// env points a bootstrap's HTTPS traffic at the fake and makes it trust the fake's CA in
// addition to the Amazon roots AWS calls trust (AWS_CA_BUNDLE, shared/awsadapters/awstls).
func (f *fakeAWS) env() []string {
	return []string{"HTTPS_PROXY=http://" + f.ln.Addr().String(), "AWS_CA_BUNDLE=" + filepath.Join(f.certDir, "lambdainit-ca.pem")}
}

func (f *fakeAWS) close() {
	close(f.done)
	_ = f.ln.Close()
	_ = f.srv.Close()
	_ = os.RemoveAll(f.certDir)
}

func (f *fakeAWS) reset() {
	f.mu.Lock()
	f.seen = nil
	f.mu.Unlock()
}

// calls are the AWS operations answered since reset, e.g. "secretsmanager.GetSecretValue".
func (f *fakeAWS) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

func (f *fakeAWS) record(call string) {
	f.mu.Lock()
	f.seen = append(f.seen, call)
	f.mu.Unlock()
}

// acceptConnects answers each proxy CONNECT and hands the TLS side of the tunnel to the HTTP
// server. Only *.amazonaws.com:443 is tunnelled; anything else is refused and recorded.
func (f *fakeAWS) acceptConnects() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		go func() {
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err != nil {
				_ = c.Close()
				return
			}
			host, port, _ := net.SplitHostPort(req.Host)
			if req.Method != http.MethodConnect || port != "443" || !strings.HasSuffix(host, ".amazonaws.com") {
				f.record("refused " + req.Method + " " + req.Host)
				_, _ = fmt.Fprint(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
				_ = c.Close()
				return
			}
			if _, err := fmt.Fprint(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
				_ = c.Close()
				return
			}
			_ = c.SetDeadline(time.Time{})
			select {
			case f.tunnels <- tls.Server(bufferedConn{c, br}, f.tlsConf):
			case <-f.done:
				_ = c.Close()
			}
		}()
	}
}

// answer serves the AWS JSON operations a cold start may call.
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
func (f *fakeAWS) answer(w http.ResponseWriter, r *http.Request) {
	service, _, _ := strings.Cut(r.Host, ".")
	target := r.Header.Get("X-Amz-Target")
	if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		f.record("unsigned " + service + " " + target)
		awsError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "request not signed")
		return
	}
	switch {
	case service == "secretsmanager" && target == "secretsmanager.GetSecretValue":
		var in struct{ SecretId string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.SecretId == "" {
			f.record("bad " + target)
			awsError(w, http.StatusBadRequest, "InvalidParameterException", "SecretId missing")
			return
		}
		f.record(target)
		// Signing keys as the stack stores them: a JSON array during rotation, else one string.
		value := "fake-" + filepath.Base(in.SecretId)
		if strings.Contains(in.SecretId, "lead-signing-keys") {
			value = `["fake-key-new","fake-key-old"]`
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": in.SecretId, "SecretString": value, "VersionId": "v1", "CreatedDate": 1.7e9})
	default:
		f.record("unexpected " + service + " " + target + " " + r.URL.Path)
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "lambdainit's fake answers only what a cold start calls")
	}
}

func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// tunnelListener feeds the TLS ends of CONNECT tunnels to an http.Server.
type tunnelListener struct{ f *fakeAWS }

func (l tunnelListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.f.tunnels:
		return c, nil
	case <-l.f.done:
		return nil, net.ErrClosed
	}
}
func (l tunnelListener) Close() error   { return nil }
func (l tunnelListener) Addr() net.Addr { return l.f.ln.Addr() }

// bufferedConn reads first what the CONNECT request's reader already buffered.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c bufferedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// makeCerts returns a CA certificate (PEM) and a server certificate it signed for the AWS
// endpoints of region.
func makeCerts(region string) ([]byte, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lambdainit fake AWS CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, err = x509.ParseCertificate(caDER)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "*." + region + ".amazonaws.com"},
		DNSNames:  []string{"*." + region + ".amazonaws.com"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}, nil
}
