package lead

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Accepted is the body of a 202 (new lead) or 200 (duplicate) answer.
type Accepted struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate,omitempty"`
	// Merged is set when the submission's email matched an existing lead.
	Merged bool `json:"merged,omitempty"`
	// Dropped says what the merge left out to keep the lead within org.lead_limits.
	Dropped *qualify.MergeDropped `json:"dropped,omitempty"`
}

// MaxLeadBytes is the most a stored lead may weigh: the DynamoDB item limit less room for the
// item's keys and index attributes. A submission that would make a lead heavier is refused
// with 413 before anything is acknowledged.
const MaxLeadBytes = store.MaxItemBytes - 8*1024

// ErrLeadTooLarge: the lead (new, or merged with this submission) would be over MaxLeadBytes.
// It is permanent: a retry of the same submission is refused the same way.
var ErrLeadTooLarge = errors.New("lead too large")

// ErrIdempotencyKeyReused: the Idempotency-Key was first used with a different lead.
var ErrIdempotencyKeyReused = errors.New("Idempotency-Key reused with a different lead")

// leadSize is the stored size of l (its JSON, as both stores keep it).
func leadSize(l domain.Lead) int {
	b, _ := json.Marshal(l)
	return len(b)
}

func FieldErrors(err error) []httpapi.FieldError {
	var fe qualify.FieldErrors
	if !errors.As(err, &fe) {
		return []httpapi.FieldError{{Field: "body", Reason: err.Error()}}
	}
	out := make([]httpapi.FieldError, len(fe))
	for i, e := range fe {
		out[i] = httpapi.FieldError{Field: e.Field, Reason: e.Reason}
	}
	return out
}

func (in *Service) postLead(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	norm, err := webhook.ParseLeadJSON(body, "api", in.Normalizer)
	if err != nil {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidLead", "the lead has invalid fields", FieldErrors(err)...))
		return
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 255 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidIdempotencyKey", "Idempotency-Key is longer than 255 characters"))
		return
	}
	in.answer(w, r, norm.Lead, key)
}

func (in *Service) answer(w http.ResponseWriter, r *http.Request, l domain.Lead, idemKey string) {
	acc, err := in.Accept(r.Context(), l, idemKey)
	switch {
	case errors.Is(err, ErrLeadTooLarge) || errors.Is(err, store.ErrTooLarge):
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusRequestEntityTooLarge, Code: "LeadTooLarge",
			Message: fmt.Sprintf("the lead would be over %d bytes stored; nothing was accepted. Send fewer or shorter attributes (retrying the same submission will not help)", MaxLeadBytes),
			Fields:  []httpapi.FieldError{{Field: "attributes", Reason: "the lead with this submission does not fit one stored item"}}})
		return
	case errors.Is(err, ErrIdempotencyKeyReused):
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusUnprocessableEntity, Code: "IdempotencyKeyReused",
			Message: fmt.Sprintf("Idempotency-Key %q was first used for lead %s with a different body; that lead is unchanged. Send a new lead with a new key", idemKey, acc.ID),
			Fields:  []httpapi.FieldError{{Field: "Idempotency-Key", Reason: "already used with a different body"}}})
		return
	}
	if err != nil {
		in.Log.Error("lead intake failed", "error", err.Error())
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusServiceUnavailable, Code: "Unavailable",
			Message: "the lead could not be stored; nothing was accepted, retry later"})
		return
	}
	status := http.StatusAccepted
	if acc.Duplicate || acc.Merged {
		status = http.StatusOK
	}
	httpapi.WriteJSON(w, status, acc)
}

