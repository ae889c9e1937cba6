package config

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"

	// Embedded zone data: an org file must validate the same on a laptop, in CI and in Lambda.
	_ "time/tzdata"
)

// validator checks a decoded org, reporting each problem at the position of the path it concerns.
type validator struct {
	*decoder
	org *Org
	// now is when the file is checked: a digest schedule must fire again after it.
	now time.Time
}

func (v *validator) at(path string) pos {
	for p := path; ; {
		if ps, ok := v.pos[p]; ok {
			return ps
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return pos{line: 1, col: 1, end: 1}
		}
		p = p[:i]
	}
}

func (v *validator) errorf(path, format string, args ...any) {
	p := v.at(path)
	v.problems = append(v.problems, Problem{File: v.file, Line: p.line, Col: p.col, Path: path,
		Message: fmt.Sprintf(format, args...)})
}

func (v *validator) has(path string) bool { _, ok := v.pos[path]; return ok }

// require reports a missing value; set is whether it has one.
func (v *validator) require(path string, set bool) bool {
	if !set && !v.bad[path] {
		p := v.at(path)
		v.problems = append(v.problems, Problem{File: v.file, Line: p.line, Col: p.col, Path: path,
			Message: "required", missing: true})
	}
	return set
}

// unique reports a repeated id; seen maps ids to the path that first used them.
func (v *validator) unique(seen map[string]string, id, path, what string) {
	if id == "" {
		return
	}
	if first, dup := seen[id]; dup {
		v.errorf(path, "duplicate %s %q (first at %s)", what, id, first)
		return
	}
	seen[id] = path
}

