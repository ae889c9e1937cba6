package qualify

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Model is the org's scoring model. It mirrors the scoring section of the org file so that
// shared/config can fill it; qualify validates it again because a bad model silently misroutes.
type Model struct {
	Fit        []FitRule        `json:"fit,omitempty" yaml:"fit,omitempty"`
	Engagement []EngagementRule `json:"engagement,omitempty" yaml:"engagement,omitempty"`
	// HalfLife halves an engagement touch's points every HalfLife of age; 0 means no decay.
	HalfLife   time.Duration    `json:"halfLife,omitempty" yaml:"halfLife,omitempty"`
	MQL        int              `json:"mql" yaml:"mql"` // a score ≥ MQL is a marketing-qualified lead
	SQL        int              `json:"sql" yaml:"sql"` // a score ≥ SQL is a sales-qualified lead
	Disqualify []DisqualifyRule `json:"disqualify,omitempty" yaml:"disqualify,omitempty"`
}

// FitRule adds (or, negative, removes) Points when every condition holds for the lead.
type FitRule struct {
	ID     string      `json:"id" yaml:"id"`
	Points int         `json:"points" yaml:"points"`
	When   []Condition `json:"when" yaml:"when"`
	Label  string      `json:"label,omitempty" yaml:"label,omitempty"` // replaces the generated description
}

// EngagementRule gives Points for each touch of one kind (a page view, a webinar, a reply),
// decayed by the model's half-life; Max caps the rule's decayed total (0 = no cap).
type EngagementRule struct {
	ID       string `json:"id" yaml:"id"`
	Activity string `json:"activity" yaml:"activity"`
	Points   int    `json:"points" yaml:"points"`
	Max      int    `json:"max,omitempty" yaml:"max,omitempty"`
}

// DisqualifyRule marks the lead disqualified when every condition holds (competitor domain,
// students, a country the company does not sell to).
type DisqualifyRule struct {
	ID     string      `json:"id" yaml:"id"`
	When   []Condition `json:"when" yaml:"when"`
	Reason string      `json:"reason,omitempty" yaml:"reason,omitempty"` // replaces the generated description
}

// Condition tests one lead field. Every operator that is set must hold (they are ANDed); text
// comparisons ignore case. Fields: employees, country, region, state, industry, title, company,
// name, domain (company domain; empty for free-mail), emailDomain, email, source, phone,
// freeMail ("true"/"false"), attributes.<key>.
type Condition struct {
	Field    string   `json:"field" yaml:"field"`
	In       []string `json:"in,omitempty" yaml:"in,omitempty"`
	NotIn    []string `json:"notIn,omitempty" yaml:"notIn,omitempty"`
	Contains []string `json:"contains,omitempty" yaml:"contains,omitempty"` // any of these substrings
	Min      *int     `json:"min,omitempty" yaml:"min,omitempty"`           // numeric, inclusive
	Max      *int     `json:"max,omitempty" yaml:"max,omitempty"`           // numeric, inclusive
	Exists   *bool    `json:"exists,omitempty" yaml:"exists,omitempty"`     // the field is (not) empty
}

// Touch is one engagement signal for a lead: a kind matching EngagementRule.Activity, and when.
type Touch = domain.Touch

// Result is a scored and classified lead.
type Result struct {
	Score            int
	Lines            []domain.ScoreLine // one per rule that added or removed points, in model order
	Grade            domain.LeadGrade
	GradeReason      string // "score 65 ≥ MQL threshold 50 (SQL at 80)"
	Disqualified     bool
	DisqualifyReason string // "email domain in rival.example (rule competitors)"
}

// Apply stores the result on the lead. A lead that was scored is qualified unless a
// disqualify rule matched; its Grade says how far it got.
func (r Result) Apply(l *domain.Lead) {
	l.Score = r.Score
	l.ScoreExplanation = r.Lines
	l.Grade = r.Grade
	l.DisqualifyReason = r.DisqualifyReason
	l.Status = domain.LeadQualified
	if r.Disqualified {
		l.Status = domain.LeadDisqualified
		l.Grade = domain.GradeNone
	}
}

