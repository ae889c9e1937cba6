package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// b64HMAC signs a literal string, independently of the code under test.
func b64HMAC(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(msg))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
