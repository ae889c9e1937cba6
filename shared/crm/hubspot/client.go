package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// ContactProperties are the contact properties scoring and routing use (the lead fields of
// webhook.HubSpotContactInput) plus the owner, read with every contact.
var ContactProperties = []string{"email", "firstname", "lastname", "company", "website", "jobtitle", "phone", "mobilephone",
	"country", "state", "numberofemployees", "industry", "hubspot_owner_id"}

// Client is a HubSpot CRM API client for a private app's access token. It keeps under the
// per-10-second burst limit, waits out a 429's Retry-After, and retries 5xx a few times with
// backoff; a call that still fails returns an *APIError whose Temporary() says whether the
// workflow should retry the task (the client never retries in the background).
// https://developers.hubspot.com/docs/api/usage-details
type Client struct {
	base  string
	token string
	http  *http.Client
	clock clock.Clock
	// limiter keeps requests within Budget per Window.
	limiter *windowLimiter
	// attempts per call (first try included); backoff is the first 5xx wait, doubled each time;
	// maxWait is the longest Retry-After waited in the call, longer ones go back to the workflow.
	attempts int
	backoff  time.Duration
	maxWait  time.Duration

	ownersTTL time.Duration
	mu        sync.Mutex
	loadMu    sync.Mutex        // held while the owners list loads
	owners    map[string]string // lower-case email → owner id
	ownersAt  time.Time
}

// ClientOptions tune a Client; zero values take the defaults.
type ClientOptions struct {
	HTTP  *http.Client
	Clock clock.Clock
	// Budget requests per Window: default 100 per 10 s, the lowest private-app burst limit
	// (https://developers.hubspot.com/docs/api/usage-details).
	Budget int
	Window time.Duration
	// Attempts per call (default 4), Backoff the first wait after a 5xx (default 500 ms),
	// MaxWait the longest Retry-After honoured inside a call (default 10 s).
	Attempts int
	Backoff  time.Duration
	MaxWait  time.Duration
	// OwnersTTL is how long the owners list is cached (default 10 minutes).
	OwnersTTL time.Duration
}

// NewClient returns a client for the API at base (e.g. https://api.hubapi.com) with token.
func NewClient(base, token string, o ClientOptions) *Client {
	c := &Client{base: strings.TrimSuffix(base, "/"), token: token, http: o.HTTP, clock: o.Clock,
		attempts: o.Attempts, backoff: o.Backoff, maxWait: o.MaxWait, ownersTTL: o.OwnersTTL}
	if c.http == nil {
		c.http = &http.Client{Timeout: 20 * time.Second}
	}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	if c.attempts <= 0 {
		c.attempts = 4
	}
	if c.backoff <= 0 {
		c.backoff = 500 * time.Millisecond
	}
	if c.maxWait <= 0 {
		c.maxWait = 10 * time.Second
	}
	if c.ownersTTL <= 0 {
		c.ownersTTL = 10 * time.Minute
	}
	budget, window := o.Budget, o.Window
	if budget <= 0 {
		budget = 100
	}
	if window <= 0 {
		window = 10 * time.Second
	}
	c.limiter = &windowLimiter{budget: budget, window: window, clock: c.clock}
	return c
}

