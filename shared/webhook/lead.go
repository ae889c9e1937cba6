package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/dealflow/dealflow/shared/qualify"
)

// leadFieldAliases maps the names senders use (camelCase, snake_case, HubSpot's property names)
// to LeadInput fields, so web forms and tools like Zapier post without a mapping step.
var leadFieldAliases = func() map[string]string {
	m := map[string]string{}
	for canon, aliases := range map[string][]string{
		"email":      {"email", "emailAddress", "email_address", "e-mail", "mail"},
		"firstName":  {"firstName", "first_name", "firstname", "givenName", "given_name", "vorname"},
		"lastName":   {"lastName", "last_name", "lastname", "familyName", "family_name", "surname", "nachname"},
		"name":       {"name", "fullName", "full_name", "fullname"},
		"company":    {"company", "companyName", "company_name", "organization", "organisation", "firma"},
		"website":    {"website", "companyWebsite", "company_website", "url"},
		"title":      {"title", "jobTitle", "job_title", "jobtitle", "position"},
		"phone":      {"phone", "phoneNumber", "phone_number", "mobile", "mobilephone", "telephone", "telefon"},
		"country":    {"country", "countryCode", "country_code", "land"},
		"region":     {"region"},
		"state":      {"state", "province", "bundesland"},
		"employees":  {"employees", "employeeCount", "employee_count", "numberOfEmployees", "numberofemployees", "company_size", "companySize"},
		"industry":   {"industry", "branche"},
		"externalId": {"externalId", "external_id", "id"},
		"source":     {"source"},
	} {
		for _, a := range aliases {
			m[strings.ToLower(a)] = canon
		}
	}
	return m
}()

// setLeadField stores v in the LeadInput field canon names.
func setLeadField(in *qualify.LeadInput, canon, v string) {
	switch canon {
	case "email":
		in.Email = v
	case "firstName":
		in.FirstName = v
	case "lastName":
		in.LastName = v
	case "name":
		in.Name = v
	case "company":
		in.Company = v
	case "website":
		in.Website = v
	case "title":
		in.Title = v
	case "phone":
		in.Phone = v
	case "country":
		in.Country = v
	case "region":
		in.Region = v
	case "state":
		in.State = v
	case "employees":
		in.Employees = v
	case "industry":
		in.Industry = v
	case "externalId":
		in.ExternalID = v
	case "source":
		in.Source = v
	}
}

// ParseLeadJSON reads the body of POST /v1/leads: one JSON object with lead fields (aliases such
// as first_name or jobTitle are accepted), an optional "attributes" object of scalars, and any
// other scalar top-level fields (utm_source, message) kept as attributes. source is the default
// source name ("api") when the body names none. The error is qualify.FieldErrors for a 400.
func ParseLeadJSON(body []byte, source string, n qualify.Normalizer) (qualify.Normalized, error) {
	var errs qualify.FieldErrors
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return qualify.Normalized{}, qualify.FieldErrors{{Field: "body", Reason: jsonReason(err, "a JSON object of lead fields")}}
	}
	if obj == nil {
		return qualify.Normalized{}, qualify.FieldErrors{{Field: "body", Reason: "must be a JSON object of lead fields"}}
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return qualify.Normalized{}, qualify.FieldErrors{{Field: "body", Reason: "must hold exactly one JSON object (send one lead per request)"}}
	}
	in := qualify.LeadInput{Attributes: map[string]string{}}
	var ignored []string
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic error order
	for _, k := range keys {
		raw := obj[k]
		if strings.EqualFold(k, "attributes") || strings.EqualFold(k, "custom") {
			var attrs map[string]json.RawMessage
			if err := json.Unmarshal(raw, &attrs); err != nil {
				if !isJSONNull(raw) {
					errs.Add(k, "must be an object of string values")
				}
				continue
			}
			for ak, av := range attrs {
				if s, ok := jsonScalar(av); ok {
					in.Attributes[ak] = s
				} else {
					errs.Add(k+"."+ak, "must be a string, number or boolean")
				}
			}
			continue
		}
		s, scalar := jsonScalar(raw)
		if canon, known := leadFieldAliases[strings.ToLower(k)]; known {
			if !scalar {
				errs.Add(k, "must be a string")
				continue
			}
			if canon == "employees" && isJSONBool(raw) {
				errs.Add(k, "must be a whole number")
				continue
			}
			setLeadField(&in, canon, s)
			continue
		}
		if scalar {
			if s != "" {
				in.Attributes[k] = s
			}
		} else {
			ignored = append(ignored, k)
		}
	}
	if in.Source == "" {
		in.Source = source
	}
	norm, err := n.Normalize(in)
	var nerrs qualify.FieldErrors
	if errors.As(err, &nerrs) {
		reported := map[string]bool{}
		for _, e := range errs {
			reported[e.Field] = true
		}
		for _, e := range nerrs {
			if !reported[e.Field] { // "email: must be a string" already says it all
				errs = append(errs, e)
			}
		}
	}
	for _, k := range ignored {
		norm.Warnings.Add(k, "nested values are ignored; send extra fields as strings in \"attributes\"")
	}
	if len(errs) > 0 {
		return norm, errs
	}
	return norm, nil
}

// jsonScalar renders a JSON string, number or boolean as text; null is "" (field absent).
func jsonScalar(raw json.RawMessage) (string, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "", false
	}
	switch t[0] {
	case '"':
		// raw comes from a successful decode, so it is valid JSON: without escapes the text
		// between the quotes is the value (the common case, and much cheaper than Unmarshal).
		if len(t) >= 2 && t[len(t)-1] == '"' && bytes.IndexByte(t, '\\') < 0 && utf8.Valid(t) {
			return string(t[1 : len(t)-1]), true
		}
		var s string
		if err := json.Unmarshal(t, &s); err != nil {
			return "", false
		}
		return s, true
	case 'n':
		return "", string(t) == "null"
	case 't', 'f':
		return string(t), string(t) == "true" || string(t) == "false"
	case '{', '[':
		return "", false
	default:
		var n json.Number
		if err := json.Unmarshal(t, &n); err != nil {
			return "", false
		}
		return n.String(), true
	}
}

func isJSONNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func isJSONBool(raw json.RawMessage) bool {
	t := string(bytes.TrimSpace(raw))
	return t == "true" || t == "false"
}

// jsonReason turns a decoder error into a sentence for the sender.
func jsonReason(err error, want string) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("not valid JSON (%v at byte %d)", e, e.Offset)
	case *json.UnmarshalTypeError:
		return "must be " + want + ", not " + e.Value
	}
	if err.Error() == "EOF" {
		return "empty; send " + want
	}
	return "not valid JSON: " + err.Error()
}