// Accept stores a normalised lead exactly once and queues Lead Received in the same write.
// Duplicates are recognised by Idempotency-Key, by (source, external id), and by email (then the
// submission is merged into the existing lead and starts no second workflow). A new lead, the
// keys that find it again and its event are one write (Store.CreateLeadClaiming).
func (in *Service) Accept(ctx context.Context, l domain.Lead, idemKey string) (Accepted, error) {
	id := newLeadID()
	now := in.Clock.Now()
	var keys []string // keys of this submission: a repeat of it finds the same lead
	var bodyKey string
	if idemKey != "" {
		keys = append(keys, "lead-idem:"+l.Source+":"+idemKey)
		// A second key names what the first was used for (the submission's hash), claimed in the
		// same write: a repeat holds both, a reuse with another lead holds only the first and is
		// told (422, as Stripe answers) instead of that lead being dropped silently.
		bodyKey = "lead-idem-body:" + l.Source + ":" + idemKey + ":" + leadHash(l)
	}
	if l.ExternalID != "" {
		keys = append(keys, "lead-ext:"+l.Source+":"+l.ExternalID)
	}
	emailKey := "lead-email:" + qualify.DedupeKey(l.Email)
	claims := append([]string(nil), keys...)
	if l.Email != "" {
		// A HubSpot contact known only by its id (its email is read in the workflow) has no email
		// that identifies it yet.
		claims = append(claims, emailKey)
	}
	nl, ev := newLead(id, l, now)
	if leadSize(nl) > MaxLeadBytes {
		return Accepted{}, fmt.Errorf("new lead: %w", ErrLeadTooLarge)
	}
	if bodyKey != "" {
		claims = append(claims, bodyKey)
	}
	_, held, err := in.Store.CreateLeadClaiming(ctx, nl, claims, ev)
	if errors.Is(err, store.ErrAlreadyExists) {
		return Accepted{ID: id, Duplicate: true}, nil
	}
	if err != nil {
		return Accepted{}, err
	}
	if len(held) == 0 {
		in.Log.Info("lead accepted", "lead_id", id, "source", l.Source)
		return Accepted{ID: id}, nil
	}
	if bodyKey != "" {
		if first, ok := held[keys[0]]; ok {
			if _, same := held[bodyKey]; !same {
				return Accepted{ID: first}, ErrIdempotencyKeyReused
			}
		}
	}
	for _, k := range keys {
		if got, ok := held[k]; ok {
			return in.existing(ctx, got, l, now)
		}
	}
	// Only the email is known: merge into that lead, and let this submission's keys find it.
	got := held[emailKey]
	ref := l.Source
	if l.ExternalID != "" {
		ref += ":" + l.ExternalID
	}
	merged, dropped, err := in.MergeInto(ctx, got, l, ref)
	if errors.Is(err, store.ErrNotFound) {
		// The email key was claimed but its lead never written (a crash between the two in a
		// version that wrote them apart): write it now, under the claimed id.
		return in.create(ctx, got, l, now)
	}
	if err != nil {
		return Accepted{}, err
	}
	if bodyKey != "" {
		keys = append(keys, bodyKey)
	}
	for _, k := range keys {
		if _, _, err := in.Store.PutIdempotencyKey(ctx, k, merged, 0); err != nil {
			in.Log.Warn("idempotency key for a merged lead not stored", "lead_id", merged, "error", err.Error())
		}
	}
	acc := Accepted{ID: merged, Merged: true}
	if !dropped.Empty() {
		acc.Dropped = &dropped
	}
	return acc, nil
}

