// Package awstls is the TLS trust of calls to AWS APIs from a Lambda function. Every AWS service
// endpoint presents a certificate issued by Amazon Trust Services, which chains to Amazon Root CA
// 1–4 or the Starfield Services Root G2 cross-signature
// (https://www.amazontrust.com/repository/ lists them). Trusting only those five roots instead of
// the system bundle (~145 roots, ~25 ms of parsing on the first TLS call — inside a cold start,
// since functions read their secrets at init) narrows trust and keeps the cold start short.
// When SSL_CERT_FILE or SSL_CERT_DIR is set, the system's (Go's) choice of roots is kept: a
// proxy or a local AWS twin presents its own CA that way.
package awstls

import (
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"net/http"
	"os"
	"sync"
	"time"
)

//go:embed amazon-roots.pem
var amazonRootsPEM []byte

var roots = onceRoots()

func onceRoots() func() *x509.CertPool {
	return sync.OnceValue(func() *x509.CertPool {
		if os.Getenv("SSL_CERT_FILE") != "" || os.Getenv("SSL_CERT_DIR") != "" {
			return nil // nil RootCAs: the system roots, which honour those variables
		}
		p := x509.NewCertPool()
		if !p.AppendCertsFromPEM(amazonRootsPEM) {
			return nil
		}
		return p
	})
}

// RootCAs are the roots AWS API calls trust (nil: the system roots).
func RootCAs() *x509.CertPool { return roots() }

// Configure sets the transport's trust to RootCAs.
func Configure(tr *http.Transport) {
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tr.TLSClientConfig.RootCAs = RootCAs()
}

// NewClient is an HTTP client for AWS API calls with the given timeout.
func NewClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	Configure(tr)
	return &http.Client{Timeout: timeout, Transport: tr}
}
