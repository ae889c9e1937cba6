// Package awstls is the TLS trust of calls to AWS APIs from a Lambda function. Every AWS service
// endpoint presents a certificate issued by Amazon Trust Services, which chains to Amazon Root CA
// 1–4 or the Starfield Services Root G2 cross-signature
// (https://www.amazontrust.com/repository/ lists them). Trusting only those five roots instead of
// the system bundle (~145 roots, ~25 ms of parsing on the first TLS call — inside a cold start,
// since functions read their secrets at init) narrows trust and keeps the cold start short.
// AWS_CA_BUNDLE, the AWS SDKs' setting for a custom CA bundle
// (https://docs.aws.amazon.com/sdkref/latest/guide/feature-gen-config.html), adds the roots of a
// TLS-inspecting proxy — or of the local AWS twin and `make lambda-init`, which answer AWS calls
// through one.
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
		p := x509.NewCertPool()
		p.AppendCertsFromPEM(amazonRootsPEM)
		if f := os.Getenv("AWS_CA_BUNDLE"); f != "" {
			if b, err := os.ReadFile(f); err == nil {
				p.AppendCertsFromPEM(b)
			}
		}
		return p
	})
}

// RootCAs are the roots AWS API calls trust.
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
