package qualify

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dealflow/dealflow/shared/domain"
)

// LeadInput is a lead as a source sent it, before any cleaning. Parsers fill it from JSON, form
// fields or CRM records; Normalize turns it into a domain.Lead.
type LeadInput struct {
	Source     string            `json:"source,omitempty"`
	ExternalID string            `json:"externalId,omitempty"`
	Email      string            `json:"email,omitempty"`
	FirstName  string            `json:"firstName,omitempty"`
	LastName   string            `json:"lastName,omitempty"`
	Name       string            `json:"name,omitempty"` // when the source has no first/last split
	Company    string            `json:"company,omitempty"`
	Website    string            `json:"website,omitempty"`
	Title      string            `json:"title,omitempty"`
	Phone      string            `json:"phone,omitempty"`
	Country    string            `json:"country,omitempty"`
	Region     string            `json:"region,omitempty"`
	State      string            `json:"state,omitempty"`
	Employees  string            `json:"employees,omitempty"` // as sent: "250", "1,200", "500+", "201-500"
	Industry   string            `json:"industry,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Normalized is the cleaned lead plus what was odd but not fatal about the input.
type Normalized struct {
	Lead     domain.Lead
	FreeMail bool // the email is at a consumer mailbox provider, so Lead.Domain is empty
	// Warnings are kept-but-unusable values (an unknown country, a phone number that is not
	// valid): the lead is accepted, the value is kept raw in Attributes.
	Warnings FieldErrors
}

// Limits keep one lead bounded whatever a sender posts.
const (
	maxFieldLen      = 256
	maxAttributes    = 50
	maxAttrKeyLen    = 64
	maxAttrValueLen  = 2000
	maxEmailLen      = 254 // RFC 5321 path limit
	maxEmailLocalLen = 64
)

// Normalizer normalises submitted leads. Phone formats a number as E.164 (shared/phone.E164); it
// is passed in, not imported, so only the functions that take leads in link the phone metadata.
// Without it phone numbers are kept as sent (with a warning), never rejected.
type Normalizer struct {
	Phone func(raw, region string) (string, bool)
}

// Normalize trims and validates in. The error, when not nil, is FieldErrors listing every field
// that makes the lead unusable (missing or invalid email, employees that are not a number,
// oversized values).
func (n Normalizer) Normalize(in LeadInput) (Normalized, error) {
	var errs, warns FieldErrors
	field := func(name, v string) string {
		v = cleanText(v)
		if utf8.RuneCountInString(v) > maxFieldLen {
			errs.Add(name, fmt.Sprintf("too long (at most %d characters)", maxFieldLen))
			return ""
		}
		return v
	}
	var out Normalized
	l := &out.Lead
	l.Source = field("source", in.Source)
	l.ExternalID = field("externalId", in.ExternalID)
	l.Company = field("company", in.Company)
	l.Title = field("title", in.Title)
	l.Region = field("region", in.Region)
	l.State = field("state", in.State)
	l.Industry = field("industry", in.Industry)
	l.Name = field("name", in.Name)
	if l.Name == "" {
		l.Name = strings.TrimSpace(field("firstName", in.FirstName) + " " + field("lastName", in.LastName))
	}

	rawEmail := strings.TrimSpace(in.Email)
	switch email, ok := NormalizeEmail(rawEmail); {
	case rawEmail == "":
		errs.Add("email", "required")
	case !ok:
		errs.Add("email", "not a valid address")
	default:
		l.Email = email
		d := EmailDomain(email)
		out.FreeMail = IsFreeMail(d)
		if !out.FreeMail {
			l.Domain = d
		}
	}

	attrs := map[string]string{}
	if n := len(in.Attributes); n > maxAttributes {
		errs.Add("attributes", fmt.Sprintf("too many (%d; at most %d)", n, maxAttributes))
	} else {
		for k, v := range in.Attributes {
			k, v = cleanText(k), cleanText(v)
			switch {
			case k == "":
			case len(k) > maxAttrKeyLen:
				errs.Add("attributes", fmt.Sprintf("key %q is too long (at most %d characters)", k[:maxAttrKeyLen]+"…", maxAttrKeyLen))
			case utf8.RuneCountInString(v) > maxAttrValueLen:
				errs.Add("attributes."+k, fmt.Sprintf("too long (at most %d characters)", maxAttrValueLen))
			default:
				attrs[k] = v
			}
		}
	}
	if w := field("website", in.Website); w != "" {
		attrs["website"] = w
	}

	if c := field("country", in.Country); c != "" {
		if code, ok := Country(c); ok {
			l.Country = code
		} else {
			warns.Add("country", fmt.Sprintf("unknown country %q (use an ISO 3166 code such as DE or a name such as Germany)", c))
			attrs["country_raw"] = c
		}
	}
	// State and region are placed together with the country as one ISO 3166-2 code (CA with US →
	// US-CA, Bayern with DE → DE-BY), which is what territories list; a value that names no
	// subdivision is kept as sent.
	for _, v := range []string{l.State, l.Region} {
		if iso, ok := Subdivision(l.Country, v); ok {
			l.Region, l.State = iso, iso
			if l.Country == "" {
				l.Country = iso[:2]
			}
			break
		}
	}
	if p := field("phone", in.Phone); p != "" {
		if e164, ok := n.PhoneE164(p, l.Country); ok {
			l.Phone = e164
		} else {
			l.Phone = p
			warns.Add("phone", "not a valid phone number for "+orUnknown(l.Country)+"; kept as sent")
		}
	}
	if e := field("employees", in.Employees); e != "" {
		n, ok := ParseEmployees(e)
		if !ok {
			errs.Add("employees", "must be a whole number such as 250, 1,200, 500+ or 201-500")
		}
		l.Employees = n
	}
	if len(attrs) > 0 {
		l.Attributes = attrs
	}
	out.Warnings = warns
	return out, errs.Err()
}

func orUnknown(country string) string {
	if country == "" {
		return "an unknown country (international numbers need a leading +)"
	}
	return country
}

// cleanText trims, turns control characters and runs of white space into single spaces, and
// drops invalid UTF-8, so stored values print cleanly in emails and the console.
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// NormalizeEmail lower-cases and checks an address in the plain local@domain form (no display
// name, no quoted local part). It is deliberately strict: the email is the de-duplication key.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || len(s) > maxEmailLen || !utf8.ValidString(s) {
		return "", false
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	local, dom := s[:at], strings.TrimSuffix(s[at+1:], ".")
	if len(local) > maxEmailLocalLen || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return "", false
	}
	for _, r := range local {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", r)) {
			return "", false
		}
	}
	labels := strings.Split(dom, ".")
	if len(labels) < 2 {
		return "", false
	}
	for _, lab := range labels {
		if lab == "" || len(lab) > 63 || lab[0] == '-' || lab[len(lab)-1] == '-' {
			return "", false
		}
		for _, r := range lab {
			if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-') {
				return "", false
			}
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || strings.IndexFunc(tld, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
		return "", false // an all-digit TLD means an IP address, not a mailbox domain
	}
	return local + "@" + dom, true
}

// EmailDomain returns the part after the @ of a normalised address.
func EmailDomain(email string) string {
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		return email[i+1:]
	}
	return ""
}

// PhoneE164 formats a phone number as E.164 ("+4930123456"). country (ISO alpha-2, may be empty)
// is used for numbers written without a country prefix.
func (n Normalizer) PhoneE164(raw, country string) (string, bool) {
	if len(raw) > 64 || n.Phone == nil {
		return "", false
	}
	region := country
	if region == "" {
		region = "ZZ" // unknown: only numbers with a +country prefix parse
	}
	return n.Phone(raw, region)
}

// ParseEmployees reads a head count as forms and CRMs write it: "250", "1,200", "1.200",
// "1 200", "500+", "201-500". A band counts as its lower bound, so "≥ 500" rules hold only when
// surely true. A separator must group thousands (1–3 digits, then groups of exactly 3): "12.5"
// or "1,5" is a fraction, not 125 or 15, and is refused.
func ParseEmployees(s string) (int, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, "+")
	if lo, _, ok := strings.Cut(s, "-"); ok {
		s = lo
	}
	s = strings.TrimSpace(s)
	groups := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(",. _'", r) })
	if len(groups) == 0 || strings.ContainsAny(s[:1]+s[len(s)-1:], ",. _'") {
		return 0, false
	}
	var digits strings.Builder
	for i, g := range groups {
		if (i == 0 && len(g) > 3 && len(groups) > 1) || (i > 0 && len(g) != 3) {
			return 0, false
		}
		digits.WriteString(g)
	}
	if len(groups) > 1 && len(s) != len(digits.String())+len(groups)-1 {
		return 0, false // two separators in a row: "1,,200"
	}
	d := digits.String()
	if len(d) > 9 {
		return 0, false
	}
	n, err := strconv.Atoi(d)
	if err != nil || n < 0 || strings.ContainsAny(d, "+-") {
		return 0, false
	}
	return n, true
}

// DedupeKey is the identity two submissions of the same person share: the normalised email.
// Gmail dots and +tags are kept: they often mark a different inbox on company domains.
func DedupeKey(email string) string {
	e, ok := NormalizeEmail(email)
	if !ok {
		return ""
	}
	return e
}

// MergeDropped says what a bounded merge left out, for the answer to the submission.
type MergeDropped struct {
	// Attributes are the submitted attribute keys not added: the lead already had its
	// maximum (org.lead_limits.max_attributes).
	Attributes []string `json:"attributes,omitempty"`
	// MergeRefs is how many of the oldest merge references were let go to keep the newest
	// org.lead_limits.max_merge_refs.
	MergeRefs int `json:"mergeRefs,omitempty"`
}

// Empty reports whether nothing was dropped.
func (d MergeDropped) Empty() bool { return len(d.Attributes) == 0 && d.MergeRefs == 0 }

// Merge folds a new submission into the lead already stored for the same email: the existing
// lead keeps its id, owner and history; empty fields are filled from the newer submission and
// attributes are added (newer values win for the same key). ref (e.g. "hubspot:123" or the new
// lead id) is recorded in MergedFrom once. The lead stays within limits however often the same
// email is posted: new attribute keys beyond limits.Attributes() are dropped (in key order, so
// the answer is the same on a retry) and only the newest limits.MergeRefs() references are kept.
func Merge(existing, incoming domain.Lead, ref string, limits domain.LeadLimits) (domain.Lead, MergeDropped) {
	var dropped MergeDropped
	m := existing
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&m.Name, incoming.Name)
	fill(&m.Company, incoming.Company)
	fill(&m.Domain, incoming.Domain)
	fill(&m.Country, incoming.Country)
	fill(&m.Region, incoming.Region)
	fill(&m.State, incoming.State)
	fill(&m.Phone, incoming.Phone)
	fill(&m.Title, incoming.Title)
	fill(&m.Industry, incoming.Industry)
	if m.Employees == 0 {
		m.Employees = incoming.Employees
	}
	if len(incoming.Attributes) > 0 {
		attrs := make(map[string]string, len(m.Attributes)+len(incoming.Attributes))
		for k, v := range m.Attributes {
			attrs[k] = v
		}
		keys := make([]string, 0, len(incoming.Attributes))
		for k := range incoming.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, known := attrs[k]; !known && len(attrs) >= limits.Attributes() {
				dropped.Attributes = append(dropped.Attributes, k)
				continue
			}
			attrs[k] = incoming.Attributes[k]
		}
		m.Attributes = attrs
	}
	if len(incoming.Touches) > 0 {
		m.Touches = nil
		m.AddTouches(append(append([]domain.Touch(nil), existing.Touches...), incoming.Touches...)...)
	}
	if ref != "" {
		seen := false
		for _, r := range m.MergedFrom {
			seen = seen || r == ref
		}
		if !seen {
			m.MergedFrom = append(append([]string(nil), m.MergedFrom...), ref)
		}
	}
	if over := len(m.MergedFrom) - limits.MergeRefs(); over > 0 {
		dropped.MergeRefs = over
		m.MergedFrom = append([]string(nil), m.MergedFrom[over:]...)
	}
	return m, dropped
}
