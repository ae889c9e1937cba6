package qualify

import "github.com/dealflow/dealflow/shared/phone"

// The binaries that take leads in wire the phone normaliser at start-up; so do these tests.
func init() { PhoneNormalizer = phone.E164 }