// leadHash identifies what a submission asked for: the normalised lead, so a retry that only
// re-orders the JSON or changes white space is the same request.
func leadHash(l domain.Lead) string {
	b, _ := json.Marshal(l)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// existing answers a repeated submission. When the claimed lead is missing (the first attempt
// crashed after claiming the key), it is created now with the claimed id, so nothing is lost.
func (in *Service) existing(ctx context.Context, id string, l domain.Lead, now time.Time) (Accepted, error) {
	if _, err := in.Store.GetLead(ctx, id); err == nil {
		return Accepted{ID: id, Duplicate: true}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return Accepted{}, err
	}
	acc, err := in.create(ctx, id, l, now)
	if err != nil {
		return acc, err
	}
	return acc, nil
}

// newLead is l as a new lead with id and its Lead Received event.
func newLead(id string, l domain.Lead, now time.Time) (domain.Lead, store.OutboxEvent) {
	l.ID = id
	l.Status = domain.LeadNew
	l.CreatedAt, l.UpdatedAt = now, now
	evID := "lead-received-" + id
	detail, _ := json.Marshal(events.LeadReceivedDetail{Meta: events.Meta{ID: evID, OccurredAt: now}, LeadID: id, Source: l.Source, ExternalID: l.ExternalID})
	return l, store.OutboxEvent{ID: evID, DetailType: events.LeadReceived, Detail: detail}
}

func (in *Service) create(ctx context.Context, id string, l domain.Lead, now time.Time) (Accepted, error) {
	l, ev := newLead(id, l, now)
	_, err := in.Store.CreateLead(ctx, l, ev)
	if errors.Is(err, store.ErrAlreadyExists) {
		return Accepted{ID: id, Duplicate: true}, nil
	}
	if err != nil {
		return Accepted{}, err
	}
	in.Log.Info("lead accepted", "lead_id", id, "source", l.Source)
	return Accepted{ID: id}, nil
}

// MergeInto folds a duplicate submission into lead id (fields it lacked, attributes, touches)
// within the org's lead limits, says what was dropped, and re-scores it; a merge that lifts a
// routed lead into SQL re-routes it once. A merge that would make the lead heavier than
// MaxLeadBytes changes nothing and is ErrLeadTooLarge.
func (in *Service) MergeInto(ctx context.Context, id string, incoming domain.Lead, ref string) (string, qualify.MergeDropped, error) {
	var dropped qualify.MergeDropped
	_, _, err := in.rescore(ctx, id, func(old *domain.Lead) error {
		m, d := qualify.Merge(*old, incoming, ref, in.Org.Settings.LeadLimits)
		if leadSize(m) > MaxLeadBytes {
			return ErrLeadTooLarge
		}
		*old, dropped = m, d
		return nil
	})
	if err != nil {
		return "", dropped, err
	}
	in.Log.Info("lead merged into existing", "lead_id", id, "ref", ref, "dropped_attributes", len(dropped.Attributes), "dropped_refs", dropped.MergeRefs)
	return id, dropped, nil
}

// newLeadID returns "lead_" and 24 hex digits: the millisecond (48 bits), then 48 random bits.
// Ids made later sort later, so the leads table and its outbox grow at their ends (one page
// touched per batch of new leads instead of one random page per lead); the random half keeps
// ids unique and unguessable enough within a millisecond.
func newLeadID() string {
	var b [12]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	return "lead_" + hex.EncodeToString(b[:])
}

var formIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (in *Service) postForm(w http.ResponseWriter, r *http.Request) {
	formID := r.PathValue("formId")
	var form *domain.Form
	if formIDRE.MatchString(formID) {
		for i := range in.Org.Forms {
			if in.Org.Forms[i].ID == formID {
				form = &in.Org.Forms[i]
			}
		}
	}
	if form == nil {
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusNotFound, Code: "UnknownForm", Message: "no form with this id"})
		return
	}
	if wait, ok := in.limiter.allow(form, clientIP(r), in.Clock.Now()); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusTooManyRequests, Code: "RateLimited", Message: "too many submissions from this address; retry later"})
		return
	}
	body, herr := httpapi.ReadBody(r, "application/x-www-form-urlencoded")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	res, err := webhook.ParseMappedForm(body, formID, form.Honeypot, form.Fields, in.Normalizer)
	if err != nil {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidLead", "the form has invalid fields", FieldErrors(err)...))
		return
	}
	if res.Spam {
		in.Log.Info("form submission dropped as spam", "form", formID, "reason", res.SpamReason)
		httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "accepted"})
		return
	}
	l := res.Lead.Lead
	if form.Source != "" {
		l.Source = form.Source
	}
	// The submission is itself engagement: scored as the form's touch (scoring.engagement).
	l.Touches = []domain.Touch{{Kind: form.TouchKind(), At: in.Clock.Now(), Source: "form:" + form.ID}}
	in.answer(w, r, l, "")
}

// clientIP is the connection's address; X-Forwarded-For is trusted only from loopback (a local
// reverse proxy), so a client cannot pick its own rate-limit bucket.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
			first, _, _ := strings.Cut(fwd, ",")
			if p := net.ParseIP(strings.TrimSpace(first)); p != nil {
				return p.String()
			}
		}
	}
	return host
}

// rateLimiter is a fixed-window counter per form and client IP.
type rateLimiter struct {
	mu      sync.Mutex
	windows map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func (l *rateLimiter) allow(f *domain.Form, ip string, now time.Time) (time.Duration, bool) {
	limit, per := f.RateLimit.Requests, f.RateLimit.Per.Duration
	if limit <= 0 {
		limit = 10
	}
	if per <= 0 {
		per = time.Minute
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.windows == nil {
		l.windows = map[string]*window{}
	}
	if len(l.windows) > 100_000 { // bounded memory: drop expired windows
		for k, w := range l.windows {
			if now.Sub(w.start) >= per {
				delete(l.windows, k)
			}
		}
	}
	k := f.ID + "|" + ip
	w := l.windows[k]
	if w == nil || now.Sub(w.start) >= per {
		w = &window{start: now}
		l.windows[k] = w
	}
	if w.n >= limit {
		return per - now.Sub(w.start), false
	}
	w.n++
	return 0, true
}
