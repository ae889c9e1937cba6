package lead

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	// MergedInto is set when the submission's email matched an existing lead.
	Merged bool `json:"merged,omitempty"`
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
	body, herr := in.signed(r, true)
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
	if idemKey != "" {
		keys = append(keys, "lead-idem:"+l.Source+":"+idemKey)
	}
	if l.ExternalID != "" {
		keys = append(keys, "lead-ext:"+l.Source+":"+l.ExternalID)
	}
	emailKey := "lead-email:" + qualify.DedupeKey(l.Email)
	claim := append(keys, emailKey)
	if l.Email == "" {
		// A HubSpot contact known only by its id (its email is read in the workflow): no email
		// identifies it yet.
		claim = keys
	}
	nl, ev := newLead(id, l, now)
	_, held, err := in.Store.CreateLeadClaiming(ctx, nl, claim, ev)
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
	merged, err := in.MergeInto(ctx, got, l, ref)
	if errors.Is(err, store.ErrNotFound) {
		// The email key was claimed but its lead never written (a crash between the two in a
		// version that wrote them apart): write it now, under the claimed id.
		return in.create(ctx, got, l, now)
	}
	if err != nil {
		return Accepted{}, err
	}
	for _, k := range keys {
		if _, _, err := in.Store.PutIdempotencyKey(ctx, k, merged, 0); err != nil {
			in.Log.Warn("idempotency key for a merged lead not stored", "lead_id", merged, "error", err.Error())
		}
	}
	return Accepted{ID: merged, Merged: true}, nil
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

func (in *Service) MergeInto(ctx context.Context, id string, incoming domain.Lead, ref string) (string, error) {
	_, err := in.Store.UpdateLead(ctx, id, func(old domain.Lead) (domain.Lead, error) {
		m := qualify.Merge(old, incoming, ref)
		m.UpdatedAt = in.Clock.Now()
		return m, nil
	})
	if err != nil {
		return "", err
	}
	in.Log.Info("lead merged into existing", "lead_id", id, "ref", ref)
	return id, nil
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
	res, err := webhook.ParseForm(body, formID, form.Honeypot, in.Normalizer)
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
