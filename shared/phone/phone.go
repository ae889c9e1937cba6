// Package phone normalises phone numbers to E.164 with github.com/nyaruka/phonenumbers (the Go
// port of Google's libphonenumber: its parsing rules and per-region metadata). It is its own
// package because that library and its metadata are several MB: only the binaries that take
// leads in link it.
package phone

import "github.com/nyaruka/phonenumbers"

// E164 returns raw as an E.164 number, reading it in the given ISO 3166 region ("ZZ" when unknown:
// then only numbers with a +country prefix parse). Numbers the region's metadata says cannot
// exist (wrong length, unassigned prefix) are rejected, not guessed at.
func E164(raw, region string) (string, bool) {
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}
