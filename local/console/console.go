// Package console is the web console of the local runtime: server-rendered pages (html/template,
// so every value from leads, emails and events is escaped) over what the runtime holds —
// executions with their state graph, leads with score and routing explanations, the pipeline,
// handoffs, reminders, onboardings, the mail outbox, the event log, schedules, the DLQ and each
// manager's digest settings.
//
// It reads through Source and writes nothing but DLQ redrives and a digest's send-now. Access:
// when Options.Token is set the browser logs in once and gets a session cookie derived from the
// token (the token itself is never sent back); POSTs carry a CSRF token bound to a cookie.
package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/local/eventbus"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Source is what the console reads. The local runtime implements it (local/server/console.go).
type Source interface {
	Now() time.Time
	Org() *domain.Org
	Machines() []*sfn.StateMachine
	// Executions lists the executions q selects, newest first (q.Limit bounds a long list).
	Executions(ctx context.Context, q sfn.ExecutionQuery) ([]sfn.ExecutionListItem, error)
	// ExecutionStats counts a state machine's executions by status without listing them.
	ExecutionStats(machineARN string) sfn.MachineStats
	Execution(ctx context.Context, arn string) (*sfn.DescribeExecutionOutput, []sfn.HistoryEvent, error)
	// Leads lists the newest leads first.
	Leads(ctx context.Context, limit int) ([]domain.Lead, error)
	Lead(ctx context.Context, id string) (domain.Lead, error)
	Deals(ctx context.Context) ([]domain.Deal, error)
	// Handoffs lists the open handoffs; LeadHandoffs every handoff of one lead.
	Handoffs(ctx context.Context) ([]domain.Handoff, error)
	LeadHandoffs(ctx context.Context, leadID string) ([]domain.Handoff, error)
	Reminders(ctx context.Context) ([]domain.Reminder, error)
	Onboardings(ctx context.Context) ([]domain.Onboarding, error)
	// Mail lists the newest messages of the outbox first; MailEML is one message as sent.
	Mail(ctx context.Context, limit int) ([]notify.StoredMessage, error)
	MailEML(ctx context.Context, id string) ([]byte, error)
	// Events lists the newest events of the bus archive first, with the rules each matched.
	Events(ctx context.Context, limit int) ([]eventbus.ArchivedEvent, error)
	Schedules() []Schedule
	DeadLetters(ctx context.Context, limit int) ([]eventbus.DeadLetter, error)
	Redrive(ctx context.Context, ids ...int64) (int, error)
}

// Schedule is one schedule of events/schedules with its next fire times.
type Schedule struct {
	Name, Expression, Zone, Target string
	Enabled                        bool
	Next                           []time.Time
	Error                          string
}

// Options configure the console.
type Options struct {
	// Token, when not empty, is required to use the console (binding beyond loopback).
	Token string
	// Locale is the default language (the org's); a browser asking for German gets German.
	Locale string
	// Digests is the digest capability: the digest settings page, its preview and send-now, and
	// the failed digest runs on the overview. Nil: no digest pages.
	Digests *digest.Service
}

// Server serves the console under /console/.
type Server struct {
	src     Source
	opts    Options
	pages   map[string]*template.Template
	csrfKey []byte
	mux     *http.ServeMux
}

const (
	sessionCookie = "dealflow_console"
	csrfCookie    = "dealflow_csrf"
	listLimit     = 200
)