// ref reports an id that names nothing; known lists what it may name (for a suggestion).
func (v *validator) ref(path, what, id string, ok bool, known []string) bool {
	if id == "" || ok {
		return true
	}
	msg := fmt.Sprintf("unknown %s %q", what, id)
	if s := suggest(id, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	v.errorf(path, "%s", msg)
	return false
}

func (v *validator) zone(path, name string) {
	if name == "" {
		return
	}
	if _, err := time.LoadLocation(name); err != nil || name == "Local" {
		msg := fmt.Sprintf("unknown time zone %q", name)
		if s := suggest(name, zoneNames); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		v.errorf(path, "%s", msg)
	}
}

func (v *validator) locale(path, l string) {
	if l != "" && !slices.Contains(locales, l) {
		msg := fmt.Sprintf("unsupported locale %q (supported: %s)", l, strings.Join(locales, ", "))
		if s := suggest(l, locales); s != "" {
			msg = fmt.Sprintf("unsupported locale %q (did you mean %q?)", l, s)
		}
		v.errorf(path, "%s", msg)
	}
}

func (v *validator) currency(path, c string) {
	if c != "" && !domain.IsISO4217(c) {
		v.errorf(path, "unknown currency %q (want an ISO 4217 code such as EUR or USD)", c)
	}
}

func (v *validator) country(path, c string) bool {
	if !countryCodes[c] {
		v.errorf(path, "unknown country code %q (want ISO 3166-1 alpha-2, e.g. DE, US)", c)
		return false
	}
	return true
}

var (
	regionCode = regexp.MustCompile(`^([A-Z]{2})-[A-Z0-9]{1,3}$`)
	envName    = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	slugID     = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)
	slackID    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	domainName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

func (v *validator) region(path, r string) bool {
	m := regionCode.FindStringSubmatch(r)
	if m == nil || !countryCodes[m[1]] {
		v.errorf(path, "invalid region %q (want an ISO 3166-2 code such as US-NY or DE-BY)", r)
		return false
	}
	return true
}

// calendar checks a holiday calendar name: it, or its country, must have a holiday list.
func (v *validator) calendar(path, c string) {
	if c == "" {
		return
	}
	h := v.org.Settings.Holidays
	country, _, _ := strings.Cut(c, "-")
	if _, ok := h[c]; ok {
		return
	}
	if _, ok := h[country]; ok && regionCode.MatchString(c) {
		return
	}
	v.errorf(path, "unknown holiday calendar %q (calendars: %s)", c, strings.Join(sortedKeys(h), ", "))
}

func (v *validator) envVar(path, name string) {
	if name != "" && !envName.MatchString(name) {
		v.errorf(path, "must be the NAME of an environment variable holding the secret (e.g. DEALFLOW_LEADS_SECRET), never the secret itself")
	}
}

func (v *validator) condition(path string, c domain.Condition) {
	if !v.require(path+".field", c.Field != "") {
		return
	}
	if !slices.Contains(domain.LeadFields, c.Field) {
		v.ref(path+".field", "lead field", c.Field, false, domain.LeadFields)
		return
	}
	ops := 0
	for _, set := range []bool{c.Equals != "", c.In != nil, c.NotIn != nil, c.Contains != "", c.Gte != nil || c.Lte != nil, c.Missing, c.FreeMail} {
		if set {
			ops++
		}
	}
	if ops != 1 {
		v.errorf(path, "needs exactly one of equals, in, not_in, contains, gte/lte, missing, free_mail (has %d)", ops)
	}
	if (c.Gte != nil || c.Lte != nil) && c.Field != "employees" {
		v.errorf(path+".field", "gte/lte compare numbers; only employees is a number")
	}
	if c.FreeMail && c.Field != "email_domain" {
		v.errorf(path+".field", "free_mail applies to email_domain")
	}
}

func validate(o *Org, d *decoder) {
	v := &validator{decoder: d, org: o, now: time.Now()}
	v.settings()
	v.segments()
	v.reps()
	v.teams()
	v.territories()
	v.routing()
	v.scoring()
	v.handoff()
	v.pipelines()
	v.reminders()
	v.onboarding()
	v.digests()
	v.webhooks()
	v.forms()
	v.competitors()
	v.forecastCategories()
	v.commissionPlans()
}

var routeKey = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) /\S*$`)

func (v *validator) settings() {
	s := v.org.Settings
	v.require("org", v.has("org"))
	v.require("org.name", s.Name != "")
	v.locale("org.locale", s.Locale)
	if v.require("org.currency", s.Currency != "") {
		v.currency("org.currency", s.Currency)
	}
	for _, c := range sortedKeys(s.CurrencyRates) {
		v.currency("org.currency_rates."+c, c)
		if c == s.Currency {
			v.errorf("org.currency_rates."+c, "%s is the org currency; its rate is 1 by definition", c)
		}
	}
	v.zone("org.timezone", s.Timezone)
	for _, cal := range sortedKeys(s.Holidays) {
		path := "org.holidays." + cal
		if regionCode.MatchString(cal) {
			v.region(path, cal)
		} else {
			v.country(path, cal)
		}
		for i, h := range s.Holidays[cal] {
			v.require(fmt.Sprintf("%s[%d].date", path, i), !h.Date.IsZero())
		}
	}
	v.calendar("org.holiday_calendar", s.HolidayCalendar)
	if s.PublicURL != "" {
		if u, err := url.Parse(s.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.errorf("org.public_url", "invalid URL %q (want http(s)://host[/path])", s.PublicURL)
		}
	}
	for _, k := range sortedKeys(s.APIThrottling) {
		path, t := "org.api_throttling."+k, s.APIThrottling[k]
		if k != "default" && !routeKey.MatchString(k) {
			v.errorf(path, "key %q: use \"default\" or a route as \"METHOD /path\" (e.g. \"POST /v1/leads\")", k)
		}
		if t.Rate <= 0 {
			v.errorf(path+".rate", "must be more than 0 requests per second")
		}
		if t.Burst < 1 {
			v.errorf(path+".burst", "must be at least 1")
		}
	}
	if s.EmailFrom != "" {
		if _, err := mail.ParseAddress(s.EmailFrom); err != nil {
			v.errorf("org.email_from", "invalid sender %q: %v", s.EmailFrom, err)
		}
	}
	v.workingWeek("org.working_hours", s.WorkingHours)
}

func (v *validator) workingWeek(path string, w domain.WorkingHours) {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if len(w.Day(d)) > 0 {
			return
		}
	}
	v.errorf(path, "no working hours on any day; business-hour SLAs and reminders need at least one")
}

func (v *validator) segments() {
	seen := map[string]string{}
	for i, s := range v.org.Segments {
		path := fmt.Sprintf("segments[%d]", i)
		if v.require(path+".id", s.ID != "") {
			v.unique(seen, s.ID, path+".id", "segment id")
		}
		if s.MinEmployees < 0 {
			v.errorf(path+".min_employees", "must not be negative")
		}
		if s.MaxEmployees != 0 && s.MaxEmployees < s.MinEmployees {
			v.errorf(path+".max_employees", "%d is below min_employees %d", s.MaxEmployees, s.MinEmployees)
		}
		for j, t := range v.org.Segments[:i] {
			overlap := (s.MaxEmployees == 0 || t.MinEmployees <= s.MaxEmployees) &&
				(t.MaxEmployees == 0 || s.MinEmployees <= t.MaxEmployees)
			if overlap {
				v.errorf(path, "overlaps segment %q (segments[%d]); a company size must fall in one segment", t.ID, j)
			}
		}
	}
}

func (v *validator) reps() {
	seenID, seenEmail := map[string]string{}, map[string]string{}
	for i, r := range v.org.Reps {
		path := fmt.Sprintf("reps[%d]", i)
		if v.require(path+".id", r.ID != "") {
			v.unique(seenID, r.ID, path+".id", "rep id")
		}
		v.require(path+".name", r.Name != "")
		if v.require(path+".email", r.Email != "") {
			if a, err := mail.ParseAddress(r.Email); err != nil || a.Address != r.Email {
				v.errorf(path+".email", "invalid email address %q", r.Email)
			}
			v.unique(seenEmail, strings.ToLower(r.Email), path+".email", "rep email")
		}
		v.require(path+".role", r.Role != "")
		if r.Capacity < 0 {
			v.errorf(path+".capacity", "must not be negative (0 means unlimited)")
		}
		// Values inherited from org: are checked there, once, not again for every rep.
		if v.require(path+".timezone", r.Timezone != "") && v.has(path+".timezone") {
			v.zone(path+".timezone", r.Timezone)
		}
		if v.has(path + ".working_hours") {
			v.workingWeek(path+".working_hours", r.WorkingHours)
		}
		if v.has(path + ".holiday_calendar") {
			v.calendar(path+".holiday_calendar", r.HolidayCalendar)
		}
		for j, a := range r.OutOfOffice {
			p := fmt.Sprintf("%s.out_of_office[%d]", path, j)
			okFrom := v.require(p+".from", !a.From.IsZero())
			okTo := v.require(p+".to", !a.To.IsZero())
			if okFrom && okTo && a.To.Before(a.From) {
				v.errorf(p+".to", "%s is before from %s", a.To, a.From)
			}
		}
		periods := map[string]string{}
		for j, q := range r.Quotas {
			p := fmt.Sprintf("%s.quota[%d]", path, j)
			if v.require(p+".period", q.Period != "") {
				if q.Period != domain.QuotaMonth && q.Period != domain.QuotaQuarter {
					v.errorf(p+".period", "unknown quota period %q (want month or quarter)", q.Period)
				}
				v.unique(periods, string(q.Period), p+".period", "quota period")
			}
			if v.require(p+".amount", q.Amount != "") {
				if m, err := domain.ParseMoney(q.Amount, q.Currency); err != nil {
					v.errorf(p+".amount", "invalid amount %q (a decimal in major units of %s with at most %d decimals)",
						q.Amount, q.Currency, domain.MinorUnits(q.Currency))
				} else if m.AmountMinor <= 0 {
					v.errorf(p+".amount", "must be positive")
				}
			}
			if v.has(p + ".currency") {
				v.currency(p+".currency", q.Currency)
			}
		}
		if v.has(path + ".locale") {
			v.locale(path+".locale", r.Locale)
		}
		if r.SlackID != "" && !slackID.MatchString(r.SlackID) {
			v.errorf(path+".slack_id", "invalid Slack member id %q (e.g. U024BE7LH)", r.SlackID)
		}
	}
	// Team and territory references are checked once teams and territories are known.
	teams, terrs := v.teamIDs(), v.territoryIDs()
	for i, r := range v.org.Reps {
		path := fmt.Sprintf("reps[%d]", i)
		v.ref(path+".team", "team", r.Team, slices.Contains(teams, r.Team), teams)
		v.ref(path+".territory", "territory", r.Territory, slices.Contains(terrs, r.Territory), terrs)
	}
}

func (v *validator) repIDs() []string {
	out := make([]string, 0, len(v.org.Reps))
	for _, r := range v.org.Reps {
		out = append(out, r.ID)
	}
	return out
}

func (v *validator) teamIDs() []string {
	out := []string{}
	for _, t := range v.org.Teams {
		out = append(out, t.ID)
	}
	return out
}

func (v *validator) territoryIDs() []string {
	out := []string{}
	for _, t := range v.org.Territories {
		out = append(out, t.ID)
	}
	return out
}

func (v *validator) segmentIDs() []string {
	out := []string{}
	for _, s := range v.org.Segments {
		out = append(out, s.ID)
	}
	return out
}

// repRef checks a rep reference and, if want is set, the rep's role.
func (v *validator) repRef(path, what, id string, want domain.Role) {
	r, ok := v.org.Rep(id)
	if !v.ref(path, "rep", id, ok, v.repIDs()) {
		return
	}
	if want != "" && r.Role != "" && r.Role != want {
		v.errorf(path, "%s %q is %s, not %s", what, id, roleName(r.Role), roleName(want))
	}
}

// roleName reads well in a message: "an AE", "a manager".
func roleName(r domain.Role) string {
	switch r {
	case domain.RoleSDR:
		return "an SDR"
	case domain.RoleAE:
		return "an AE"
	case domain.RoleCSM:
		return "a CSM"
	}
	return "a " + string(r)
}

func (v *validator) teams() {
	seen := map[string]string{}
	for i, t := range v.org.Teams {
		path := fmt.Sprintf("teams[%d]", i)
		if v.require(path+".id", t.ID != "") {
			v.unique(seen, t.ID, path+".id", "team id")
		}
		if v.require(path+".manager", t.Manager != "") {
			if _, ok := v.org.Rep(t.Manager); !ok {
				v.errorf(path+".manager", "team manager %q is not a rep%s", t.Manager, didYouMean(t.Manager, v.repIDs()))
			} else {
				v.repRef(path+".manager", "team manager", t.Manager, domain.RoleManager)
			}
		}
		if v.has(path + ".currency") {
			v.currency(path+".currency", t.Currency)
			if t.Currency != v.org.Settings.Currency && v.org.Settings.CurrencyRates[t.Currency].Rat() == nil {
				v.errorf(path+".currency", "no rate for %s: add it under org.currency_rates (units of %s per %s) so the team's digest can convert",
					t.Currency, v.org.Settings.Currency, t.Currency)
			}
		}
		members := map[string]string{}
		for j, m := range t.Members {
			p := fmt.Sprintf("%s.members[%d]", path, j)
			v.unique(members, m, p, "member")
			r, ok := v.org.Rep(m)
			if !v.ref(p, "rep", m, ok, v.repIDs()) {
				continue
			}
			if r.Team != "" && r.Team != t.ID {
				v.errorf(p, "rep %q is in team %q (reps[].team), not %q", m, r.Team, t.ID)
			}
		}
	}
}

func didYouMean(s string, known []string) string {
	if m := suggest(s, known); m != "" {
		return fmt.Sprintf(" (did you mean %q?)", m)
	}
	return ""
}

func (v *validator) territories() {
	seen := map[string]string{}
	segs := v.segmentIDs()
	for i, t := range v.org.Territories {
		path := fmt.Sprintf("territories[%d]", i)
		if v.require(path+".id", t.ID != "") {
			v.unique(seen, t.ID, path+".id", "territory id")
		}
		if len(t.Countries) == 0 && len(t.Regions) == 0 {
			v.errorf(path, "needs countries or regions")
		}
		for j, c := range t.Countries {
			v.country(fmt.Sprintf("%s.countries[%d]", path, j), c)
		}
		for j, r := range t.Regions {
			p := fmt.Sprintf("%s.regions[%d]", path, j)
			if v.region(p, r) && len(t.Countries) > 0 && !slices.Contains(t.Countries, r[:2]) {
				v.errorf(p, "region %q is not in this territory's countries", r)
			}
		}
		for j, s := range t.Segments {
			v.ref(fmt.Sprintf("%s.segments[%d]", path, j), "segment", s, slices.Contains(segs, s), segs)
		}
	}
}

func (v *validator) routing() {
	rt := v.org.Routing
	pools := []string{}
	for _, p := range rt.Pools {
		pools = append(pools, p.ID)
	}
	seenRule := map[string]string{}
	terrs, segs := v.territoryIDs(), v.segmentIDs()
	for i, r := range rt.Rules {
		path := fmt.Sprintf("routing.rules[%d]", i)
		if v.require(path+".id", r.ID != "") {
			v.unique(seenRule, r.ID, path+".id", "rule id")
		}
		switch r.Stage {
		case domain.RouteLead, domain.RouteHandoff, domain.RouteOnboarding:
		default:
			v.errorf(path+".stage", "unknown stage %q (want lead, handoff or onboarding)", r.Stage)
		}
		m := r.Match
		for j, t := range m.Territories {
			v.ref(fmt.Sprintf("%s.match.territories[%d]", path, j), "territory", t, slices.Contains(terrs, t), terrs)
		}
		for j, c := range m.Countries {
			v.country(fmt.Sprintf("%s.match.countries[%d]", path, j), c)
		}
		for j, s := range m.Segments {
			v.ref(fmt.Sprintf("%s.match.segments[%d]", path, j), "segment", s, slices.Contains(segs, s), segs)
		}
		for j, s := range m.Statuses {
			if s != "mql" && s != "sql" {
				v.errorf(fmt.Sprintf("%s.match.statuses[%d]", path, j), "unknown lead status %q (want mql or sql)", s)
			}
		}
		a := r.Action
		n := 0
		for _, set := range []bool{a.AccountOwner, a.Pool != "", a.Rep != "", a.Queue != ""} {
			if set {
				n++
			}
		}
		if n != 1 {
			v.errorf(path+".action", "needs exactly one of account_owner, pool, rep, queue (has %d)", n)
		}
		if a.Pool != "" {
			p, ok := v.org.Pool(a.Pool)
			if v.ref(path+".action.pool", "pool", a.Pool, ok, pools) && p.Role != "" {
				want := map[domain.RoutingStage][]domain.Role{
					domain.RouteLead:       {domain.RoleSDR, domain.RoleAE},
					domain.RouteHandoff:    {domain.RoleAE},
					domain.RouteOnboarding: {domain.RoleCSM},
				}[r.Stage]
				if want != nil && !slices.Contains(want, p.Role) {
					v.errorf(path+".action.pool", "pool %q holds %s reps; stage %s needs %s reps", a.Pool,
						strings.ToUpper(string(p.Role)), r.Stage, strings.ToUpper(string(want[len(want)-1])))
				}
			}
		}
		if a.Rep != "" {
			v.repRef(path+".action.rep", "rule owner", a.Rep, "")
		}
		if m.ExistingAccount && !a.AccountOwner {
			v.errorf(path+".action", "a rule matching existing_account should assign account_owner")
		}
	}
	seenPool := map[string]string{}
	for i, p := range rt.Pools {
		path := fmt.Sprintf("routing.pools[%d]", i)
		if v.require(path+".id", p.ID != "") {
			v.unique(seenPool, p.ID, path+".id", "pool id")
		}
		v.require(path+".role", p.Role != "")
		if len(p.Members) == 0 {
			v.errorf(path+".members", "a pool needs at least one member")
		}
		members := map[string]string{}
		for j, m := range p.Members {
			mp := fmt.Sprintf("%s.members[%d]", path, j)
			if !v.require(mp+".rep", m.Rep != "") {
				continue
			}
			v.unique(members, m.Rep, mp+".rep", "pool member")
			v.repRef(mp+".rep", "pool member", m.Rep, p.Role)
			if m.Weight <= 0 {
				v.errorf(mp+".weight", "weight must be positive, got %d", m.Weight)
			}
			if m.DailyCap < 0 {
				v.errorf(mp+".daily_cap", "must not be negative (0 means no cap)")
			}
			if m.MonthlyCap < 0 {
				v.errorf(mp+".monthly_cap", "must not be negative (0 means no cap)")
			}
			if m.MonthlyCap > 0 && m.DailyCap > m.MonthlyCap {
				v.errorf(mp+".daily_cap", "daily cap %d exceeds monthly cap %d", m.DailyCap, m.MonthlyCap)
			}
		}
	}
	fb := rt.Fallback
	if fb.Rep == "" && fb.Queue == "" {
		v.errorf("routing.fallback", "needs a rep or a queue: where a lead goes when no rule or pool can take it")
	}
	if fb.Rep != "" {
		v.repRef("routing.fallback.rep", "fallback owner", fb.Rep, "")
	}
}

func (v *validator) scoring() {
	s := v.org.Scoring
	seen := map[string]string{}
	for i, r := range s.Fit {
		path := fmt.Sprintf("scoring.fit[%d]", i)
		if v.require(path+".id", r.ID != "") {
			v.unique(seen, r.ID, path+".id", "scoring rule id")
		}
		v.condition(path+".when", r.When)
		if r.Points == 0 {
			v.errorf(path+".points", "a fit rule worth 0 points does nothing")
		}
	}
	acts := map[string]string{}
	for i, e := range s.Engagement {
		path := fmt.Sprintf("scoring.engagement[%d]", i)
		if v.require(path+".activity", e.Activity != "") {
			v.unique(acts, e.Activity, path+".activity", "engagement activity")
		}
		if e.Max < 0 {
			v.errorf(path+".max", "must not be negative (0 means no cap)")
		}
	}
	if s.DecayHalfLife.Duration < 0 {
		v.errorf("scoring.decay_half_life", "must not be negative (0 means no decay)")
	}
	t := s.Thresholds
	if v.require("scoring.thresholds.mql", v.has("scoring.thresholds.mql")) && t.MQL <= 0 {
		v.errorf("scoring.thresholds.mql", "must be positive")
	}
	if v.require("scoring.thresholds.sql", v.has("scoring.thresholds.sql")) && t.SQL < t.MQL {
		v.errorf("scoring.thresholds.sql", "SQL threshold %d is below the MQL threshold %d", t.SQL, t.MQL)
	}
	for i, r := range s.Disqualify {
		path := fmt.Sprintf("scoring.disqualify[%d]", i)
		if v.require(path+".id", r.ID != "") {
			v.unique(seen, r.ID, path+".id", "scoring rule id")
		}
		v.condition(path+".when", r.When)
		v.require(path+".reason", r.Reason != "")
	}
	for i, d := range s.CompetitorDomains {
		if !domainName.MatchString(d) {
			v.errorf(fmt.Sprintf("scoring.competitor_domains[%d]", i), "invalid domain %q (lower-case, e.g. rival.com)", d)
		}
	}
}

func (v *validator) handoff() {
	h := v.org.Handoff
	switch h.Qualification {
	case domain.QualificationBANT, domain.QualificationMEDDIC:
		if len(h.RequiredFields) > 0 {
			v.errorf("handoff.required_fields", "only used with qualification: custom (%s has fixed fields)", h.Qualification)
		}
	case domain.QualificationCustom:
		if len(h.RequiredFields) == 0 {
			v.errorf("handoff.required_fields", "qualification: custom needs the list of required fields")
		}
	default:
		v.errorf("handoff.qualification", "unknown qualification %q (want bant, meddic or custom)", h.Qualification)
	}
	if h.SLABusinessHours <= 0 {
		v.errorf("handoff.sla_business_hours", "must be positive")
	}
	if h.SecondWindowBusinessHours < 0 {
		v.errorf("handoff.second_window_business_hours", "must not be negative")
	}
}

func (v *validator) pipelines() {
	if len(v.org.Pipelines) == 0 {
		v.errorf("pipelines", "at least one pipeline is required")
	}
	seen := map[string]string{}
	defaults := 0
	for i, p := range v.org.Pipelines {
		path := fmt.Sprintf("pipelines[%d]", i)
		if v.require(path+".id", p.ID != "") {
			v.unique(seen, p.ID, path+".id", "pipeline id")
		}
		if p.Default {
			if defaults++; defaults > 1 {
				v.errorf(path+".default", "only one pipeline can be the default")
			}
		}
		if len(p.Stages) == 0 {
			v.errorf(path+".stages", "a pipeline needs stages")
			continue
		}
		stages, hubspot := map[string]string{}, map[string]string{}
		won, lost := 0, 0
		for j, s := range p.Stages {
			sp := fmt.Sprintf("%s.stages[%d]", path, j)
			if v.require(sp+".id", s.ID != "") {
				v.unique(stages, s.ID, sp+".id", "stage id")
			}
			v.require(sp+".name", s.Name != "")
			if s.Probability < 0 || s.Probability > 100 {
				v.errorf(sp+".probability", "probability %d is out of range 0..100", s.Probability)
			}
			v.unique(hubspot, s.HubSpotID, sp+".hubspot_id", "hubspot_id")
			switch {
			case s.Won && s.Lost:
				v.errorf(sp, "a stage cannot be both won and lost")
			case s.Won:
				won++
				if s.Probability != 100 {
					v.errorf(sp+".probability", "a won stage has probability 100, not %d", s.Probability)
				}
			case s.Lost:
				lost++
				if s.Probability != 0 {
					v.errorf(sp+".probability", "a lost stage has probability 0, not %d", s.Probability)
				}
			}
		}
		if won != 1 {
			v.errorf(path+".stages", "needs exactly one won stage (won: true), has %d", won)
		}
		if lost == 0 {
			v.errorf(path+".stages", "needs a lost stage (lost: true)")
		}
		reasons := map[string]string{}
		for j, r := range p.LostReasons {
			rp := fmt.Sprintf("%s.lost_reasons[%d]", path, j)
			if v.require(rp, strings.TrimSpace(r) != "") {
				v.unique(reasons, r, rp, "lost reason")
			}
		}
	}
}

func (v *validator) reminders() {
	seen := map[string]string{}
	for i, r := range v.org.ReminderPolicies {
		path := fmt.Sprintf("reminder_policies[%d]", i)
		if v.require(path+".id", r.ID != "") {
			v.unique(seen, r.ID, path+".id", "reminder policy id")
		}
		var pl *domain.Pipeline
		if r.Pipeline != "" {
			p, ok := v.org.Pipeline(r.Pipeline)
			ids := []string{}
			for _, x := range v.org.Pipelines {
				ids = append(ids, x.ID)
			}
			if v.ref(path+".pipeline", "pipeline", r.Pipeline, ok, ids) {
				pl = p
			}
		} else if p, ok := v.org.Pipeline(""); ok {
			pl = p
		}
		if pl != nil {
			ids := []string{}
			for _, s := range pl.Stages {
				ids = append(ids, s.ID)
			}
			for j, sid := range r.Stages {
				sp := fmt.Sprintf("%s.stages[%d]", path, j)
				s, ok := pl.Stage(sid)
				if v.ref(sp, "stage of pipeline "+pl.ID, sid, ok, ids) && (s.Won || s.Lost) {
					v.errorf(sp, "stage %q is closed; reminders are for open deals", sid)
				}
			}
		}
		if v.require(path+".trigger", r.Trigger != "") && !slices.Contains(domain.ReminderTriggers, r.Trigger) {
			v.ref(path+".trigger", "trigger", r.Trigger, false, domain.ReminderTriggers)
		}
		if r.Trigger == domain.TriggerNoActivity && r.BusinessDays <= 0 {
			v.errorf(path+".business_days", "no_activity needs business_days > 0")
		}
		if r.BusinessDays < 0 {
			v.errorf(path+".business_days", "must not be negative")
		}
		switch r.Period {
		case domain.PeriodDay, domain.PeriodWeek, domain.PeriodMonth:
		default:
			v.errorf(path+".period", "unknown period %q (want day, week or month)", r.Period)
		}
		if r.EscalateAfter < 0 {
			v.errorf(path+".escalate_after", "must not be negative (0 never escalates)")
		}
	}
}

func (v *validator) onboarding() {
	seen := map[string]string{}
	segs := v.segmentIDs()
	defaults := 0
	for i, p := range v.org.OnboardingPlans {
		path := fmt.Sprintf("onboarding_plans[%d]", i)
		if v.require(path+".id", p.ID != "") {
			v.unique(seen, p.ID, path+".id", "onboarding plan id")
		}
		if p.Default {
			if defaults++; defaults > 1 {
				v.errorf(path+".default", "only one onboarding plan can be the default")
			}
		}
		for j, s := range p.Segments {
			v.ref(fmt.Sprintf("%s.segments[%d]", path, j), "segment", s, slices.Contains(segs, s), segs)
		}
		if p.EscalateAfterBusinessDays < 0 {
			v.errorf(path+".escalate_after_business_days", "must not be negative")
		}
		if len(p.Milestones) == 0 {
			v.errorf(path+".milestones", "a plan needs milestones")
		}
		ms := map[string]string{}
		for j, m := range p.Milestones {
			mp := fmt.Sprintf("%s.milestones[%d]", path, j)
			if v.require(mp+".id", m.ID != "") {
				v.unique(ms, m.ID, mp+".id", "milestone id")
			}
			v.require(mp+".name", m.Name != "")
			if m.OffsetBusinessDays < 0 {
				v.errorf(mp+".offset_business_days", "must not be negative")
			} else if j > 0 && m.OffsetBusinessDays < p.Milestones[j-1].OffsetBusinessDays {
				v.errorf(mp+".offset_business_days", "%d comes before the previous milestone's %d; list milestones in order",
					m.OffsetBusinessDays, p.Milestones[j-1].OffsetBusinessDays)
			}
		}
	}
}

func (v *validator) digests() {
	seen := map[string]string{}
	for i, dg := range v.org.Digests {
		path := fmt.Sprintf("digests[%d]", i)
		v.unique(seen, dg.ID, path+".id", "digest id")
		if v.require(path+".manager", dg.Manager != "") {
			v.repRef(path+".manager", "digest manager", dg.Manager, domain.RoleManager)
		}
		if v.require(path+".schedule", dg.Schedule != "") {
			if err := checkCronShape(dg.Schedule); err != nil {
				v.errorf(path+".schedule", "%v", err)
			} else if loc, lerr := time.LoadLocation(dg.Timezone); lerr == nil {
				if err := checkScheduleFires(dg.Schedule, loc, v.now); err != nil {
					v.errorf(path+".schedule", "%v", err)
				}
			}
		}
		v.zone(path+".timezone", dg.Timezone)
		switch dg.Period {
		case "week", "month", "quarter":
		default:
			v.errorf(path+".period", "unknown period %q (want week, month or quarter)", dg.Period)
		}
	}
}

// hubspotPropertyName is the shape of a HubSpot property's internal name.
var hubspotPropertyName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,99}$`)

