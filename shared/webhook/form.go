package webhook

import (
	"errors"
	"net/url"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/shared/qualify"
)

// DefaultHoneypot is the hidden form field used when a form's configuration names none. People
// never see it, so any value in it was typed by a bot.
const DefaultHoneypot = "_hp"

// FormResult is a parsed web-form submission. A spam submission is not normalised at all: it
// should be answered like a success (so the bot learns nothing) and stored nowhere.
type FormResult struct {
	Lead       qualify.Normalized
	Spam       bool
	SpamReason string
}

// ParseForm reads an application/x-www-form-urlencoded body posted to /v1/forms/{formID}. Lead
// fields use the same names and aliases as the JSON API; other fields (utm_source, message) are
// kept as attributes, repeated values joined with ", ". Fields starting with "_" are form
// plumbing (CSRF tokens) and dropped. honeypot names the hidden field ("" = DefaultHoneypot).
func ParseForm(body []byte, formID, honeypot string, n qualify.Normalizer) (FormResult, error) {
	return ParseMappedForm(body, formID, honeypot, nil, n)
}

// ParseMappedForm is ParseForm with the form's field mapping (forms[].fields of the org file):
// a submitted name found in fields (case-insensitively) fills the lead field it names
// (work_email → email); a mapping onto a name that is no lead field (message) keeps the value as
// that attribute. Names not in fields are read as ParseForm reads them.
func ParseMappedForm(body []byte, formID, honeypot string, fields map[string]string, n qualify.Normalizer) (FormResult, error) {
	mapped := make(map[string]string, len(fields))
	for from, to := range fields {
		mapped[strings.ToLower(from)] = to
	}
	if honeypot == "" {
		honeypot = DefaultHoneypot
	}
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return FormResult{}, qualify.FieldErrors{{Field: "body", Reason: "not a valid urlencoded form: " + err.Error()}}
	}
	if hp := strings.TrimSpace(strings.Join(vals[honeypot], "")); hp != "" {
		return FormResult{Spam: true, SpamReason: "honeypot field " + honeypot + " was filled in"}, nil
	}
	in := qualify.LeadInput{Source: "form:" + formID, Attributes: map[string]string{}}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := vals[k]
		if k == honeypot || strings.HasPrefix(k, "_") || len(v) == 0 {
			continue
		}
		name := k
		if to, ok := mapped[strings.ToLower(k)]; ok {
			name = to
			if _, lead := leadFieldAliases[strings.ToLower(to)]; !lead {
				if j := strings.Join(v, ", "); strings.TrimSpace(j) != "" {
					in.Attributes[to] = j
				}
				continue
			}
		}
		if canon, ok := leadFieldAliases[strings.ToLower(name)]; ok {
			if canon == "source" || canon == "externalId" {
				in.Attributes[k] = v[0] // a public form cannot claim another source's identity
				continue
			}
			setLeadField(&in, canon, v[0])
			continue
		}
		if j := strings.Join(v, ", "); strings.TrimSpace(j) != "" {
			in.Attributes[k] = j
		}
	}
	norm, err := n.Normalize(in)
	var fe qualify.FieldErrors
	if errors.As(err, &fe) {
		return FormResult{Lead: norm}, fe
	}
	return FormResult{Lead: norm}, err
}
