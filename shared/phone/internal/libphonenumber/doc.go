// Package libphonenumber is the parsing, validation and formatting code of
// github.com/nyaruka/phonenumbers v1.8.1 (MIT, LICENSE in this folder; a Go port of Google's
// libphonenumber), copied unchanged except that its metadata types are plain Go structs
// (types.go) read from JSON (metadatasource.go, data/metadata.json.gz) instead of protobuf
// messages, and the carrier, geocoding, time-zone and short-number parts are left out. Those
// brought in the protobuf runtime and golang.org/x/text/language/display, ~5 MB per Lambda
// bootstrap (infra/README.md "One bootstrap per function"). shared/phone's tests regenerate the
// metadata from the library and check that both give the same E.164 numbers.
package libphonenumber