// New builds the console.
func New(src Source, opts Options) (*Server, error) {
	s := &Server{src: src, opts: opts, pages: map[string]*template.Template{}, mux: http.NewServeMux()}
	s.csrfKey = make([]byte, 32)
	if _, err := rand.Read(s.csrfKey); err != nil {
		return nil, fmt.Errorf("console: csrf key: %w", err)
	}
	names, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if n == "templates/layout.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("console: template %s: %w", n, err)
		}
		s.pages[strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")] = t
	}
	static, _ := fs.Sub(assets, "static")
	s.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /console/login", s.loginPage)
	s.mux.HandleFunc("POST /console/login", s.login)
	s.handle("GET /console/{$}", s.overview)
	s.handle("GET /console/executions", s.executions)
	s.handle("GET /console/execution", s.execution)
	s.handle("GET /console/leads", s.leads)
	s.handle("GET /console/leads/{id}", s.lead)
	s.handle("GET /console/pipeline", s.pipeline)
	s.handle("GET /console/handoffs", s.handoffs)
	s.handle("GET /console/reminders", s.reminders)
	s.handle("GET /console/onboardings", s.onboardings)
	s.handle("GET /console/outbox", s.outbox)
	s.handle("GET /console/outbox/{id}", s.message)
	s.handle("GET /console/outbox/{id}/html", s.messageHTML)
	s.handle("GET /console/outbox/{id}/eml", s.messageEML)
	s.handle("GET /console/events", s.events)
	s.handle("GET /console/schedules", s.schedules)
	s.handle("GET /console/dlq", s.dlq)
	s.handle("POST /console/dlq/redrive", s.redrive)
	s.handle("GET /console/digests", s.digests)
	s.handle("GET /console/digests/preview", s.digestPreview)
	s.handle("POST /console/digests/send", s.sendDigest)
	return s, nil
}

// ServeHTTP serves /console/... with security headers on every answer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'; object-src 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	s.mux.ServeHTTP(w, r)
}

// handle registers a page that needs a session (when a token is set) and a CSRF cookie.
func (s *Server) handle(pattern string, f func(w http.ResponseWriter, r *http.Request) error) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "login required", http.StatusUnauthorized)
			return
		}
		if r.Method == http.MethodPost && !s.validCSRF(r) {
			http.Error(w, "invalid or missing CSRF token; reload the page and try again", http.StatusForbidden)
			return
		}
		if err := f(w, r); err != nil {
			var nf notFound
			if errors.As(err, &nf) {
				http.Error(w, nf.Error(), http.StatusNotFound)
				return
			}
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
}

type notFound struct{ what string }

func (e notFound) Error() string { return e.what + " not found" }

// --- access ---

// sessionValue is what the session cookie holds: a nonce and its MAC under a key derived from the
// token. Knowing it opens the console, but it does not reveal the token.
func (s *Server) sessionValue(nonce string) string {
	k := sha256.Sum256([]byte("dealflow-console-session\x00" + s.opts.Token))
	m := hmac.New(sha256.New, k[:])
	m.Write([]byte(nonce))
	return nonce + "." + hex.EncodeToString(m.Sum(nil))
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Token == "" {
		return true
	}
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return subtle.ConstantTimeCompare([]byte(strings.TrimPrefix(a, "Bearer ")), []byte(s.opts.Token)) == 1
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	nonce, _, ok := strings.Cut(c.Value, ".")
	return ok && hmac.Equal([]byte(c.Value), []byte(s.sessionValue(nonce)))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token == "" {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
		return
	}
	s.render(w, r, "login", map[string]any{"Next": safeNext(r.URL.Query().Get("next")), "Failed": r.URL.Query().Get("failed") != ""})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.opts.Token == "" || !sameOrigin(r) {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	next := safeNext(r.PostFormValue("next"))
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("token")), []byte(s.opts.Token)) != 1 {
		http.Redirect(w, r, "/console/login?failed=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: s.sessionValue(randomHex(16)), Path: "/console/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext keeps redirects after login inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/console/"
	}
	return next
}

// sameOrigin rejects requests a browser marks as coming from another site.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	return true
}

// csrfToken binds a form to the browser's CSRF cookie (double submit, MAC'd so a cookie set by
// a sibling subdomain cannot be paired with a guessed token).
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	v := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		v = c.Value
	} else {
		v = randomHex(16)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/console/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	}
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Server) validCSRF(r *http.Request) bool {
	if !sameOrigin(r) {
		return false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(c.Value))
	want := hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(want))
}

// --- rendering ---

// page is what every template gets.
type page struct {
	Title   string
	Section string
	Locale  string
	Zone    *time.Location
	Now     time.Time
	CSRF    string
	Org     string
	Data    any
}