// Score evaluates the model for lead with its engagement touches as of now. The score is the sum
// of the lines' points, so the explanation always adds up to the number a rep sees.
func (m Model) Score(lead domain.Lead, touches []Touch, now time.Time) Result {
	var r Result
	for _, rule := range m.Fit {
		if rule.Points == 0 || !allHold(rule.When, lead) {
			continue
		}
		desc := rule.Label
		if desc == "" {
			desc = describeAll(rule.When)
		}
		r.add("fit", rule.ID, rule.Points, desc)
	}
	for _, rule := range m.Engagement {
		n, raw := 0, 0.0
		for _, t := range touches {
			if !strings.EqualFold(t.Kind, rule.Activity) {
				continue
			}
			n++
			raw += float64(rule.Points) * m.decay(now.Sub(t.At))
		}
		if n == 0 {
			continue
		}
		capped := ""
		if rule.Max > 0 && raw > float64(rule.Max) {
			raw, capped = float64(rule.Max), fmt.Sprintf(", capped at %d", rule.Max)
		}
		pts := int(math.Round(raw))
		if pts == 0 {
			continue
		}
		desc := fmt.Sprintf("%d × %s", n, rule.Activity)
		if m.HalfLife > 0 {
			desc += fmt.Sprintf(" (%d each, half-life %s%s)", rule.Points, formatDays(m.HalfLife), capped)
		} else if capped != "" {
			desc += " (" + strings.TrimPrefix(capped, ", ") + ")"
		}
		r.add("engagement", rule.ID, pts, desc)
	}
	for _, rule := range m.Disqualify {
		if !allHold(rule.When, lead) {
			continue
		}
		why := rule.Reason
		if why == "" {
			why = describeAll(rule.When)
		}
		r.Disqualified = true
		r.DisqualifyReason = fmt.Sprintf("%s (rule %s)", why, rule.ID)
		break // the first matching rule is the reason shown; one is enough to disqualify
	}
	switch {
	case r.Disqualified:
		r.Grade = domain.GradeNone
		r.GradeReason = "disqualified: " + r.DisqualifyReason
	case r.Score >= m.SQL:
		r.Grade = domain.GradeSQL
		r.GradeReason = fmt.Sprintf("score %d ≥ SQL threshold %d", r.Score, m.SQL)
	case r.Score >= m.MQL:
		r.Grade = domain.GradeMQL
		r.GradeReason = fmt.Sprintf("score %d ≥ MQL threshold %d (SQL at %d)", r.Score, m.MQL, m.SQL)
	default:
		r.GradeReason = fmt.Sprintf("score %d < MQL threshold %d", r.Score, m.MQL)
	}
	return r
}

func (r *Result) add(kind, rule string, pts int, desc string) {
	r.Score += pts
	r.Lines = append(r.Lines, domain.ScoreLine{Kind: kind, Rule: rule, Points: pts, Reason: ExplainLine(rule, pts, desc)})
}

// ExplainLine is the stored, human-readable line for one rule: "+20 employees ≥ 500 (rule
// enterprise-size)", "-30 title contains student (rule students)".
func ExplainLine(rule string, points int, desc string) string {
	return fmt.Sprintf("%+d %s (rule %s)", points, desc, rule)
}

// decay is 2^(-age/halfLife): a touch one half-life old is worth half. Touches dated in the
// future (clock skew between systems) count in full rather than more than full.
func (m Model) decay(age time.Duration) float64 {
	if m.HalfLife <= 0 || age <= 0 {
		return 1
	}
	return math.Exp2(-float64(age) / float64(m.HalfLife))
}

func formatDays(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

func allHold(cs []Condition, l domain.Lead) bool {
	for _, c := range cs {
		if !c.Holds(l) {
			return false
		}
	}
	return true
}

// FieldValue reads a condition field from the lead; ok is false for an unknown field name.
func FieldValue(l domain.Lead, field string) (v string, ok bool) {
	switch field {
	case "employees":
		if l.Employees == 0 {
			return "", true
		}
		return strconv.Itoa(l.Employees), true
	case "country":
		return l.Country, true
	case "region":
		return l.Region, true
	case "state":
		return l.State, true
	case "industry":
		return l.Industry, true
	case "title":
		return l.Title, true
	case "company":
		return l.Company, true
	case "name":
		return l.Name, true
	case "domain":
		return l.Domain, true
	case "emailDomain":
		return EmailDomain(l.Email), true
	case "email":
		return l.Email, true
	case "source":
		return l.Source, true
	case "phone":
		return l.Phone, true
	case "freeMail":
		return strconv.FormatBool(l.Email != "" && IsFreeMail(EmailDomain(l.Email))), true
	}
	if k, found := strings.CutPrefix(field, "attributes."); found && k != "" {
		return l.Attributes[k], true
	}
	return "", false
}

// Holds reports whether the condition is true for the lead. An unknown field never holds
// (Validate reports it); a numeric test on a missing or non-numeric value does not hold.
func (c Condition) Holds(l domain.Lead) bool {
	v, ok := FieldValue(l, c.Field)
	if !ok {
		return false
	}
	if c.Exists != nil && (v != "") != *c.Exists {
		return false
	}
	if len(c.In) > 0 && !containsFold(c.In, v) {
		return false
	}
	if len(c.NotIn) > 0 && containsFold(c.NotIn, v) {
		return false
	}
	if len(c.Contains) > 0 {
		lv, any := strings.ToLower(v), false
		for _, s := range c.Contains {
			if s != "" && strings.Contains(lv, strings.ToLower(s)) {
				any = true
				break
			}
		}
		if !any {
			return false
		}
	}
	if c.Min != nil || c.Max != nil {
		n, err := strconv.Atoi(v)
		if err != nil {
			return false
		}
		if c.Min != nil && n < *c.Min || c.Max != nil && n > *c.Max {
			return false
		}
	}
	return true
}

func containsFold(list []string, v string) bool {
	for _, s := range list {
		if strings.EqualFold(s, v) {
			return true
		}
	}
	return false
}

func describeAll(cs []Condition) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Describe()
	}
	return strings.Join(parts, " and ")
}