// APIError is a HubSpot answer other than 2xx, or a failure to reach HubSpot (Status 0). The
// fields are those of HubSpot's error body.
// https://developers.hubspot.com/docs/api-reference/error-handling
type APIError struct {
	Method, Path  string
	Status        int
	Category      string `json:"category"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
	// RetryAfter is the wait a 429 asked for.
	RetryAfter time.Duration
	Err        error
}

func (e *APIError) Error() string {
	if e.Status == 0 {
		return fmt.Sprintf("HubSpot %s %s: %v", e.Method, e.Path, e.Err)
	}
	msg := e.Message
	if e.Category != "" {
		msg = e.Category + ": " + msg
	}
	return fmt.Sprintf("HubSpot %s %s: %d %s", e.Method, e.Path, e.Status, msg)
}

func (e *APIError) Unwrap() error { return e.Err }

// Temporary: a rate limit, a HubSpot outage or a network failure, which a later try may pass.
func (e *APIError) Temporary() bool { return e.Status == 0 || e.Status == 429 || e.Status >= 500 }

// NotFound: the object does not exist (or was archived).
func (e *APIError) NotFound() bool { return e.Status == http.StatusNotFound }

// IsTemporary reports whether err is a HubSpot failure a retry may pass.
func IsTemporary(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Temporary()
}

// do sends one API call, within the rate budget, retrying 429 and 5xx, and decodes a 2xx JSON
// answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var last *APIError
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			wait := c.backoff << (attempt - 1)
			if last.Status == http.StatusTooManyRequests {
				wait = last.RetryAfter
				if wait <= 0 {
					wait = time.Second
				}
			}
			if wait > c.maxWait {
				return last // a long wait belongs to the workflow's Retry, not to this call
			}
			if err := sleep(ctx, c.clock, wait); err != nil {
				return last
			}
		}
		slot, err := c.limiter.wait(ctx)
		if err != nil {
			return &APIError{Method: method, Path: path, Err: err}
		}
		last = c.once(ctx, method, path, u, payload, out)
		c.limiter.done(slot)
		if last == nil {
			return nil
		}
		if !last.Temporary() {
			return last
		}
	}
	return last
}

func (c *Client) once(ctx context.Context, method, path, u string, payload []byte, out any) *APIError {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return &APIError{Method: method, Path: path, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		// Private apps send their access token as a bearer token.
		// https://developers.hubspot.com/docs/api/private-apps
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return &APIError{Method: method, Path: path, Err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return &APIError{Method: method, Path: path, Err: err}
	}
	if res.StatusCode/100 == 2 {
		if out == nil || len(b) == 0 {
			return nil
		}
		if err := json.Unmarshal(b, out); err != nil {
			return &APIError{Method: method, Path: path, Status: res.StatusCode, Message: "unreadable answer: " + err.Error()}
		}
		return nil
	}
	ae := &APIError{Method: method, Path: path, Status: res.StatusCode}
	_ = json.Unmarshal(b, ae)
	ae.Method, ae.Path, ae.Status = method, path, res.StatusCode
	if ae.Message == "" {
		ae.Message = strings.TrimSpace(string(b))
	}
	if s := res.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			ae.RetryAfter = time.Duration(n) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			ae.RetryAfter = t.Sub(c.clock.Now())
		}
	}
	return ae
}

func sleep(ctx context.Context, clk clock.Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// windowLimiter allows budget requests in any window, as HubSpot counts them (a rolling
// window). A request is counted from when its answer came back: HubSpot saw it before then, so
// waiting until the request budget places back was answered a window ago keeps HubSpot's count
// within budget whatever the network delays.
type windowLimiter struct {
	budget int
	window time.Duration
	clock  clock.Clock
	mu     sync.Mutex
	sent   []*time.Time // the last budget requests, in sending order
}

func (l *windowLimiter) wait(ctx context.Context) (*time.Time, error) {
	for {
		l.mu.Lock()
		now := l.clock.Now()
		if len(l.sent) < l.budget {
			slot := &now
			l.sent = append(l.sent, slot)
			l.mu.Unlock()
			return slot, nil
		}
		free := l.sent[0].Add(l.window)
		if !now.Before(free) {
			slot := &now
			l.sent = append(l.sent[1:], slot)
			l.mu.Unlock()
			return slot, nil
		}
		l.mu.Unlock()
		if err := sleep(ctx, l.clock, free.Sub(now)); err != nil {
			return nil, err
		}
	}
}

// done moves a request's time to when its answer came back.
func (l *windowLimiter) done(slot *time.Time) {
	l.mu.Lock()
	*slot = l.clock.Now()
	l.mu.Unlock()
}

// Object is a CRM record as the v3 objects API returns it.
type Object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"-"`
	UpdatedAt  string            `json:"updatedAt,omitempty"`
	Archived   bool              `json:"archived,omitempty"`
}

