// Package hubspottest is a fake HubSpot CRM API for tests, written from HubSpot's public API
// documentation: the v3 objects endpoints for contacts, companies, deals and tasks, v4
// associations, v3 owners with `after` paging, HubSpot's error bodies, the per-10-second burst
// limit answered with 429 and Retry-After, and an outage switch (503). Every call is recorded.
//
//	https://developers.hubspot.com/docs/api/crm/understanding-the-crm
//	https://developers.hubspot.com/docs/api-reference/error-handling
//	https://developers.hubspot.com/docs/api/usage-details
package hubspottest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
)

// Call is one request the fake answered.
type Call struct {
	Method, Path, Query string
	Body                string
	Status              int
	At                  time.Time
}

// Owner is an owner of the fake portal.
type Owner struct {
	ID, Email, FirstName, LastName string
	UserID                         int64
}

// Fake is the fake HubSpot. Configure it before or while serving; it is safe for concurrent use.
type Fake struct {
	// Token, when set, is the access token required as "Authorization: Bearer …".
	Token string
	// Budget requests per Window (default 100 per 10 s) before answering 429.
	Budget int
	Window time.Duration
	// RetryAfter is the Retry-After (whole seconds) of a 429 (default 1).
	RetryAfter int
	// OwnersPageSize is the page size of GET /crm/v3/owners (default: the request's limit).
	OwnersPageSize int
	Clock          clock.Clock

	mu       sync.Mutex
	objects  map[string]map[string]map[string]string // kind → id → properties
	assoc    map[string][]string                     // contact id → company ids
	owners   []Owner
	calls    []Call
	down     bool
	throttle int // the next throttle requests are answered 429 whatever the budget
	sent     []time.Time
	nextID   int64
}

// New returns an empty fake portal.
func New() *Fake {
	return &Fake{objects: map[string]map[string]map[string]string{}, assoc: map[string][]string{}, nextID: 90000}
}

// Start serves f on a local port until the test ends; it returns the base URL.
func (f *Fake) Start(t testing.TB) string {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return srv.URL
}

// PutContact, PutCompany and PutDeal store a record with its properties.
func (f *Fake) PutContact(id string, props map[string]string) { f.put("contacts", id, props) }
func (f *Fake) PutCompany(id string, props map[string]string) { f.put("companies", id, props) }
func (f *Fake) PutDeal(id string, props map[string]string)    { f.put("deals", id, props) }

func (f *Fake) put(kind, id string, props map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.objects[kind] == nil {
		f.objects[kind] = map[string]map[string]string{}
	}
	cp := map[string]string{"hs_object_id": id}
	for k, v := range props {
		cp[k] = v
	}
	f.objects[kind][id] = cp
}

// Associate links a contact to a company.
func (f *Fake) Associate(contactID, companyID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.assoc[contactID] = append(f.assoc[contactID], companyID)
}

// AddOwner adds an owner.
func (f *Fake) AddOwner(o Owner) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.owners = append(f.owners, o)
}

// Property reads a stored property ("" when unset).
func (f *Fake) Property(kind, id, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.objects[kind][id][name]
}

// Objects lists the stored records of a kind (e.g. "tasks"), by id.
func (f *Fake) Objects(kind string) map[string]map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]map[string]string{}
	for id, p := range f.objects[kind] {
		cp := map[string]string{}
		for k, v := range p {
			cp[k] = v
		}
		out[id] = cp
	}
	return out
}

// SetDown makes every request answer 503 (an outage) until SetDown(false).
func (f *Fake) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// Throttle answers the next n requests 429 with Retry-After, as a burst over the limit would.
func (f *Fake) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = n
}

