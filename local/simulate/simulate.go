// Package simulate drives the local runtime through simulated days on a fake clock: synthetic
// leads posted through the real, signed HTTP handlers, then deals and activities for the leads
// that qualify, so that the console and the digests have realistic data to show.
//
// Everything goes through the public HTTP API, exactly as an outside system would call it; the
// simulation only decides what happens and when.
package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/local/server"
	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/webhook"
)

// Config says what to simulate.
type Config struct {
	Days        int
	LeadsPerDay int
	Seed        uint64
	// Start is the first simulated day (midnight in the org's time zone is used).
	Start time.Time
	// Secret signs POST /v1/leads (one of the org's lead secrets).
	Secret string
	// Progress receives a progress bar; nil for none.
	Progress io.Writer
	// Settle bounds how long to wait for the runtime to finish the work of one simulated hour.
	Settle time.Duration
	// DayDone, when set, is told the wall time each simulated day took (make bench reports
	// seconds per simulated day early and late in a long run: the cost must not grow).
	DayDone func(day int, wall time.Duration)
}

// Result counts what happened.
type Result struct {
	Posted, Accepted, Duplicates, Rejected int
	Routed, Disqualified                   int
	Handoffs, HandoffsAccepted             int
	HandoffsDeclined                       int
	Deals, Won, Lost, StageMoves           int
	Activities                             int
	DealErrors                             int
	Mail                                   int
	Executions                             map[string]int // status → count
	Unsettled                              int            // hours whose work had not finished within Settle
	UnsettledWhy                           string         // what was still moving the last time
	Nudges                                 int            // seconds of simulated time added to let timers fire
	Wall                                   time.Duration
}

// Sim runs a simulation against a started runtime whose clock is clk.
type Sim struct {
	rt     *server.Runtime
	clk    *clock.Fake
	cfg    Config
	h      http.Handler
	token  string // the simulated CRM integration's API token, for everything but lead intake
	rng    *rand.Rand
	loc    *time.Location
	res    Result
	emails []string // accepted lead emails, for duplicate submissions
	newIDs []string // leads accepted since deals were last considered
	deals  []*deal
	// handoffs waiting for the AE's answer, by id → AE id
	handoffs map[string]string
	sdrs     map[string]bool
	repEmail map[string]string   // rep id → email
	aes      map[string][]string // team → active AE ids
	allAEs   []string
	stages   []domain.Stage
}

type deal struct {
	id, owner string
	stage     int // index into stages
	open      bool
}

// New prepares a simulation.
func New(rt *server.Runtime, clk *clock.Fake, cfg Config) *Sim {
	if cfg.Settle <= 0 {
		cfg.Settle = 10 * time.Second
	}
	s := &Sim{rt: rt, clk: clk, cfg: cfg, h: rt.Handler(), rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		loc: time.UTC, aes: map[string][]string{}, handoffs: map[string]string{}, sdrs: map[string]bool{}, repEmail: map[string]string{}}
	if z := rt.Org.Settings.Timezone; z != "" {
		if l, err := domain.LoadLocation(z); err == nil {
			s.loc = l
		}
	}
	for _, r := range rt.Org.Reps {
		s.repEmail[r.ID] = r.Email
		if r.Role == domain.RoleSDR {
			s.sdrs[r.ID] = true
		}
		if r.Role == domain.RoleAE && r.Active {
			s.aes[r.Team] = append(s.aes[r.Team], r.ID)
			s.allAEs = append(s.allAEs, r.ID)
		}
	}
	for _, p := range rt.Org.Pipelines {
		if p.Default || s.stages == nil {
			s.stages = p.Stages
		}
	}
	return s
}

