package runtime

import (
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
)

// The local runtime takes leads in, so it normalises phone numbers to E.164.
func init() { qualify.PhoneNormalizer = phone.E164 }
