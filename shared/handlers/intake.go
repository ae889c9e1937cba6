package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
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

// MaxBodyBytes is the largest request body intake accepts (the EventBridge entry limit).
const MaxBodyBytes = 256 * 1024

// CRM reads what a HubSpot webhook does not carry (a contact's properties). It is a port: the
// HubSpot API client on AWS, a fake in tests; nil means "use only what the webhook sent".
type CRM interface {
	Contact(ctx context.Context, contactID int64) (map[string]string, error)
}

// Intake serves the lead intake routes: POST /v1/leads, /v1/webhooks/hubspot, /v1/forms/{formId}.
type Intake struct {
	*Deps
	// LeadSecrets verify Dealflow-Signature (several while rotating).
	LeadSecrets []string
	HubSpot     webhook.HubSpotVerifier
	CRM         CRM
	// PublicURL, when set, is the scheme://host HubSpot called (the URI it signed), for
	// deployments behind a proxy.
	PublicURL string

	limiter rateLimiter
}

// Handlers returns the intake handlers keyed by route pattern (httpapi.Route.MuxPattern).
func (in *Intake) Handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"POST /v1/leads":            in.postLead,
		"POST /v1/webhooks/hubspot": in.postHubSpot,
		"POST /v1/forms/{formId}":   in.postForm,
	}
}

// Accepted is the body of a 202 (new lead) or 200 (duplicate) answer.
type Accepted struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate,omitempty"`
	// MergedInto is set when the submission's email matched an existing lead.
	Merged bool `json:"merged,omitempty"`
}

func badRequest(code, msg string, fields ...httpapi.FieldError) *httpapi.Error {
	return &httpapi.Error{Status: http.StatusBadRequest, Code: code, Message: msg, Fields: fields}
}

// readBody enforces the content type and the size limit.
func readBody(r *http.Request, wantType string) ([]byte, *httpapi.Error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != wantType {
		return nil, &httpapi.Error{Status: http.StatusUnsupportedMediaType, Code: "UnsupportedMediaType",
			Message: fmt.Sprintf("Content-Type must be %s (got %q)", wantType, r.Header.Get("Content-Type"))}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, badRequest("BadRequest", "could not read the request body")
	}
	if len(body) > MaxBodyBytes {
		return nil, &httpapi.Error{Status: http.StatusRequestEntityTooLarge, Code: "PayloadTooLarge",
			Message: fmt.Sprintf("request body is over %d bytes", MaxBodyBytes)}
	}
	return body, nil
}

// signedBody reads a JSON body (when needBody) and checks its Dealflow-Signature against the
// secrets: the one check every signed API route shares (leads, deals, activities, handoffs).
func (d *Deps) signedBody(r *http.Request, secrets []string, needBody bool) ([]byte, *httpapi.Error) {
	var body []byte
	if needBody {
		var herr *httpapi.Error
		if body, herr = readBody(r, "application/json"); herr != nil {
			return nil, herr
		}
	}
	v := webhook.DealflowVerifier{Secrets: secrets, Tolerance: d.Org.Webhooks.Leads.Tolerance.Duration}
	if err := v.Verify(r.Header.Get(webhook.HeaderDealflowSignature), body, d.Clock.Now()); err != nil {
		return nil, &httpapi.Error{Status: http.StatusUnauthorized, Code: "InvalidSignature", Message: err.Error()}
	}
	return body, nil
}