func (s *Server) locale(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l != "" {
		return i18n.Normalize(l)
	}
	if al := r.Header.Get("Accept-Language"); al != "" {
		first := strings.TrimSpace(strings.Split(strings.Split(al, ",")[0], ";")[0])
		if first != "" && first != "*" {
			return i18n.Normalize(first)
		}
	}
	if s.opts.Locale != "" {
		return i18n.Normalize(s.opts.Locale)
	}
	return i18n.English
}

func (s *Server) zone() *time.Location {
	if org := s.src.Org(); org != nil && org.Settings.Timezone != "" {
		if loc, err := domain.LoadLocation(org.Settings.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	t := s.pages[name]
	if t == nil {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	p := page{Section: name, Locale: s.locale(r), Zone: s.zone(), Now: s.src.Now(), CSRF: s.csrfToken(w, r), Data: data}
	if org := s.src.Org(); org != nil {
		p.Org = org.Settings.Name
	}
	var b strings.Builder
	if err := t.Execute(&b, p); err != nil {
		http.Error(w, "render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(b.String()))
}

var funcs = template.FuncMap{
	"t": func(p page, key string, args ...any) string { return i18n.T(p.Locale, key, args...) },
	"when": func(p page, t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return ""
			}
			return i18n.DateTime(p.Locale, v, p.Zone)
		case *time.Time:
			if v == nil || v.IsZero() {
				return ""
			}
			return i18n.DateTime(p.Locale, *v, p.Zone)
		}
		return ""
	},
	"day": func(p page, t *time.Time) string {
		if t == nil {
			return ""
		}
		return i18n.Date(p.Locale, *t, time.UTC)
	},
	"money": func(p page, m domain.Money) string {
		if m.Currency == "" {
			return ""
		}
		return i18n.Money(p.Locale, m.AmountMinor, m.Currency)
	},
	"num": func(p page, n int) string { return i18n.Number(p.Locale, int64(n)) },
	// until is a signed duration from now, for SLA clocks: "3h 20m left" or "overdue 1h 5m".
	"until": func(p page, t time.Time) string {
		d := t.Sub(p.Now)
		if d >= 0 {
			return i18n.T(p.Locale, "console.sla.left", shortDuration(d))
		}
		return i18n.T(p.Locale, "console.sla.overdue", shortDuration(-d))
	},
	"overdue": func(p page, t time.Time) bool { return t.Before(p.Now) },
	// whenIn shows a time in a named zone (a digest schedule's), not the org's.
	"whenIn": func(p page, t time.Time, zone string) string {
		loc, err := domain.LoadLocation(zone)
		if err != nil {
			loc = p.Zone
		}
		return i18n.DateTime(p.Locale, t, loc) + " (" + loc.String() + ")"
	},
	"duration": func(a, b time.Time) string { return shortDuration(b.Sub(a)) },
	"short":    func(s string) string { return shortID(s) },
	"query":    url.QueryEscape,
	"join":     strings.Join,
}

func shortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

func shortID(s string) string {
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 14 {
		return s[:12] + "…"
	}
	return s
}

// --- pages ---

func (s *Server) overview(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	type row struct {
		Name     string
		ByStatus map[string]int
		Total    int
	}
	var rows []row
	for _, sm := range s.machines() {
		st := s.src.ExecutionStats(sm.ARN)
		rw := row{Name: sm.Name, ByStatus: map[string]int{}}
		for status, n := range statusCounts(st) {
			if n > 0 {
				rw.ByStatus[status] = int(n)
				rw.Total += int(n)
			}
		}
		rows = append(rows, rw)
	}
	dl, err := s.src.DeadLetters(ctx, 1000)
	if err != nil {
		return err
	}
	mail, err := s.src.Mail(ctx, 1)
	if err != nil {
		return err
	}
	failed, err := s.failedDigests(ctx)
	if err != nil {
		return err
	}
	s.render(w, r, "overview", map[string]any{"Machines": rows, "DLQ": len(dl), "HasMail": len(mail) > 0, "FailedDigests": failed})
	return nil
}

func (s *Server) machines() []*sfn.StateMachine {
	ms := s.src.Machines()
	sort.Slice(ms, func(i, j int) bool { return ms[i].Name < ms[j].Name })
	return ms
}

// ExecutionRow is a line of the executions list.
type ExecutionRow struct {
	sfn.ExecutionListItem
	Machine string
}

var statuses = []string{sfn.StatusRunning, sfn.StatusSucceeded, sfn.StatusFailed, "TIMED_OUT", sfn.StatusAborted}

// statusCounts is st by status name.
func statusCounts(st sfn.MachineStats) map[string]int64 {
	return map[string]int64{sfn.StatusRunning: st.Running, sfn.StatusSucceeded: st.Succeeded, sfn.StatusFailed: st.Failed,
		"TIMED_OUT": st.TimedOut, sfn.StatusAborted: st.Aborted}
}

func (s *Server) executions(w http.ResponseWriter, r *http.Request) error {
	machine, status := r.URL.Query().Get("machine"), r.URL.Query().Get("status")
	var rows []ExecutionRow
	total := 0
	for _, sm := range s.machines() {
		if machine != "" && sm.Name != machine {
			continue
		}
		// The newest listLimit of each machine hold the newest listLimit of all of them; the
		// total comes from the engine's counts, not from listing everything.
		xs, err := s.src.Executions(r.Context(), sfn.ExecutionQuery{StateMachineARN: sm.ARN, Status: status, Limit: listLimit})
		if err != nil {
			return err
		}
		for _, x := range xs {
			rows = append(rows, ExecutionRow{ExecutionListItem: x, Machine: sm.Name})
		}
		for st, n := range statusCounts(s.src.ExecutionStats(sm.ARN)) {
			if status == "" || st == status {
				total += int(n)
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].StartDate.After(rows[j].StartDate) })
	if len(rows) > listLimit {
		rows = rows[:listLimit]
	}
	var names []string
	for _, sm := range s.machines() {
		names = append(names, sm.Name)
	}
	s.render(w, r, "executions", map[string]any{"Rows": rows, "Total": total, "Machine": machine, "Status": status,
		"Machines": names, "Statuses": statuses})
	return nil
}

func (s *Server) execution(w http.ResponseWriter, r *http.Request) error {
	arn := r.URL.Query().Get("arn")
	d, hist, err := s.src.Execution(r.Context(), arn)
	if err != nil {
		if errors.Is(err, sfn.ErrExecutionDoesNotExist) {
			return notFound{"execution " + arn}
		}
		return err
	}
	var sm *sfn.StateMachine
	for _, m := range s.src.Machines() {
		if m.ARN == d.StateMachineArn {
			sm = m
		}
	}
	if sm == nil {
		return notFound{"state machine " + d.StateMachineArn}
	}
	runs, order := stateRuns(hist, d.Status)
	var states []*StateRun
	for _, n := range order {
		states = append(states, runs[n])
	}
	type event struct {
		ID, Prev int64
		At       time.Time
		Type     string
		Details  string
	}
	var events []event
	for _, h := range hist {
		events = append(events, event{ID: h.ID, Prev: h.PreviousEventID, At: h.Timestamp, Type: h.Type, Details: docText(h.Details)})
	}
	s.render(w, r, "execution", map[string]any{"X": d, "Machine": sm.Name, "Graph": layout(sm.Definition, runs),
		"States": states, "Events": events, "Input": docText(d.Input), "Output": docText(deref(d.Output)),
		"Error": deref(d.Error), "Cause": deref(d.Cause)})
	return nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Server) leads(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.src.Leads(r.Context(), listLimit)
	if err != nil {
		return err
	}
	q := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("q")))
	status := r.URL.Query().Get("status")
	var out []domain.Lead
	for _, l := range ls {
		if status != "" && string(l.Status) != status {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(l.Email+" "+l.Name+" "+l.Company+" "+l.OwnerID), q) {
			continue
		}
		out = append(out, l)
	}
	s.render(w, r, "leads", map[string]any{"Leads": out, "Q": q, "Status": status, "Reps": s.repNames(),
		"Statuses": domain.LeadStatuses})
	return nil
}

func (s *Server) repNames() map[string]string {
	m := map[string]string{}
	if org := s.src.Org(); org != nil {
		for _, r := range org.Reps {
			m[r.ID] = r.Name
		}
	}
	return m
}

func (s *Server) lead(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	l, err := s.src.Lead(r.Context(), id)
	if err != nil {
		return notFound{"lead " + id}
	}
	// The executions that worked on this lead: their input names it.
	names := map[string]string{}
	for _, sm := range s.machines() {
		names[sm.ARN] = sm.Name
	}
	items, err := s.src.Executions(r.Context(), sfn.ExecutionQuery{InputContains: `"` + l.ID + `"`, Limit: listLimit})
	if err != nil {
		return err
	}
	var xs []ExecutionRow
	for _, it := range items {
		xs = append(xs, ExecutionRow{ExecutionListItem: it, Machine: names[it.StateMachineArn]})
	}
	hs, err := s.src.LeadHandoffs(r.Context(), l.ID)
	if err != nil {
		return err
	}
	s.render(w, r, "lead", map[string]any{"L": l, "Owner": s.repNames()[l.OwnerID], "Executions": xs, "Handoffs": hs})
	return nil
}

// Column is one stage of the pipeline board.
type Column struct {
	Stage domain.Stage
	Deals []domain.Deal
	Total domain.Money
}

func (s *Server) pipeline(w http.ResponseWriter, r *http.Request) error {
	deals, err := s.src.Deals(r.Context())
	if err != nil {
		return err
	}
	type board struct {
		Pipeline domain.Pipeline
		Columns  []*Column
	}
	var boards []board
	org := s.src.Org()
	if org != nil {
		for _, p := range org.Pipelines {
			b := board{Pipeline: p}
			idx := map[string]*Column{}
			for _, st := range p.Stages {
				c := &Column{Stage: st}
				b.Columns = append(b.Columns, c)
				idx[st.ID] = c
			}
			for _, d := range deals {
				if d.Pipeline != p.ID && !(d.Pipeline == "" && p.Default) {
					continue
				}
				c := idx[d.Stage]
				if c == nil {
					continue
				}
				c.Deals = append(c.Deals, d)
				if c.Total.Currency == "" || c.Total.Currency == d.Amount.Currency {
					if sum, err := c.Total.Add(d.Amount); err == nil {
						c.Total = sum
					}
				}
			}
			boards = append(boards, b)
		}
	}
	s.render(w, r, "pipeline", map[string]any{"Boards": boards, "Count": len(deals), "Reps": s.repNames()})
	return nil
}

func (s *Server) handoffs(w http.ResponseWriter, r *http.Request) error {
	hs, err := s.src.Handoffs(r.Context())
	if err != nil {
		return err
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].SLADueAt.Before(hs[j].SLADueAt) })
	s.render(w, r, "handoffs", map[string]any{"Handoffs": hs, "Reps": s.repNames()})
	return nil
}