func (v *validator) webhooks() {
	w := v.org.Webhooks
	for i, e := range w.Leads.SecretEnv {
		v.envVar(fmt.Sprintf("webhooks.leads.secret_env[%d]", i), e)
	}
	if w.Leads.Tolerance.Duration <= 0 {
		v.errorf("webhooks.leads.tolerance", "must be positive")
	}
	v.envVar("webhooks.hubspot.client_secret_env", w.HubSpot.ClientSecretEnv)
	v.envVar("webhooks.hubspot.access_token_env", w.HubSpot.AccessTokenEnv)
	hs := v.org.Integrations.HubSpot
	v.envVar("integrations.hubspot.access_token_env", hs.AccessTokenEnv)
	if hs.APIBaseURL != "" {
		if u, err := url.Parse(hs.APIBaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			v.errorf("integrations.hubspot.api_base_url", "must be an origin like https://api.hubapi.com (scheme and host, no path)")
		}
	}
	if p := hs.WriteBack.LeadStatusProperty; p != "" && !hubspotPropertyName.MatchString(p) {
		v.errorf("integrations.hubspot.write_back.lead_status_property", "must be a HubSpot property's internal name (lower case letters, digits, underscores), e.g. hs_lead_status")
	}
	for i, s := range w.HubSpot.SignatureVersions {
		if s != "v1" && s != "v2" && s != "v3" {
			v.errorf(fmt.Sprintf("webhooks.hubspot.signature_versions[%d]", i), "unknown signature version %q (want v1, v2 or v3)", s)
		}
	}
	v.envVar("webhooks.slack.webhook_url_env", w.Slack.WebhookURLEnv)
}

// formFields are the lead fields a form field may be mapped to (forms[].fields); message is kept
// as an attribute.
var formFields = []string{"email", "name", "first_name", "last_name", "company", "phone", "country",
	"region", "state", "title", "employees", "industry", "website", "message"}

func (v *validator) forms() {
	seen := map[string]string{}
	for i, f := range v.org.Forms {
		path := fmt.Sprintf("forms[%d]", i)
		if v.require(path+".id", f.ID != "") {
			v.unique(seen, f.ID, path+".id", "form id")
			if !slugID.MatchString(f.ID) {
				v.errorf(path+".id", "form id %q appears in the URL /v1/forms/{id}: use lower-case letters, digits, - and _", f.ID)
			}
		}
		if f.RateLimit.Requests < 0 || (f.RateLimit.Requests > 0) != (f.RateLimit.Per.Duration > 0) {
			v.errorf(path+".rate_limit", "needs both requests > 0 and per > 0 (e.g. requests: 5, per: 1m)")
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