// Calls returns the recorded calls, optionally only those whose "METHOD path" starts with prefix.
func (f *Fake) Calls(prefix string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if strings.HasPrefix(c.Method+" "+c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// MaxInWindow is the most requests that reached the fake within any Window (answered or not):
// what a client honouring the limit keeps at or under Budget.
func (f *Fake) MaxInWindow() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.window()
	times := make([]time.Time, 0, len(f.calls))
	for _, c := range f.calls {
		times = append(times, c.At)
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= w {
			lo++
		}
		if n := hi - lo + 1; n > best {
			best = n
		}
	}
	return best
}

func (f *Fake) window() time.Duration {
	if f.Window > 0 {
		return f.Window
	}
	return 10 * time.Second
}

func (f *Fake) now() time.Time {
	if f.Clock != nil {
		return f.Clock.Now()
	}
	return time.Now()
}

// hsError writes HubSpot's error body.
func hsError(w http.ResponseWriter, status int, category, msg string, extra map[string]any) {
	body := map[string]any{"status": "error", "message": msg, "correlationId": fmt.Sprintf("fake-%d", time.Now().UnixNano()), "category": category}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(s int) { r.status = s; r.ResponseWriter.WriteHeader(s) }

// ServeHTTP answers one API call.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := &recorder{ResponseWriter: w, status: 200}
	f.mu.Lock()
	now := f.now()
	call := Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Body: string(body), At: now}
	defer func() {
		call.Status = rec.status
		f.mu.Lock()
		f.calls = append(f.calls, call)
		f.mu.Unlock()
	}()
	if f.down {
		f.mu.Unlock()
		hsError(rec, http.StatusServiceUnavailable, "INTERNAL_ERROR", "Service Unavailable", nil)
		return
	}
	if f.Token != "" && r.Header.Get("Authorization") != "Bearer "+f.Token {
		f.mu.Unlock()
		hsError(rec, http.StatusUnauthorized, "INVALID_AUTHENTICATION", "Authentication credentials not found.", nil)
		return
	}
	limited := f.limited(now)
	f.mu.Unlock()
	if limited {
		ra := f.RetryAfter
		if ra <= 0 {
			ra = 1
		}
		rec.Header().Set("Retry-After", strconv.Itoa(ra))
		// The burst-limit answer: https://developers.hubspot.com/docs/api/usage-details
		hsError(rec, http.StatusTooManyRequests, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.",
			map[string]any{"errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"})
		return
	}
	f.route(rec, r, body)
}

// limited counts the request against the rolling window; f.mu is held.
func (f *Fake) limited(now time.Time) bool {
	if f.throttle > 0 {
		f.throttle--
		return true
	}
	budget := f.Budget
	if budget <= 0 {
		budget = 100
	}
	cut := now.Add(-f.window())
	kept := f.sent[:0]
	for _, t := range f.sent {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	f.sent = kept
	if len(f.sent) >= budget {
		return true
	}
	f.sent = append(f.sent, now)
	return false
}

func (f *Fake) route(w http.ResponseWriter, r *http.Request, body []byte) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "crm" && parts[1] == "v3" && parts[2] == "owners" && r.Method == http.MethodGet:
		f.listOwners(w, r)
	case len(parts) == 4 && parts[0] == "crm" && parts[1] == "v3" && parts[2] == "objects" && r.Method == http.MethodPost:
		f.create(w, parts[3], body)
	case len(parts) == 5 && parts[0] == "crm" && parts[1] == "v3" && parts[2] == "objects" && r.Method == http.MethodGet:
		f.get(w, r, parts[3], parts[4])
	case len(parts) == 5 && parts[0] == "crm" && parts[1] == "v3" && parts[2] == "objects" && r.Method == http.MethodPatch:
		f.patch(w, parts[3], parts[4], body)
	case len(parts) == 7 && parts[0] == "crm" && parts[1] == "v4" && parts[3] == "contacts" && parts[5] == "associations" && parts[6] == "companies" && r.Method == http.MethodGet:
		f.associations(w, r, parts[4])
	default:
		hsError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "No route for "+r.Method+" "+r.URL.Path, nil)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// object renders a record as the v3 objects API does: id, properties (only those asked for,
// null when unset, plus the defaults), timestamps.
func object(id string, props map[string]string, ask []string) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"hs_object_id", "createdate", "lastmodifieddate"} {
		if v, ok := props[k]; ok {
			out[k] = v
		}
	}
	if ask == nil {
		for k, v := range props {
			out[k] = v
		}
	}
	for _, k := range ask {
		if v, ok := props[k]; ok {
			out[k] = v
		} else {
			out[k] = nil
		}
	}
	return map[string]any{"id": id, "properties": out, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "archived": false}
}