func (s *Server) reminders(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.src.Reminders(r.Context())
	if err != nil {
		return err
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].NextDueAt().Before(rs[j].NextDueAt()) })
	s.render(w, r, "reminders", map[string]any{"Reminders": rs, "Reps": s.repNames()})
	return nil
}

func (s *Server) onboardings(w http.ResponseWriter, r *http.Request) error {
	os, err := s.src.Onboardings(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, "onboardings", map[string]any{"Onboardings": os, "Reps": s.repNames()})
	return nil
}

func (s *Server) outbox(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.src.Mail(r.Context(), listLimit)
	if err != nil {
		return err
	}
	s.render(w, r, "outbox", map[string]any{"Messages": ms})
	return nil
}

func (s *Server) message(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	eml, err := s.src.MailEML(r.Context(), id)
	if err != nil {
		return notFound{"message " + id}
	}
	m, err := parseEML(eml)
	if err != nil {
		return fmt.Errorf("read message %s: %w", id, err)
	}
	s.render(w, r, "message", map[string]any{"ID": id, "M": m})
	return nil
}

// messageHTML serves an email's HTML part on its own, for a sandboxed frame: no scripts, no
// requests anywhere, so a hostile lead name in an email cannot reach the console.
func (s *Server) messageHTML(w http.ResponseWriter, r *http.Request) error {
	eml, err := s.src.MailEML(r.Context(), r.PathValue("id"))
	if err != nil {
		return notFound{"message " + r.PathValue("id")}
	}
	m, err := parseEML(eml)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(m.HTML))
	return nil
}

