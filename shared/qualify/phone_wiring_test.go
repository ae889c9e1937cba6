package qualify

import "github.com/dealflow/dealflow/shared/phone"

// leadNormalizer normalises as the lead intake does, phone numbers included.
var leadNormalizer = Normalizer{Phone: phone.E164}