// UnmarshalJSON reads properties, which HubSpot sends as strings or null; a fake (or an older
// API) sending numbers or booleans is read too.
func (o *Object) UnmarshalJSON(b []byte) error {
	var raw struct {
		ID         string                     `json:"id"`
		Properties map[string]json.RawMessage `json:"properties"`
		UpdatedAt  string                     `json:"updatedAt"`
		Archived   bool                       `json:"archived"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	o.ID, o.UpdatedAt, o.Archived = raw.ID, raw.UpdatedAt, raw.Archived
	o.Properties = map[string]string{}
	for k, v := range raw.Properties {
		var s string
		if t := strings.TrimSpace(string(v)); t == "null" {
			continue
		}
		if json.Unmarshal(v, &s) == nil {
			o.Properties[k] = s
			continue
		}
		o.Properties[k] = strings.TrimSpace(string(v))
	}
	return nil
}

func (c *Client) getObject(ctx context.Context, kind, id string, props []string) (Object, error) {
	var o Object
	q := url.Values{}
	if len(props) > 0 {
		q.Set("properties", strings.Join(props, ","))
	}
	err := c.do(ctx, http.MethodGet, "/crm/v3/objects/"+kind+"/"+url.PathEscape(id), q, nil, &o)
	return o, err
}

func (c *Client) patchObject(ctx context.Context, kind, id string, props map[string]string) (Object, error) {
	var o Object
	err := c.do(ctx, http.MethodPatch, "/crm/v3/objects/"+kind+"/"+url.PathEscape(id), nil, map[string]any{"properties": props}, &o)
	return o, err
}

// GetContact reads a contact with the given properties.
// GET /crm/v3/objects/contacts/{contactId}?properties=… https://developers.hubspot.com/docs/api/crm/contacts
func (c *Client) GetContact(ctx context.Context, id string, props []string) (Object, error) {
	return c.getObject(ctx, "contacts", id, props)
}

// Contact reads a contact's ContactProperties (platform.CRM).
func (c *Client) Contact(ctx context.Context, id int64) (map[string]string, error) {
	o, err := c.GetContact(ctx, strconv.FormatInt(id, 10), ContactProperties)
	if err != nil {
		return nil, err
	}
	return o.Properties, nil
}

// UpdateContact sets contact properties.
// PATCH /crm/v3/objects/contacts/{contactId} {"properties":{…}} https://developers.hubspot.com/docs/api/crm/contacts
func (c *Client) UpdateContact(ctx context.Context, id string, props map[string]string) (Object, error) {
	return c.patchObject(ctx, "contacts", id, props)
}

// GetCompany reads a company with the given properties.
// GET /crm/v3/objects/companies/{companyId} https://developers.hubspot.com/docs/api/crm/companies
func (c *Client) GetCompany(ctx context.Context, id string, props []string) (Object, error) {
	return c.getObject(ctx, "companies", id, props)
}

// GetDeal reads a deal with the given properties.
// GET /crm/v3/objects/deals/{dealId} https://developers.hubspot.com/docs/api/crm/deals
func (c *Client) GetDeal(ctx context.Context, id string, props []string) (Object, error) {
	return c.getObject(ctx, "deals", id, props)
}

// UpdateDeal sets deal properties.
// PATCH /crm/v3/objects/deals/{dealId} https://developers.hubspot.com/docs/api/crm/deals
func (c *Client) UpdateDeal(ctx context.Context, id string, props map[string]string) (Object, error) {
	return c.patchObject(ctx, "deals", id, props)
}

// paging is the cursor block of HubSpot's list answers.
type paging struct {
	Next *struct {
		After string `json:"after"`
	} `json:"next"`
}

// ContactCompanies lists the ids of the companies a contact is associated with, every page.
// GET /crm/v4/objects/contacts/{contactId}/associations/companies?after=…
// https://developers.hubspot.com/docs/api/crm/associations
func (c *Client) ContactCompanies(ctx context.Context, contactID string) ([]string, error) {
	var ids []string
	after := ""
	for {
		q := url.Values{"limit": {"500"}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Results []struct {
				ToObjectID json.Number `json:"toObjectId"`
			} `json:"results"`
			Paging paging `json:"paging"`
		}
		if err := c.do(ctx, http.MethodGet, "/crm/v4/objects/contacts/"+url.PathEscape(contactID)+"/associations/companies", q, nil, &page); err != nil {
			return nil, err
		}
		for _, r := range page.Results {
			ids = append(ids, r.ToObjectID.String())
		}
		if page.Paging.Next == nil || page.Paging.Next.After == "" {
			return ids, nil
		}
		after = page.Paging.Next.After
	}
}

// Owner is a HubSpot user records can be assigned to.
type Owner struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	UserID    int64  `json:"userId,omitempty"`
	Archived  bool   `json:"archived,omitempty"`
}

// Owners lists every owner, page by page.
// GET /crm/v3/owners?limit=100&after=… https://developers.hubspot.com/docs/api-reference/crm-crm-owners-v3/guide
func (c *Client) Owners(ctx context.Context) ([]Owner, error) {
	var out []Owner
	after := ""
	for {
		q := url.Values{"limit": {"100"}}
		if after != "" {
			q.Set("after", after)
		}
		var page struct {
			Results []Owner `json:"results"`
			Paging  paging  `json:"paging"`
		}
		if err := c.do(ctx, http.MethodGet, "/crm/v3/owners", q, nil, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Results...)
		if page.Paging.Next == nil || page.Paging.Next.After == "" {
			return out, nil
		}
		after = page.Paging.Next.After
	}
}

// OwnerIDByEmail maps a rep's email onto their HubSpot owner id (the id, not the userId, is
// what ownership takes). The owners list is cached for OwnersTTL; an email missing from a list
// older than a minute reloads it once (a rep added to HubSpot since).
func (c *Client) OwnerIDByEmail(ctx context.Context, email string) (string, bool, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	cached := func() (id string, found, decided bool) {
		c.mu.Lock()
		owners, at := c.owners, c.ownersAt
		c.mu.Unlock()
		age := c.clock.Now().Sub(at)
		if owners == nil || age >= c.ownersTTL {
			return "", false, false
		}
		id, found = owners[key]
		return id, found, found || age < time.Minute
	}
	if id, found, ok := cached(); ok {
		return id, found, nil
	}
	// One load at a time: leads routed together wait for the same list.
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	if id, found, ok := cached(); ok {
		return id, found, nil
	}
	now := c.clock.Now()
	list, err := c.Owners(ctx)
	if err != nil {
		return "", false, err
	}
	m := make(map[string]string, len(list))
	for _, o := range list {
		if o.Email != "" && !o.Archived {
			m[strings.ToLower(o.Email)] = o.ID
		}
	}
	c.mu.Lock()
	c.owners, c.ownersAt = m, now
	c.mu.Unlock()
	id, ok := m[key]
	return id, ok, nil
}

// Task is a HubSpot task to create.
type Task struct {
	Subject, Body string
	Due           time.Time
	OwnerID       string
	// DealID and ContactID, when set, associate the task with that deal or contact.
	DealID, ContactID string
	// Priority is LOW, MEDIUM or HIGH.
	Priority string
}

// Association type ids of the HUBSPOT_DEFINED task associations.
// https://developers.hubspot.com/docs/api/crm/associations (task to contact 204, task to deal 216)
const (
	assocTaskToContact = 204
	assocTaskToDeal    = 216
)

// CreateTask creates a task (status NOT_STARTED) assigned to its owner.
// POST /crm/v3/objects/tasks https://developers.hubspot.com/docs/api/crm/tasks
func (c *Client) CreateTask(ctx context.Context, t Task) (Object, error) {
	props := map[string]string{"hs_timestamp": t.Due.UTC().Format(time.RFC3339), "hs_task_subject": t.Subject, "hs_task_body": t.Body,
		"hs_task_status": "NOT_STARTED", "hs_task_type": "TODO"}
	if t.OwnerID != "" {
		props["hubspot_owner_id"] = t.OwnerID
	}
	if t.Priority != "" {
		props["hs_task_priority"] = t.Priority
	}
	type assocType struct {
		Category string `json:"associationCategory"`
		TypeID   int    `json:"associationTypeId"`
	}
	type assoc struct {
		To struct {
			ID string `json:"id"`
		} `json:"to"`
		Types []assocType `json:"types"`
	}
	var assocs []assoc
	add := func(id string, typeID int) {
		if id == "" {
			return
		}
		a := assoc{Types: []assocType{{"HUBSPOT_DEFINED", typeID}}}
		a.To.ID = id
		assocs = append(assocs, a)
	}
	add(t.ContactID, assocTaskToContact)
	add(t.DealID, assocTaskToDeal)
	body := map[string]any{"properties": props}
	if len(assocs) > 0 {
		body["associations"] = assocs
	}
	var o Object
	err := c.do(ctx, http.MethodPost, "/crm/v3/objects/tasks", nil, body, &o)
	return o, err
}