// Describe renders the condition for explanations: "employees ≥ 500", "country in DE, AT, CH".
func (c Condition) Describe() string {
	f := c.Field
	if f == "domain" {
		f = "company domain"
	}
	if f == "emailDomain" {
		f = "email domain"
	}
	var parts []string
	if c.Field == "freeMail" && len(c.In) == 1 {
		if strings.EqualFold(c.In[0], "true") {
			return "free-mail address"
		}
		return "company email address"
	}
	if c.Exists != nil {
		if *c.Exists {
			parts = append(parts, f+" given")
		} else {
			parts = append(parts, "no "+f)
		}
	}
	switch len(c.In) {
	case 0:
	case 1:
		parts = append(parts, f+" = "+c.In[0])
	default:
		parts = append(parts, f+" in "+strings.Join(c.In, ", "))
	}
	if len(c.NotIn) > 0 {
		parts = append(parts, f+" not in "+strings.Join(c.NotIn, ", "))
	}
	if len(c.Contains) > 0 {
		parts = append(parts, f+" contains "+strings.Join(c.Contains, " / "))
	}
	switch {
	case c.Min != nil && c.Max != nil:
		parts = append(parts, fmt.Sprintf("%s %d–%d", f, *c.Min, *c.Max))
	case c.Min != nil:
		parts = append(parts, fmt.Sprintf("%s ≥ %d", f, *c.Min))
	case c.Max != nil:
		parts = append(parts, fmt.Sprintf("%s ≤ %d", f, *c.Max))
	}
	if len(parts) == 0 {
		return f + " (no test)"
	}
	return strings.Join(parts, " and ")
}

// Validate lists every problem with the model, each naming the rule and field, so the org file's
// loader can show them with file positions.
func (m Model) Validate() FieldErrors {
	var errs FieldErrors
	ids := map[string]string{}
	checkID := func(path, id string) {
		if id == "" {
			errs.Add(path+".id", "required")
			return
		}
		if prev, dup := ids[id]; dup {
			errs.Add(path+".id", fmt.Sprintf("%q is already used by %s", id, prev))
			return
		}
		ids[id] = path
	}
	checkWhen := func(path string, cs []Condition) {
		if len(cs) == 0 {
			errs.Add(path+".when", "needs at least one condition")
		}
		for i, c := range cs {
			p := fmt.Sprintf("%s.when[%d]", path, i)
			if _, ok := FieldValue(domain.Lead{}, c.Field); !ok {
				errs.Add(p+".field", fmt.Sprintf("unknown field %q (known: %s)", c.Field, knownFields))
			}
			if c.Exists == nil && len(c.In) == 0 && len(c.NotIn) == 0 && len(c.Contains) == 0 && c.Min == nil && c.Max == nil {
				errs.Add(p, "no test: set in, notIn, contains, min, max or exists")
			}
			if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
				errs.Add(p, fmt.Sprintf("min %d is greater than max %d", *c.Min, *c.Max))
			}
		}
	}
	for i, r := range m.Fit {
		p := fmt.Sprintf("fit[%d]", i)
		checkID(p, r.ID)
		checkWhen(p, r.When)
		if r.Points == 0 {
			errs.Add(p+".points", "must not be 0")
		}
	}
	for i, r := range m.Engagement {
		p := fmt.Sprintf("engagement[%d]", i)
		checkID(p, r.ID)
		if r.Activity == "" {
			errs.Add(p+".activity", "required")
		}
		if r.Points == 0 {
			errs.Add(p+".points", "must not be 0")
		}
		if r.Max < 0 {
			errs.Add(p+".max", "must not be negative")
		}
	}
	for i, r := range m.Disqualify {
		p := fmt.Sprintf("disqualify[%d]", i)
		checkID(p, r.ID)
		checkWhen(p, r.When)
	}
	if m.HalfLife < 0 {
		errs.Add("halfLife", "must not be negative")
	}
	if m.SQL < m.MQL {
		errs.Add("sql", fmt.Sprintf("SQL threshold %d is below the MQL threshold %d", m.SQL, m.MQL))
	}
	return errs
}

var knownFields = func() string {
	f := []string{"employees", "country", "region", "state", "industry", "title", "company", "name",
		"domain", "emailDomain", "email", "source", "phone", "freeMail", "attributes.<key>"}
	sort.Strings(f)
	return strings.Join(f, ", ")
}()
