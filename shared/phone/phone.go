// Package phone normalises phone numbers to E.164 with libphonenumber's metadata
// (github.com/nyaruka/phonenumbers). It is its own package because that metadata is ~7 MB: only
// the binaries that take leads in (intake, the local runtime) link it, through
// qualify.PhoneNormalizer.
package phone

import "github.com/nyaruka/phonenumbers"

// E164 returns raw as an E.164 number, reading it in the given ISO 3166 region ("ZZ" when unknown:
// then only numbers with a +country prefix parse).
func E164(raw, region string) (string, bool) {
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}
