package httpapi

// Request helpers every capability's routes share: body limits, signed JSON bodies, field-by-field
// decoding that tells absent from null, Idempotency-Key, and the answer to a domain error.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// MaxBodyBytes is the largest request body the API accepts (the EventBridge entry limit).
const MaxBodyBytes = 256 * 1024

// BadRequest is a 400 with a code, a message and the fields at fault.
func BadRequest(code, msg string, fields ...FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Message: msg, Fields: fields}
}

// ReadBody enforces the content type and the size limit.
func ReadBody(r *http.Request, wantType string) ([]byte, *Error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != wantType {
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Message: fmt.Sprintf("Content-Type must be %s (got %q)", wantType, r.Header.Get("Content-Type"))}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, BadRequest("BadRequest", "could not read the request body")
	}
	if len(body) > MaxBodyBytes {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge",
			Message: fmt.Sprintf("request body is over %d bytes", MaxBodyBytes)}
	}
	return body, nil
}

// JSONFields decodes a JSON object into its top-level fields, so a PATCH can tell a field that is
// absent from one that is null; a field not in allowed is an error.
func JSONFields(body []byte, allowed ...string) (map[string]json.RawMessage, *Error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, BadRequest("InvalidBody", "the body must be a JSON object")
	}
	// One object and nothing after it: `{"stage":"won"}{"stage":"lost"}` is not two changes, and a
	// proxy or signer that sees one body must not have the server read another.
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return nil, BadRequest("InvalidBody", "the body must hold exactly one JSON object, with nothing after it",
			FieldError{Field: "body", Reason: "unexpected data after the JSON object"})
	}
	var unknown []FieldError
	for k := range m {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
			}
		}
		if !found {
			unknown = append(unknown, FieldError{Field: k, Reason: "unknown field"})
		}
	}
	if len(unknown) > 0 {
		return nil, BadRequest("InvalidBody", "the body has unknown fields", unknown...)
	}
	return m, nil
}

// Fields reads typed fields from a decoded object, collecting one error per bad field.
type Fields struct {
	M    map[string]json.RawMessage
	Errs []FieldError
}

// Fail records a bad field.
func (f *Fields) Fail(field, reason string) {
	f.Errs = append(f.Errs, FieldError{Field: field, Reason: reason})
}

// Has reports whether the field is present; Null reports whether it is JSON null.
func (f *Fields) Has(k string) bool { _, ok := f.M[k]; return ok }

// Null reports whether the field is present and JSON null.
func (f *Fields) Null(k string) bool {
	v, ok := f.M[k]
	return ok && strings.TrimSpace(string(v)) == "null"
}

// Str is a string field, trimmed; "" when absent or null.
func (f *Fields) Str(k string) string {
	v, ok := f.M[k]
	if !ok || f.Null(k) {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		f.Fail(k, "must be a string")
		return ""
	}
	return strings.TrimSpace(s)
}

// Amount accepts a decimal string ("12345.67") or a JSON number and keeps it as written, so no
// float ever touches money.
func (f *Fields) Amount(k string) string {
	v, ok := f.M[k]
	if !ok || f.Null(k) {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return strings.TrimSpace(s)
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	if dec.Decode(&n) != nil {
		f.Fail(k, "must be a decimal string such as \"12345.67\"")
		return ""
	}
	return n.String()
}

// Date is a YYYY-MM-DD field.
func (f *Fields) Date(k string) *time.Time {
	s := f.Str(k)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		f.Fail(k, "must be a date YYYY-MM-DD")
		return nil
	}
	return &t
}

// Timestamp is an RFC 3339 field.
func (f *Fields) Timestamp(k string) *time.Time {
	s := f.Str(k)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		f.Fail(k, "must be an RFC 3339 time such as 2026-11-30T09:15:00Z")
		return nil
	}
	return &t
}

// IdempotencyKey is the request's Idempotency-Key header, trimmed, at most 255 characters.
func IdempotencyKey(r *http.Request) (string, *Error) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 255 {
		return "", BadRequest("InvalidIdempotencyKey", "Idempotency-Key is longer than 255 characters")
	}
	return key, nil
}

// AnswerError turns a domain error into its HTTP answer: an *Error as it is, a missing object
// 404, anything else 503 (logged), which says nothing was changed.
func AnswerError(w http.ResponseWriter, log *slog.Logger, op string, err error) {
	var herr *Error
	var inv *domain.InvalidError
	switch {
	case errors.As(err, &herr):
		WriteError(w, herr)
	case errors.As(err, &inv):
		WriteError(w, FromInvalid(inv))
	case errors.Is(err, store.ErrTooLarge):
		// Permanent: a retry would be refused the same way, so never a 503.
		WriteError(w, &Error{Status: http.StatusRequestEntityTooLarge, Code: "TooLarge", Message: err.Error() + "; nothing was changed"})
	case errors.Is(err, store.ErrNotFound):
		WriteError(w, &Error{Status: http.StatusNotFound, Code: "NotFound", Message: err.Error()})
	default:
		log.Error(op+" failed", "error", err.Error())
		WriteError(w, &Error{Status: http.StatusServiceUnavailable, Code: "Unavailable", Message: "temporarily unavailable; nothing was changed, retry later"})
	}
}

// WritePage writes a server-rendered HTML page (a signed link's page) with the headers every such
// page needs: no sniffing, no caching, and no Referer, since the signature is in the URL.
func WritePage(w http.ResponseWriter, status int, html string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, html)
}

// FromInvalid is the HTTP answer to a change a capability's rules refused.
func FromInvalid(e *domain.InvalidError) *Error {
	status := e.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	out := &Error{Status: status, Code: e.Code, Message: e.Message}
	for _, f := range e.Fields {
		out.Fields = append(out.Fields, FieldError{Field: f.Field, Reason: f.Reason})
	}
	return out
}
