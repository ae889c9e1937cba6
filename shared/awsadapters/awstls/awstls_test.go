package awstls

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"
)

// The embedded roots are the five Amazon Trust Services roots, each valid for years to come.
func TestEmbeddedRootsAreAmazonTrustServices(t *testing.T) {
	var names []string
	rest := amazonRootsPEM
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !c.IsCA || c.Subject.String() != c.Issuer.String() {
			t.Errorf("%s is not a self-signed CA", c.Subject)
		}
		if c.NotAfter.Before(time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s expires %s", c.Subject, c.NotAfter)
		}
		names = append(names, c.Subject.CommonName)
	}
	want := "Amazon Root CA 1,Amazon Root CA 2,Amazon Root CA 3,Amazon Root CA 4,Starfield Services Root Certificate Authority - G2"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("roots = %s; want %s", got, want)
	}
}

func TestSSLCertVariablesKeepTheSystemRoots(t *testing.T) {
	t.Setenv("SSL_CERT_DIR", "")
	t.Setenv("SSL_CERT_FILE", "/tmp/twin-ca.pem")
	roots = onceRoots()
	t.Cleanup(func() { roots = onceRoots() })
	if RootCAs() != nil {
		t.Fatal("with SSL_CERT_FILE set the system roots (nil) must be used")
	}
	t.Setenv("SSL_CERT_FILE", "")
	roots = onceRoots()
	if RootCAs() == nil {
		t.Fatal("without SSL_CERT_* the Amazon roots must be used")
	}
}