// Run simulates cfg.Days days.
func (s *Sim) Run(ctx context.Context) (Result, error) {
	began := time.Now() // wall time, for the report only
	st := s.cfg.Start.In(s.loc)
	day0 := time.Date(st.Year(), st.Month(), st.Day(), 0, 0, 0, 0, s.loc)
	s.clk.Set(day0)
	for d := 0; d < s.cfg.Days; d++ {
		dayBegan := time.Now()
		day := day0.AddDate(0, 0, d)
		times := s.arrivals(day)
		for h := 0; h < 24; h++ {
			hour := day.Add(time.Duration(h) * time.Hour)
			for len(times) > 0 && times[0].Before(hour.Add(time.Hour)) {
				if times[0].After(s.clk.Now()) { // settling may have moved the clock a little
					s.clk.Set(times[0])
				}
				times = times[1:]
				if err := s.postLead(ctx); err != nil {
					return s.res, err
				}
			}
			if next := hour.Add(time.Hour); next.After(s.clk.Now()) {
				s.clk.Set(next)
			}
			if !s.settle(ctx) {
				s.res.Unsettled++
			}
			if h >= 9 && h <= 17 && len(s.handoffs) > 0 {
				// AEs answer handoff requests during the working day.
				s.answerHandoffs(ctx)
				if !s.settle(ctx) {
					s.res.Unsettled++
				}
			}
			if h == 17 {
				// At six the reps work their pipeline, on leads that are done routing.
				s.workDeals(ctx)
				if !s.settle(ctx) {
					s.res.Unsettled++
				}
			}
			if err := ctx.Err(); err != nil {
				return s.res, err
			}
		}
		s.progress(d + 1)
		if s.cfg.DayDone != nil {
			s.cfg.DayDone(d+1, time.Since(dayBegan))
		}
	}
	if s.cfg.Progress != nil {
		fmt.Fprintln(s.cfg.Progress)
	}
	s.settle(ctx)
	s.count(ctx)
	s.res.Wall = time.Since(began)
	return s.res, nil
}

