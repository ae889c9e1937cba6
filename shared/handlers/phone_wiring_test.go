package handlers

import (
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
)

// The binaries that take leads in wire the phone normaliser at start-up; so do these tests.
func init() { qualify.PhoneNormalizer = phone.E164 }
