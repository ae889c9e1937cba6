package awstls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// A CA bundle named by AWS_CA_BUNDLE is trusted besides the Amazon roots; nothing else is.
func TestAWSCABundleAddsRoots(t *testing.T) {
	ca := selfSigned(t, "Twin CA")
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	verify := func() error {
		_, err := ca.Verify(x509.VerifyOptions{Roots: RootCAs()})
		return err
	}
	t.Cleanup(func() { roots = onceRoots() })
	t.Setenv("AWS_CA_BUNDLE", "")
	roots = onceRoots()
	if verify() == nil {
		t.Fatal("a CA outside the Amazon roots was trusted")
	}
	t.Setenv("AWS_CA_BUNDLE", file)
	roots = onceRoots()
	if err := verify(); err != nil {
		t.Fatalf("the CA of AWS_CA_BUNDLE is not trusted: %v", err)
	}
}

func selfSigned(t *testing.T, cn string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A client from NewClient reaches a TLS server whose CA is in AWS_CA_BUNDLE (the local twin's
// proxy) and refuses it without.
func TestNewClientTrustsTheBundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { roots = onceRoots() })
	for _, tc := range []struct {
		bundle string
		ok     bool
	}{{"", false}, {file, true}} {
		t.Setenv("AWS_CA_BUNDLE", tc.bundle)
		roots = onceRoots()
		res, err := NewClient(5 * time.Second).Get(srv.URL)
		if err == nil {
			res.Body.Close()
		}
		if (err == nil) != tc.ok {
			t.Fatalf("AWS_CA_BUNDLE=%q: err %v, want ok=%v", tc.bundle, err, tc.ok)
		}
	}
}