func (s *Server) messageEML(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	eml, err := s.src.MailEML(r.Context(), id)
	if err != nil {
		return notFound{"message " + id}
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.Map(func(c rune) rune {
		if c == '"' || c == '\\' || c < 32 {
			return '_'
		}
		return c
	}, id)+`.eml"`)
	_, _ = w.Write(eml)
	return nil
}

// EventRow is one archived event for the event log.
type EventRow struct {
	ID, DetailType, Source string
	Time                   time.Time
	Matched                []string
	Detail                 string
}

func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	evs, err := s.src.Events(r.Context(), listLimit)
	if err != nil {
		return err
	}
	typ := r.URL.Query().Get("type")
	var rows []EventRow
	types := map[string]bool{}
	for _, a := range evs {
		row := eventRow(a)
		types[row.DetailType] = true
		if typ != "" && row.DetailType != typ {
			continue
		}
		rows = append(rows, row)
	}
	var tl []string
	for t := range types {
		tl = append(tl, t)
	}
	sort.Strings(tl)
	s.render(w, r, "events", map[string]any{"Events": rows, "Type": typ, "Types": tl})
	return nil
}

func eventRow(a eventbus.ArchivedEvent) EventRow {
	var env struct {
		ID         string          `json:"id"`
		DetailType string          `json:"detail-type"`
		Source     string          `json:"source"`
		Time       time.Time       `json:"time"`
		Detail     json.RawMessage `json:"detail"`
	}
	_ = json.Unmarshal(a.Envelope, &env)
	return EventRow{ID: env.ID, DetailType: env.DetailType, Source: env.Source, Time: env.Time, Matched: a.Matched, Detail: docText(string(env.Detail))}
}