func notFound(w http.ResponseWriter, id string) {
	hsError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Object not found.  objectId are usually numeric.", map[string]any{"context": map[string]any{"id": []string{id}}})
}

func (f *Fake) get(w http.ResponseWriter, r *http.Request, kind, id string) {
	f.mu.Lock()
	props, ok := f.objects[kind][id]
	var cp map[string]string
	if ok {
		cp = map[string]string{}
		for k, v := range props {
			cp[k] = v
		}
	}
	f.mu.Unlock()
	if !ok {
		notFound(w, id)
		return
	}
	var ask []string
	if p := r.URL.Query().Get("properties"); p != "" {
		ask = strings.Split(p, ",")
	}
	writeJSON(w, http.StatusOK, object(id, cp, ask))
}

func (f *Fake) patch(w http.ResponseWriter, kind, id string, body []byte) {
	var in struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Properties == nil {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: expected {\"properties\":{...}}", nil)
		return
	}
	f.mu.Lock()
	props, ok := f.objects[kind][id]
	if ok {
		for k, v := range in.Properties {
			props[k] = fmt.Sprint(v)
		}
	}
	var cp map[string]string
	if ok {
		cp = map[string]string{}
		for k, v := range props {
			cp[k] = v
		}
	}
	f.mu.Unlock()
	if !ok {
		notFound(w, id)
		return
	}
	writeJSON(w, http.StatusOK, object(id, cp, nil))
}

func (f *Fake) create(w http.ResponseWriter, kind string, body []byte) {
	var in struct {
		Properties   map[string]any    `json:"properties"`
		Associations []json.RawMessage `json:"associations"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.Properties == nil {
		hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: expected {\"properties\":{...}}", nil)
		return
	}
	f.mu.Lock()
	f.nextID++
	id := strconv.FormatInt(f.nextID, 10)
	f.mu.Unlock()
	props := map[string]string{}
	for k, v := range in.Properties {
		props[k] = fmt.Sprint(v)
	}
	if len(in.Associations) > 0 {
		b, _ := json.Marshal(in.Associations)
		props["_associations"] = string(b)
	}
	f.put(kind, id, props)
	writeJSON(w, http.StatusCreated, object(id, f.Objects(kind)[id], nil))
}

func (f *Fake) associations(w http.ResponseWriter, r *http.Request, contactID string) {
	f.mu.Lock()
	ids := append([]string(nil), f.assoc[contactID]...)
	f.mu.Unlock()
	var results []map[string]any
	for _, id := range ids {
		n, _ := strconv.ParseInt(id, 10, 64)
		results = append(results, map[string]any{"toObjectId": n,
			"associationTypes": []map[string]any{{"category": "HUBSPOT_DEFINED", "typeId": 1, "label": nil}}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}

// listOwners answers GET /crm/v3/owners with `limit` and the `after` cursor (an offset here).
func (f *Fake) listOwners(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if f.OwnersPageSize > 0 && f.OwnersPageSize < limit {
		limit = f.OwnersPageSize
	}
	start := 0
	if a := q.Get("after"); a != "" {
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			hsError(w, http.StatusBadRequest, "VALIDATION_ERROR", "invalid after: "+a, nil)
			return
		}
		start = n
	}
	f.mu.Lock()
	owners := append([]Owner(nil), f.owners...)
	f.mu.Unlock()
	end := min(start+limit, len(owners))
	var results []map[string]any
	for _, o := range owners[min(start, len(owners)):end] {
		results = append(results, map[string]any{"id": o.ID, "email": o.Email, "type": "PERSON", "firstName": o.FirstName, "lastName": o.LastName,
			"userId": o.UserID, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "archived": false})
	}
	out := map[string]any{"results": results}
	if end < len(owners) {
		out["paging"] = map[string]any{"next": map[string]any{"after": strconv.Itoa(end), "link": "/crm/v3/owners?after=" + strconv.Itoa(end)}}
	}
	writeJSON(w, http.StatusOK, out)
}