// arrivals spreads a day's leads mostly over business hours, fewer at weekends.
func (s *Sim) arrivals(day time.Time) []time.Time {
	n := s.cfg.LeadsPerDay
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		n = n / 4
	}
	out := make([]time.Time, 0, n)
	for range n {
		var minute float64
		if s.rng.Float64() < 0.85 {
			minute = 8*60 + s.rng.Float64()*10*60 // 08:00–18:00
		} else {
			minute = s.rng.Float64() * 24 * 60
		}
		out = append(out, day.Add(time.Duration(minute*float64(time.Minute))))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func (s *Sim) progress(done int) {
	if s.cfg.Progress == nil {
		return
	}
	const width = 30
	fill := done * width / s.cfg.Days
	fmt.Fprintf(s.cfg.Progress, "\r[%s%s] day %d/%d  leads %d  deals %d  won %d", strings.Repeat("#", fill), strings.Repeat("-", width-fill),
		done, s.cfg.Days, s.res.Accepted, s.res.Deals, s.res.Won)
}

func (s *Sim) do(req *http.Request) (int, []byte) {
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// signedJSON builds a request as the simulated systems send it: lead intake signed with
// Dealflow-Signature at the simulated now (a webhook sender), everything else with the CRM
// integration's API token.
func (s *Sim) signedJSON(method, path string, body []byte) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(string(body)))
	req.Host = "localhost"
	req.Header.Set("Content-Type", "application/json")
	if method == http.MethodPost && path == "/v1/leads" {
		req.Header.Set(webhook.HeaderDealflowSignature, webhook.Sign(body, s.clk.Now(), s.cfg.Secret))
		return req
	}
	if s.token == "" {
		_, tok, err := identity.CreateToken(context.Background(), s.rt.Store, "simulated-crm",
			[]identity.Scope{identity.ScopeDealsWrite, identity.ScopeActivitiesWrite, identity.ScopeRead}, "", s.clk.Now())
		if err != nil {
			panic("simulate: create the CRM's API token: " + err.Error())
		}
		s.token = tok
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	return req
}

func (s *Sim) postLead(ctx context.Context) error {
	s.res.Posted++
	var code int
	var body []byte
	if len(s.emails) > 10 && s.rng.Float64() < 0.04 {
		// A person submitting again, perhaps with a new detail.
		email := s.emails[s.rng.IntN(len(s.emails))]
		b, _ := json.Marshal(map[string]any{"email": email, "title": pick(s.rng, titles)})
		code, body = s.do(s.signedJSON(http.MethodPost, "/v1/leads", b))
	} else if s.rng.Float64() < 0.25 && len(s.rt.Org.Forms) > 0 {
		code, body = s.postForm()
	} else {
		b, _ := json.Marshal(s.lead())
		code, body = s.do(s.signedJSON(http.MethodPost, "/v1/leads", b))
	}
	var acc struct {
		ID        string `json:"id"`
		Duplicate bool   `json:"duplicate"`
	}
	_ = json.Unmarshal(body, &acc)
	switch {
	case code == http.StatusAccepted && acc.ID != "":
		s.res.Accepted++
		s.newIDs = append(s.newIDs, acc.ID)
	case code == http.StatusOK || acc.Duplicate:
		s.res.Duplicates++
	case code == http.StatusAccepted: // a form submission dropped as spam
		s.res.Rejected++
	case code >= 500:
		return fmt.Errorf("POST lead answered %d: %s", code, body)
	default:
		s.res.Rejected++
	}
	return ctx.Err()
}

func (s *Sim) postForm() (int, []byte) {
	f := s.rt.Org.Forms[0]
	l := s.lead()
	v := url.Values{}
	for k, x := range l {
		v.Set(k, fmt.Sprint(x))
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/forms/"+f.ID, strings.NewReader(v.Encode()))
	req.Host = "localhost"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// Visitors come from many addresses (the form is rate-limited per address).
	req.RemoteAddr = fmt.Sprintf("203.0.%d.%d:443", s.rng.IntN(256), 1+s.rng.IntN(254))
	return s.do(req)
}

// lead makes a plausible lead: country mix of the sample org, company sizes from a log-normal,
// a few free-mail addresses and student/test submissions that scoring turns away.
func (s *Sim) lead() map[string]any {
	c := weighted(s.rng, countries)
	first, last := pick(s.rng, firstNames[c.lang]), pick(s.rng, lastNames[c.lang])
	company := pick(s.rng, companyStems) + " " + pick(s.rng, c.suffixes)
	dom := strings.ToLower(strings.NewReplacer(" ", "", "&", "", ".", "", "ü", "ue", "ö", "oe", "ä", "ae").Replace(strings.Fields(company)[0])) +
		strconv.Itoa(s.rng.IntN(900)+100) + "." + c.tld
	if s.rng.Float64() < 0.08 {
		dom = pick(s.rng, freeMail)
	}
	email := strings.ToLower(asciiFold(first) + "." + asciiFold(last) + "@" + dom)
	employees := int(math.Round(math.Exp(s.rng.NormFloat64()*1.5 + 4.5)))
	l := map[string]any{
		"email": email, "firstName": first, "lastName": last, "company": company, "country": c.code,
		"employees": max(1, employees), "title": pick(s.rng, titles), "industry": pick(s.rng, industries),
	}
	if s.rng.Float64() < 0.6 {
		l["phone"] = c.phone + strconv.Itoa(100000000+s.rng.IntN(899999999))
	}
	if s.rng.Float64() < 0.5 {
		l["utm_source"] = pick(s.rng, []string{"google", "linkedin", "newsletter", "webinar", "g2"})
	}
	s.emails = append(s.emails, email)
	return l
}

// workDeals is the sales team's day: some routed leads become deals, open deals move on, are
// won or lost, and reps log calls, emails and meetings.
func (s *Sim) workDeals(ctx context.Context) {
	if len(s.stages) == 0 || len(s.allAEs) == 0 {
		return
	}
	ids := s.newIDs
	s.newIDs = nil
	for _, id := range ids {
		l, err := s.rt.Store.GetLead(ctx, id)
		if err != nil || l.Status != domain.LeadRouted || l.OwnerID == "" {
			continue
		}
		if s.sdrs[l.OwnerID] && s.rng.Float64() < 0.35 {
			// An SDR qualified the lead on a call and hands it to an AE.
			s.requestHandoff(l)
			continue
		}
		// Reps open a deal for most qualified leads and for some of the rest.
		chance := 0.2
		if l.Grade != domain.GradeNone {
			chance = 0.6
		}
		if s.rng.Float64() > chance {
			continue
		}
		s.createDeal(l)
	}
	open := s.openStages()
	for _, d := range s.deals {
		if !d.open {
			continue
		}
		if s.rng.Float64() < 0.45 {
			s.activity(d)
		}
		r := s.rng.Float64()
		switch {
		case r < 0.03:
			s.moveDeal(d, s.lostStage(), "lostReason", pick(s.rng, lostReasons))
		case r < 0.03+0.2 && d.stage+1 < len(open):
			s.moveDeal(d, d.stage+1, "nextStep", pick(s.rng, nextSteps))
		case r < 0.03+0.2+0.15 && d.stage == len(open)-1:
			s.moveDeal(d, s.wonStage(), "", "")
		}
	}
}

func (s *Sim) requestHandoff(l domain.Lead) {
	fields := map[string]string{}
	for _, f := range s.rt.Org.Handoff.Fields() {
		fields[f] = pick(s.rng, handoffAnswers)
	}
	b, _ := json.Marshal(map[string]any{"sdrId": l.OwnerID, "notes": map[string]any{"fields": fields, "text": pick(s.rng, handoffNotes)}})
	code, body := s.do(s.signedJSON(http.MethodPost, "/v1/leads/"+l.ID+"/handoff", b))
	var h struct {
		ID   string `json:"id"`
		AEID string `json:"aeId"`
	}
	if code != http.StatusAccepted || json.Unmarshal(body, &h) != nil || h.ID == "" {
		s.res.DealErrors++
		return
	}
	s.res.Handoffs++
	s.handoffs[h.ID] = h.AEID
}

// answerHandoffs has AEs follow the accept or decline link of the email they were sent; some
// requests are left alone and run into the SLA (reminder, then the next AE).
func (s *Sim) answerHandoffs(ctx context.Context) {
	ids := make([]string, 0, len(s.handoffs))
	for id := range s.handoffs {
		ids = append(ids, id)
	}
	sort.Strings(ids) // map order must not change the story
	for _, id := range ids {
		r := s.rng.Float64()
		if r > 0.4 {
			continue
		}
		h, ok := s.readHandoff(id)
		if !ok || h.Status != "requested" {
			delete(s.handoffs, id)
			if ok && h.DealID != "" {
				s.deals = append(s.deals, &deal{id: h.DealID, owner: h.AEID, open: true})
				s.res.Deals++
			}
			continue
		}
		action, form := "accept", url.Values{}
		if r < 0.05 {
			action, form = "decline", url.Values{"reason": {pick(s.rng, declineReasons)}}
		}
		link := s.findLink(ctx, h.AEID, id, action)
		if link == "" {
			continue
		}
		req := httptest.NewRequest(http.MethodPost, link, strings.NewReader(form.Encode()))
		req.Host = "localhost"
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if code, _ := s.do(req); code != http.StatusOK {
			continue // expired or reassigned meanwhile: the AE sees that page
		}
		if action == "decline" {
			s.res.HandoffsDeclined++
			continue
		}
		s.res.HandoffsAccepted++
	}
}

type handoffView struct {
	Status string `json:"status"`
	AEID   string `json:"aeId"`
	DealID string `json:"dealId"`
}

func (s *Sim) readHandoff(id string) (handoffView, bool) {
	code, body := s.do(s.signedJSON(http.MethodGet, "/v1/handoffs/"+id, nil))
	var h handoffView
	return h, code == http.StatusOK && json.Unmarshal(body, &h) == nil
}

// findLink returns the path and query of the newest accept/decline link for a handoff in the
// AE's mail.
func (s *Sim) findLink(ctx context.Context, aeID, handoffID, action string) string {
	ms, err := s.rt.Outbox.List(ctx, s.repEmail[aeID], 50)
	if err != nil {
		return ""
	}
	re := regexp.MustCompile(`/v1/handoffs/` + regexp.QuoteMeta(handoffID) + `/` + action + `\?[^\s"'<>]+`)
	for _, m := range ms {
		if l := re.FindString(m.Message.Text); l != "" {
			return l
		}
	}
	return ""
}

func (s *Sim) openStages() []domain.Stage {
	var out []domain.Stage
	for _, st := range s.stages {
		if !st.Won && !st.Lost {
			out = append(out, st)
		}
	}
	return out
}

func (s *Sim) wonStage() int {
	for i, st := range s.stages {
		if st.Won {
			return i
		}
	}
	return -1
}

func (s *Sim) lostStage() int {
	for i, st := range s.stages {
		if st.Lost {
			return i
		}
	}
	return -1
}

func (s *Sim) createDeal(l domain.Lead) {
	team := ""
	for _, r := range s.rt.Org.Reps {
		if r.ID == l.OwnerID {
			team = r.Team
		}
	}
	aes := s.aes[team]
	if len(aes) == 0 {
		aes = s.allAEs
	}
	owner := aes[s.rng.IntN(len(aes))]
	amount := math.Round(math.Exp(s.rng.NormFloat64()*0.8+10)/100) * 100
	closeDate := s.clk.Now().AddDate(0, 0, 20+s.rng.IntN(70)).Format("2006-01-02")
	name := l.Company
	if name == "" {
		name = l.Email
	}
	b, _ := json.Marshal(map[string]any{"name": name + " – " + pick(s.rng, products), "ownerId": owner, "leadId": l.ID,
		"stage": s.stages[0].ID, "amount": strconv.FormatFloat(amount, 'f', 2, 64), "closeDate": closeDate, "nextStep": pick(s.rng, nextSteps)})
	code, body := s.do(s.signedJSON(http.MethodPost, "/v1/deals", b))
	var out struct {
		ID string `json:"id"`
	}
	if code != http.StatusCreated || json.Unmarshal(body, &out) != nil || out.ID == "" {
		s.res.DealErrors++
		return
	}
	s.res.Deals++
	s.deals = append(s.deals, &deal{id: out.ID, owner: owner, open: true})
}

func (s *Sim) moveDeal(d *deal, stage int, field, value string) {
	if stage < 0 {
		return
	}
	patch := map[string]any{"stage": s.stages[stage].ID}
	if field != "" {
		patch[field] = value
	}
	b, _ := json.Marshal(patch)
	code, _ := s.do(s.signedJSON(http.MethodPatch, "/v1/deals/"+d.id, b))
	if code != http.StatusOK {
		s.res.DealErrors++
		return
	}
	d.stage = stage
	switch {
	case s.stages[stage].Won:
		d.open = false
		s.res.Won++
	case s.stages[stage].Lost:
		d.open = false
		s.res.Lost++
	default:
		s.res.StageMoves++
	}
}

func (s *Sim) activity(d *deal) {
	typ := weighted(s.rng, activityTypes).name
	b, _ := json.Marshal(map[string]any{"type": typ, "repId": d.owner, "dealId": d.id, "subject": pick(s.rng, activitySubjects[typ])})
	code, _ := s.do(s.signedJSON(http.MethodPost, "/v1/activities", b))
	if code/100 != 2 {
		s.res.DealErrors++
		return
	}
	s.res.Activities++
}

// settle waits (in real time) until the work caused so far is done: no event waiting for
// delivery, no event waiting in the store outbox, and running executions not moving.
func (s *Sim) settle(ctx context.Context) bool {
	deadline := time.Now().Add(s.cfg.Settle)
	var last [2]int
	stable := 0
	why := "the store did not answer"
	nudged := time.Now()
	for time.Now().Before(deadline) {
		// Deliveries due now; a failed one waiting for its retry time waits for the clock.
		var pending int
		if err := s.rt.Store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM eb_deliveries WHERE status = 'pending' AND next_ms <= ?`,
			s.clk.Now().UnixMilli()).Scan(&pending); err != nil {
			return false
		}
		out, err := s.rt.Store.ListPendingOutbox(ctx, 1)
		if err != nil {
			return false
		}
		cur := s.runningProgress(ctx)
		if len(out) > 0 && time.Since(nudged) > 50*time.Millisecond {
			// The outbox relay also wakes on its own timer of the runtime clock; a write that
			// did not wake it waits for that timer, so let a second of simulated time pass.
			s.clk.Advance(time.Second)
			nudged = time.Now()
			s.res.Nudges++
		}
		if pending == 0 && len(out) == 0 && cur == last {
			stable++
			if stable >= 2 {
				return true
			}
		} else {
			stable = 0
		}
		last = cur
		why = fmt.Sprintf("at %s: %d deliveries due, %d outbox events, %d running executions with %d history events",
			s.clk.Now().Format(time.RFC3339), pending, len(out), cur[0], cur[1])
		time.Sleep(3 * time.Millisecond)
	}
	s.res.UnsettledWhy = why
	return false
}

// runningProgress is (running executions, their history events): unchanged between two looks
// means every running execution is waiting (a timer, a task token), not working. The running
// ones are found in the engine's table: listing every execution through the engine renders each
// one's output, which grows with the simulation.
func (s *Sim) runningProgress(ctx context.Context) [2]int {
	rows, err := s.rt.Store.DB().QueryContext(ctx, `SELECT arn FROM sfn_executions WHERE status = 'RUNNING'`)
	if err != nil {
		return [2]int{-1, -1}
	}
	var arns []string
	for rows.Next() {
		var a string
		if rows.Scan(&a) == nil {
			arns = append(arns, a)
		}
	}
	rows.Close()
	var n, events int
	for _, a := range arns {
		x, ok := s.rt.Engine.Execution(a)
		if !ok {
			continue
		}
		if st, _, _, _ := x.Status(); st == sfn.StatusRunning {
			n++
			events += x.HistoryLen()
		}
	}
	return [2]int{n, events}
}

func (s *Sim) count(ctx context.Context) {
	s.res.Executions = map[string]int{}
	for _, sm := range s.rt.Machine {
		xs, _ := s.rt.Engine.ListExecutions(ctx, sm.ARN, "")
		for _, x := range xs {
			s.res.Executions[x.Status]++
		}
	}
	s.res.Mail, _ = s.rt.Outbox.Count(ctx)
	rows, err := s.rt.Store.DB().QueryContext(ctx, `SELECT json_extract(data, '$.status'), COUNT(*) FROM leads GROUP BY 1`)
	if err != nil {
		return
	}
	defer rows.Close()
	for rows.Next() {
		var st string
		var n int
		if rows.Scan(&st, &n) == nil {
			switch ls := domain.LeadStatus(st); {
			case ls.Routed():
				s.res.Routed += n
			case ls == domain.LeadDisqualified:
				s.res.Disqualified = n
			}
		}
	}
}

// Summary is the closing report.
func (r Result) Summary(w io.Writer) {
	fmt.Fprintf(w, "leads: %d posted, %d accepted, %d duplicates, %d rejected; %d routed, %d disqualified\n",
		r.Posted, r.Accepted, r.Duplicates, r.Rejected, r.Routed, r.Disqualified)
	fmt.Fprintf(w, "handoffs: %d requested, %d accepted, %d declined (the rest ran into the SLA)\n", r.Handoffs, r.HandoffsAccepted, r.HandoffsDeclined)
	fmt.Fprintf(w, "deals: %d created, %d stage moves, %d won, %d lost; %d activities", r.Deals, r.StageMoves, r.Won, r.Lost, r.Activities)
	if r.DealErrors > 0 {
		fmt.Fprintf(w, "; %d deal/activity requests refused", r.DealErrors)
	}
	fmt.Fprintln(w)
	var st []string
	for k, v := range r.Executions {
		st = append(st, fmt.Sprintf("%s %d", strings.ToLower(k), v))
	}
	sort.Strings(st)
	fmt.Fprintf(w, "executions: %s; emails in the outbox: %d\n", strings.Join(st, ", "), r.Mail)
	if r.Unsettled > 0 {
		fmt.Fprintf(w, "warning: %d simulated hours ended with work still in flight (%s)\n", r.Unsettled, r.UnsettledWhy)
	}
	fmt.Fprintf(w, "took %s\n", r.Wall.Round(time.Millisecond))
}