func fieldErrors(err error) []httpapi.FieldError {
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

func (in *Intake) postLead(w http.ResponseWriter, r *http.Request) {
	body, herr := in.signedBody(r, in.LeadSecrets, true)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	norm, err := webhook.ParseLeadJSON(body, "api")
	if err != nil {
		httpapi.WriteError(w, badRequest("InvalidLead", "the lead has invalid fields", fieldErrors(err)...))
		return
	}
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if len(key) > 255 {
		httpapi.WriteError(w, badRequest("InvalidIdempotencyKey", "Idempotency-Key is longer than 255 characters"))
		return
	}
	in.answer(w, r, norm.Lead, key)
}

func (in *Intake) answer(w http.ResponseWriter, r *http.Request, l domain.Lead, idemKey string) {
	acc, err := in.Accept(r.Context(), l, idemKey)
	if err != nil {
		in.logger().Error("lead intake failed", "error", err.Error())
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
func (in *Intake) Accept(ctx context.Context, l domain.Lead, idemKey string) (Accepted, error) {
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
	nl, ev := newLead(id, l, now)
	_, held, err := in.Store.CreateLeadClaiming(ctx, nl, append(keys, emailKey), ev)
	if errors.Is(err, store.ErrAlreadyExists) {
		return Accepted{ID: id, Duplicate: true}, nil
	}
	if err != nil {
		return Accepted{}, err
	}
	if len(held) == 0 {
		in.logger().Info("lead accepted", "lead_id", id, "source", l.Source)
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
	merged, err := in.mergeInto(ctx, got, l, ref)
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
			in.logger().Warn("idempotency key for a merged lead not stored", "lead_id", merged, "error", err.Error())
		}
	}
	return Accepted{ID: merged, Merged: true}, nil
}

// existing answers a repeated submission. When the claimed lead is missing (the first attempt
// crashed after claiming the key), it is created now with the claimed id, so nothing is lost.
func (in *Intake) existing(ctx context.Context, id string, l domain.Lead, now time.Time) (Accepted, error) {
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

func (in *Intake) create(ctx context.Context, id string, l domain.Lead, now time.Time) (Accepted, error) {
	l, ev := newLead(id, l, now)
	_, err := in.Store.CreateLead(ctx, l, ev)
	if errors.Is(err, store.ErrAlreadyExists) {
		return Accepted{ID: id, Duplicate: true}, nil
	}
	if err != nil {
		return Accepted{}, err
	}
	in.logger().Info("lead accepted", "lead_id", id, "source", l.Source)
	return Accepted{ID: id}, nil
}

func (in *Intake) mergeInto(ctx context.Context, id string, incoming domain.Lead, ref string) (string, error) {
	_, err := in.Store.UpdateLead(ctx, id, func(old domain.Lead) (domain.Lead, error) {
		m := qualify.Merge(old, incoming, ref)
		m.UpdatedAt = in.Clock.Now()
		return m, nil
	})
	if err != nil {
		return "", err
	}
	in.logger().Info("lead merged into existing", "lead_id", id, "ref", ref)
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

// requestURI is the full URI the caller used: what HubSpot signs.
func (in *Intake) requestURI(r *http.Request) string {
	if in.PublicURL != "" {
		return strings.TrimSuffix(in.PublicURL, "/") + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") || r.URL.Scheme == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// HubSpotResult summarises one webhook batch.
type HubSpotResult struct {
	Accepted   []string `json:"accepted"`
	Duplicates int      `json:"duplicates"`
	Ignored    []string `json:"ignored,omitempty"`
}

func (in *Intake) postHubSpot(w http.ResponseWriter, r *http.Request) {
	body, herr := readBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	req := webhook.HubSpotRequestFromHeaders(r.Method, in.requestURI(r), body, r.Header.Get)
	if err := in.HubSpot.Verify(req, in.Clock.Now()); err != nil {
		httpapi.WriteError(w, &httpapi.Error{Status: http.StatusUnauthorized, Code: "InvalidSignature", Message: err.Error()})
		return
	}
	evs, err := webhook.ParseHubSpotBatch(body)
	if err != nil {
		httpapi.WriteError(w, badRequest("InvalidBatch", "the webhook batch has invalid events", fieldErrors(err)...))
		return
	}
	var res HubSpotResult
	for _, ev := range evs {
		if handled, err := in.hubSpotObject(r.Context(), ev, &res); handled {
			if err != nil {
				in.unavailable(w, err)
				return
			}
			continue
		}
		if !ev.IsContact() || (ev.Action() != "creation" && ev.Action() != "propertyChange") {
			res.Ignored = append(res.Ignored, fmt.Sprintf("event %d: %s is not a contact creation or change", ev.EventID, ev.SubscriptionType))
			continue
		}
		// Processing is idempotent (the contact id dedupes the lead, a property change merges to
		// the same value), so the event is marked seen only once it is fully processed: a
		// failure part-way answers 503 and HubSpot's retry does the work again.
		props := map[string]string{}
		if in.CRM != nil {
			if props, err = in.CRM.Contact(r.Context(), ev.ObjectID); err != nil {
				in.unavailable(w, fmt.Errorf("read contact %d from HubSpot: %w", ev.ObjectID, err))
				return
			}
		}
		if ev.PropertyName != "" {
			props[ev.PropertyName] = ev.PropertyValue
		}
		norm, err := qualify.Normalize(webhook.HubSpotContactInput(ev.ObjectID, props))
		if err != nil {
			res.Ignored = append(res.Ignored, fmt.Sprintf("event %d: contact %d: %v", ev.EventID, ev.ObjectID, err))
			continue
		}
		acc, err := in.Accept(r.Context(), norm.Lead, "")
		if err == nil && acc.Duplicate && ev.Action() == "propertyChange" {
			_, err = in.mergeInto(r.Context(), acc.ID, norm.Lead, "hubspot-event:"+ev.DedupeKey())
		}
		if err != nil {
			in.unavailable(w, err)
			return
		}
		_, created, err := in.Store.PutIdempotencyKey(r.Context(), "hubspot-event:"+ev.DedupeKey(), acc.ID, 30*24*time.Hour)
		if err != nil {
			in.unavailable(w, err)
			return
		}
		if !created {
			res.Duplicates++
			continue
		}
		res.Accepted = append(res.Accepted, acc.ID)
	}
	httpapi.WriteJSON(w, http.StatusOK, res)
}

func (in *Intake) unavailable(w http.ResponseWriter, err error) {
	in.logger().Error("intake unavailable", "error", err.Error())
	httpapi.WriteError(w, &httpapi.Error{Status: http.StatusServiceUnavailable, Code: "Unavailable", Message: "temporarily unavailable; retry later"})
}

var formIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func (in *Intake) postForm(w http.ResponseWriter, r *http.Request) {
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
	body, herr := readBody(r, "application/x-www-form-urlencoded")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	res, err := webhook.ParseForm(body, formID, form.Honeypot)
	if err != nil {
		httpapi.WriteError(w, badRequest("InvalidLead", "the form has invalid fields", fieldErrors(err)...))
		return
	}
	if res.Spam {
		in.logger().Info("form submission dropped as spam", "form", formID, "reason", res.SpamReason)
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
