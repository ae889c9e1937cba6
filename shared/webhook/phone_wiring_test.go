package webhook

import (
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/qualify"
)

// leadNormalizer normalises as the lead intake does, phone numbers included.
var leadNormalizer = qualify.Normalizer{Phone: phone.E164}
