// Package phone normalises phone numbers to E.164 with libphonenumber's parsing rules and
// metadata. It is its own package because that metadata costs a few hundred KB: only the
// binaries that take leads in (intake, the local runtime) link it, through
// qualify.PhoneNormalizer.
//
// The parser is github.com/nyaruka/phonenumbers' own code (internal/libphonenumber, MIT), with its
// metadata read from JSON instead of protobuf: the protobuf runtime and the library's
// geocoding names (golang.org/x/text/language/display) made a Lambda bootstrap ~5 MB bigger, and
// protobuf's reflection (reflect.Value.MethodByName) stopped the linker from dropping unused SDK
// client methods (infra/README.md "One bootstrap per function"). phone_test.go regenerates the
// metadata from the library (go generate) and checks both agree on many numbers.
package phone

//go:generate go test -run TestMetadataIsCurrent -update-phone-metadata

import "github.com/dealflow/dealflow/shared/phone/internal/libphonenumber"

// E164 returns raw as an E.164 number, reading it in the given ISO 3166 region ("ZZ" when unknown:
// then only numbers with a +country prefix parse).
func E164(raw, region string) (string, bool) {
	num, err := libphonenumber.Parse(raw, region)
	if err != nil || !libphonenumber.IsValidNumber(num) {
		return "", false
	}
	return libphonenumber.Format(num, libphonenumber.E164), true
}