func (s *Server) schedules(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, "schedules", map[string]any{"Schedules": s.src.Schedules()})
	return nil
}

// DeadLetterRow is one DLQ entry for display.
type DeadLetterRow struct {
	eventbus.DeadLetter
	DetailType string
	Pretty     string
}

func (s *Server) dlq(w http.ResponseWriter, r *http.Request) error {
	dls, err := s.src.DeadLetters(r.Context(), listLimit)
	if err != nil {
		return err
	}
	var rows []DeadLetterRow
	for _, d := range dls {
		er := eventRow(eventbus.ArchivedEvent{Envelope: d.Event})
		rows = append(rows, DeadLetterRow{DeadLetter: d, DetailType: er.DetailType, Pretty: docText(string(d.Event))})
	}
	s.render(w, r, "dlq", map[string]any{"Rows": rows, "Redriven": r.URL.Query().Get("redriven")})
	return nil
}

func (s *Server) redrive(w http.ResponseWriter, r *http.Request) error {
	var ids []int64
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			http.Error(w, "bad id "+strconv.Quote(v), http.StatusBadRequest)
			return nil
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 && r.PostFormValue("all") != "1" {
		http.Error(w, "nothing to redrive: give id or all=1", http.StatusBadRequest)
		return nil
	}
	n, err := s.src.Redrive(r.Context(), ids...)
	if err != nil {
		return fmt.Errorf("redrive: %w", err)
	}
	http.Redirect(w, r, "/console/dlq?redriven="+strconv.Itoa(n), http.StatusSeeOther)
	return nil
}
