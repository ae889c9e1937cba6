package domain

// The org file types: who sells (reps, teams, territories), how leads are routed and scored, what
// a handoff needs, the pipelines, reminder policies, onboarding plans and digest schedules.
// shared/config loads and validates them from YAML (the yaml tags are the file's keys); JSON tags
// follow the rest of the domain (lowerCamelCase) so the console and the events can show them.

import (
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// Org is the whole org file.
type Org struct {
	Settings         OrgSettings      `yaml:"org" json:"org"`
	Segments         []Segment        `yaml:"segments" json:"segments,omitempty"`
	Reps             []Rep            `yaml:"reps" json:"reps"`
	Teams            []Team           `yaml:"teams" json:"teams"`
	Territories      []Territory      `yaml:"territories" json:"territories,omitempty"`
	Routing          Routing          `yaml:"routing" json:"routing"`
	Scoring          ScoringModel     `yaml:"scoring" json:"scoring"`
	Handoff          HandoffPolicy    `yaml:"handoff" json:"handoff"`
	Pipelines        []Pipeline       `yaml:"pipelines" json:"pipelines"`
	ReminderPolicies []ReminderPolicy `yaml:"reminder_policies" json:"reminderPolicies,omitempty"`
	OnboardingPlans  []OnboardingPlan `yaml:"onboarding_plans" json:"onboardingPlans,omitempty"`
	Digests          []DigestSchedule `yaml:"digests" json:"digests,omitempty"`
	Webhooks         WebhookSettings  `yaml:"webhooks" json:"webhooks"`
	Forms            []Form           `yaml:"forms" json:"forms,omitempty"`
	// Admins are the emails of the people who administer dealflow (tokens, every object); they
	// need not be reps.
	Admins       []string     `yaml:"admins" json:"admins,omitempty"`
	Integrations Integrations `yaml:"integrations" json:"integrations"`

	// Deprecations are warnings about settings that still work under an old name; the loader
	// fills them, runtimes log them and `dealflow validate` prints them.
	Deprecations    []string         `yaml:"-" json:"-"`
	Competitors     []Competitor     `yaml:"competitors" json:"competitors,omitempty"`
	CommissionPlans []CommissionPlan `yaml:"commission_plans" json:"commissionPlans,omitempty"`
}

// OrgSettings are the org-wide defaults.
type OrgSettings struct {
	Name string `yaml:"name" json:"name"`
	// Locale is the default for every rep without their own (en-US or de-DE).
	Locale string `yaml:"locale" json:"locale"`
	// Currency is the ISO 4217 code metrics report in.
	Currency string `yaml:"currency" json:"currency"`
	// CurrencyRates gives, per ISO 4217 code, how many units of Currency one unit of it is worth.
	CurrencyRates map[string]ExchangeRate `yaml:"currency_rates" json:"currencyRates,omitempty"`
	// Timezone is the default IANA zone for reps and digests that name none.
	Timezone string `yaml:"timezone" json:"timezone"`
	// WorkingHours is the default week for reps that give none.
	WorkingHours WorkingHours `yaml:"working_hours" json:"workingHours"`
	// HolidayCalendar is the default calendar (a key of Holidays) for reps that name none.
	HolidayCalendar string `yaml:"holiday_calendar" json:"holidayCalendar,omitempty"`
	// Holidays per calendar: an ISO 3166-1 country ("DE") or ISO 3166-2 subdivision ("DE-BY").
	// A rep on "DE-BY" observes the "DE" and the "DE-BY" lists.
	Holidays map[string][]Holiday `yaml:"holidays" json:"holidays,omitempty"`
	// PublicURL is where links in emails (accept/decline, snooze, preferences) point.
	PublicURL string `yaml:"public_url" json:"publicUrl,omitempty"`
	// APIThrottling sets API Gateway throttling per route on AWS, keyed "METHOD /path" as in the
	// route table or "default" for the others (infra applies built-in defaults for what is unset).
	APIThrottling map[string]RouteThrottle `yaml:"api_throttling" json:"apiThrottling,omitempty"`
	// EmailFrom is the sender of every email, e.g. "dealflow <noreply@example.com>".
	EmailFrom string `yaml:"email_from" json:"emailFrom,omitempty"`
	// LeadLimits bound how far one lead grows through merged submissions.
	LeadLimits LeadLimits `yaml:"lead_limits" json:"leadLimits,omitzero"`
}

// Default lead limits: enough for every UTM tag and form field a real funnel sends, small enough
// that a lead always fits one DynamoDB item.
const (
	DefaultMaxLeadAttributes = 100
	DefaultMaxLeadMergeRefs  = 50
)

// LeadLimits bound one lead: a merge that would exceed them keeps the lead's existing
// attributes, drops the new ones beyond MaxAttributes and keeps only the newest MaxMergeRefs.
type LeadLimits struct {
	MaxAttributes int `yaml:"max_attributes" json:"maxAttributes,omitempty"`
	MaxMergeRefs  int `yaml:"max_merge_refs" json:"maxMergeRefs,omitempty"`
}

// Attributes is MaxAttributes or its default.
func (l LeadLimits) Attributes() int {
	if l.MaxAttributes > 0 {
		return l.MaxAttributes
	}
	return DefaultMaxLeadAttributes
}

// MergeRefs is MaxMergeRefs or its default.
func (l LeadLimits) MergeRefs() int {
	if l.MaxMergeRefs > 0 {
		return l.MaxMergeRefs
	}
	return DefaultMaxLeadMergeRefs
}

// Holiday is one non-working day of a calendar.
type Holiday struct {
	Date CalendarDate `yaml:"date" json:"date"`
	Name string       `yaml:"name" json:"name"`
}

// Segment is a named employee-count band, e.g. smb = 1–199 employees.
type Segment struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name,omitempty"`
	// MinEmployees and MaxEmployees are inclusive; MaxEmployees 0 means no upper bound.
	MinEmployees int `yaml:"min_employees" json:"minEmployees"`
	MaxEmployees int `yaml:"max_employees" json:"maxEmployees,omitempty"`
}

// Contains reports whether a company of n employees falls in the segment.
func (s Segment) Contains(n int) bool {
	return n >= s.MinEmployees && (s.MaxEmployees == 0 || n <= s.MaxEmployees)
}

// Role is what a rep does in the sales process.
type Role string

const (
	RoleSDR     Role = "sdr"
	RoleAE      Role = "ae"
	RoleCSM     Role = "csm"
	RoleManager Role = "manager"
)

// Roles lists every valid role.
var Roles = []Role{RoleSDR, RoleAE, RoleCSM, RoleManager}

// UnmarshalText accepts the role in any case ("SDR", "sdr").
func (r *Role) UnmarshalText(b []byte) error {
	s := Role(strings.ToLower(strings.TrimSpace(string(b))))
	for _, v := range Roles {
		if s == v {
			*r = s
			return nil
		}
	}
	return fmt.Errorf("unknown role %q (want one of sdr, ae, csm, manager)", string(b))
}

// Rep is one person who sells, hands over, onboards or manages.
type Rep struct {
	ID    string `yaml:"id" json:"id"`
	Name  string `yaml:"name" json:"name"`
	Email string `yaml:"email" json:"email"`
	Role  Role   `yaml:"role" json:"role"`
	Team  string `yaml:"team" json:"team,omitempty"`
	// Territory is the territory id the rep covers, if any.
	Territory string `yaml:"territory" json:"territory,omitempty"`
	// Capacity is the most open assignments the rep takes at once (leads for SDRs, deals for
	// AEs, onboardings for CSMs); 0 means unlimited.
	Capacity        int          `yaml:"capacity" json:"capacity,omitempty"`
	Timezone        string       `yaml:"timezone" json:"timezone"`
	WorkingHours    WorkingHours `yaml:"working_hours" json:"workingHours"`
	HolidayCalendar string       `yaml:"holiday_calendar" json:"holidayCalendar,omitempty"`
	OutOfOffice     []Absence    `yaml:"out_of_office" json:"outOfOffice,omitempty"`
	Quotas          []Quota      `yaml:"quota" json:"quota,omitempty"`
	StartDate       CalendarDate `yaml:"start_date" json:"startDate,omitzero"`
	Active          bool         `yaml:"active" json:"active"`
	Locale          string       `yaml:"locale" json:"locale"`
	SlackID         string       `yaml:"slack_id" json:"slackId,omitempty"`
}

// Location returns the rep's time zone (UTC if it cannot be loaded; config validation rejects
// unknown zones, so that only happens for hand-built values).
func (r Rep) Location() *time.Location {
	loc, err := LoadLocation(r.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

var locations sync.Map // zone name → *time.Location

// LoadLocation is time.LoadLocation with a cache: routing and reminders ask for the same few
// zones for every lead, and loading parses the zone file each time.
func LoadLocation(name string) (*time.Location, error) {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, loc)
	return loc, nil
}

// OutOfOfficeAt reports whether the rep is away at t, and the absence that covers it.
func (r Rep) OutOfOfficeAt(t time.Time) (Absence, bool) {
	day := DateOf(t.In(r.Location()))
	for _, a := range r.OutOfOffice {
		if a.Covers(day) {
			return a, true
		}
	}
	return Absence{}, false
}

// QuotaFor returns the rep's quota for a period kind ("month" or "quarter").
func (r Rep) QuotaFor(period QuotaPeriod) (Quota, bool) {
	for _, q := range r.Quotas {
		if q.Period == period {
			return q, true
		}
	}
	return Quota{}, false
}

// Absence is an out-of-office period, whole days in the rep's time zone, both ends inclusive.
type Absence struct {
	From   CalendarDate `yaml:"from" json:"from"`
	To     CalendarDate `yaml:"to" json:"to"`
	Reason string       `yaml:"reason" json:"reason,omitempty"`
}

// Covers reports whether day is inside the absence.
func (a Absence) Covers(day CalendarDate) bool { return !day.Before(a.From) && !a.To.Before(day) }

// QuotaPeriod is the length of a quota.
type QuotaPeriod string

const (
	QuotaMonth   QuotaPeriod = "month"
	QuotaQuarter QuotaPeriod = "quarter"
)

// Quota is a booking target for a period.
type Quota struct {
	Period QuotaPeriod `yaml:"period" json:"period"`
	// Amount is written in major units of Currency ("150000", "1234.50").
	Amount   string `yaml:"amount" json:"amount"`
	Currency string `yaml:"currency" json:"currency"`
	// Target is Amount as Money (minor units), filled in by shared/config when the file loads.
	Target Money `yaml:"-" json:"target"`
}

// Team is a manager and the reps who report to them.
type Team struct {
	ID      string   `yaml:"id" json:"id"`
	Name    string   `yaml:"name" json:"name"`
	Manager string   `yaml:"manager" json:"manager"`
	Members []string `yaml:"members" json:"members"`
	// Currency is the ISO 4217 code the team's digests report in (default: the org currency);
	// other currencies convert with the org's rates.
	Currency string `yaml:"currency" json:"currency,omitempty"`
}

// Territory is a slice of the market: countries or regions, company sizes and industries.
type Territory struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Countries are ISO 3166-1 alpha-2 codes.
	Countries []string `yaml:"countries" json:"countries,omitempty"`
	// Regions are ISO 3166-2 subdivision codes ("US-NY", "DE-BY"); when set, a lead must be in
	// one of them (not just in the country).
	Regions []string `yaml:"regions" json:"regions,omitempty"`
	// Segments are Segment ids; empty means any size.
	Segments []string `yaml:"segments" json:"segments,omitempty"`
	// Industries are free-form lower-case names; empty means any industry.
	Industries []string `yaml:"industries" json:"industries,omitempty"`
}

// Routing holds the ordered rules that decide who owns a lead, a handoff or an onboarding.
type Routing struct {
	// Rules are evaluated in order per stage; the first match wins.
	Rules []RoutingRule `yaml:"rules" json:"rules"`
	Pools []Pool        `yaml:"pools" json:"pools"`
	// Fallback is used when no rule matches or no pool member is available.
	Fallback RoutingFallback `yaml:"fallback" json:"fallback"`
}

// RoutingStage says which decision a rule takes part in.
type RoutingStage string

const (
	RouteLead       RoutingStage = "lead"       // a new lead to an SDR (or straight to an AE)
	RouteHandoff    RoutingStage = "handoff"    // a qualified lead from an SDR to an AE
	RouteOnboarding RoutingStage = "onboarding" // a won deal to a CSM
)

// RoutingRule is one ordered rule: when Match holds, Action decides the owner.
type RoutingRule struct {
	ID string `yaml:"id" json:"id"`
	// Stage defaults to "lead".
	Stage  RoutingStage  `yaml:"stage" json:"stage"`
	Match  RoutingMatch  `yaml:"match" json:"match"`
	Action RoutingAction `yaml:"action" json:"action"`
}

// RoutingMatch is a conjunction; an empty field matches anything.
type RoutingMatch struct {
	// ExistingAccount matches leads whose domain belongs to an account with an owner.
	ExistingAccount bool     `yaml:"existing_account" json:"existingAccount,omitempty"`
	Territories     []string `yaml:"territories" json:"territories,omitempty"`
	Countries       []string `yaml:"countries" json:"countries,omitempty"`
	Segments        []string `yaml:"segments" json:"segments,omitempty"`
	Industries      []string `yaml:"industries" json:"industries,omitempty"`
	Sources         []string `yaml:"sources" json:"sources,omitempty"`
	// Statuses are lead classifications: mql, sql.
	Statuses []string `yaml:"statuses" json:"statuses,omitempty"`
	MinScore int      `yaml:"min_score" json:"minScore,omitempty"`
}

// IsEmpty reports whether the match has no condition: it matches every lead.
func (m RoutingMatch) IsEmpty() bool {
	return !m.ExistingAccount && len(m.Territories) == 0 && len(m.Countries) == 0 && len(m.Segments) == 0 &&
		len(m.Industries) == 0 && len(m.Sources) == 0 && len(m.Statuses) == 0 && m.MinScore == 0
}

// RoutingAction names exactly one of: the account owner, a pool, a rep or a queue.
type RoutingAction struct {
	AccountOwner bool   `yaml:"account_owner" json:"accountOwner,omitempty"`
	Pool         string `yaml:"pool" json:"pool,omitempty"`
	Rep          string `yaml:"rep" json:"rep,omitempty"`
	Queue        string `yaml:"queue" json:"queue,omitempty"`
}

// Pool is a set of reps that share leads by weighted round-robin.
type Pool struct {
	ID      string       `yaml:"id" json:"id"`
	Name    string       `yaml:"name" json:"name,omitempty"`
	Role    Role         `yaml:"role" json:"role"`
	Members []PoolMember `yaml:"members" json:"members"`
	// SkipOutOfOffice (default true) passes over reps who are away.
	SkipOutOfOffice bool `yaml:"skip_out_of_office" json:"skipOutOfOffice"`
	// RespectWorkingHours passes over reps outside their working hours.
	RespectWorkingHours bool `yaml:"respect_working_hours" json:"respectWorkingHours"`
}

// PoolMember is a rep's share of a pool. Caps of 0 mean no cap.
type PoolMember struct {
	Rep        string `yaml:"rep" json:"rep"`
	Weight     int    `yaml:"weight" json:"weight"`
	DailyCap   int    `yaml:"daily_cap" json:"dailyCap,omitempty"`
	MonthlyCap int    `yaml:"monthly_cap" json:"monthlyCap,omitempty"`
}

// RoutingFallback is the owner of last resort: a rep, or else a named queue.
type RoutingFallback struct {
	Rep   string `yaml:"rep" json:"rep,omitempty"`
	Queue string `yaml:"queue" json:"queue,omitempty"`
}

// ScoringModel scores leads: fit (who they are) plus engagement (what they did), with decay.
type ScoringModel struct {
	Fit        []FitRule         `yaml:"fit" json:"fit"`
	Engagement []EngagementPoint `yaml:"engagement" json:"engagement"`
	// DecayHalfLife halves engagement points per elapsed half-life; 0 means no decay.
	DecayHalfLife DurationSpec     `yaml:"decay_half_life" json:"decayHalfLife"`
	Thresholds    ScoreThresholds  `yaml:"thresholds" json:"thresholds"`
	Disqualify    []DisqualifyRule `yaml:"disqualify" json:"disqualify,omitempty"`
	// CompetitorDomains are disqualified with reason "competitor".
	CompetitorDomains []string `yaml:"competitor_domains" json:"competitorDomains,omitempty"`
}

// ScoreThresholds classify a lead: score >= SQL is an SQL, >= MQL an MQL.
type ScoreThresholds struct {
	MQL int `yaml:"mql" json:"mql"`
	SQL int `yaml:"sql" json:"sql"`
}

// FitRule adds (or with negative points removes) points when its condition holds.
type FitRule struct {
	ID     string    `yaml:"id" json:"id"`
	When   Condition `yaml:"when" json:"when"`
	Points int       `yaml:"points" json:"points"`
}

// EngagementPoint is what one activity of a kind is worth.
type EngagementPoint struct {
	Activity string `yaml:"activity" json:"activity"`
	Points   int    `yaml:"points" json:"points"`
	// Max caps the points one lead can collect from this activity; 0 means no cap.
	Max int `yaml:"max" json:"max,omitempty"`
}

// DisqualifyRule disqualifies a lead, with Reason, when its condition holds.
type DisqualifyRule struct {
	ID     string    `yaml:"id" json:"id"`
	When   Condition `yaml:"when" json:"when"`
	Reason string    `yaml:"reason" json:"reason"`
}

// Condition tests one lead field with exactly one operator.
type Condition struct {
	// Field is a lead field: email, email_domain, company, country, region, title, employees,
	// industry, source, phone.
	Field  string   `yaml:"field" json:"field"`
	Equals string   `yaml:"equals" json:"equals,omitempty"`
	In     []string `yaml:"in" json:"in,omitempty"`
	NotIn  []string `yaml:"not_in" json:"notIn,omitempty"`
	// Contains matches a case-insensitive substring (e.g. "vp" in a title).
	Contains string `yaml:"contains" json:"contains,omitempty"`
	Gte      *int   `yaml:"gte" json:"gte,omitempty"`
	Lte      *int   `yaml:"lte" json:"lte,omitempty"`
	// Missing matches when the field is empty.
	Missing bool `yaml:"missing" json:"missing,omitempty"`
	// FreeMail matches an email_domain from a free-mail provider (gmail.com, web.de, ...).
	FreeMail bool `yaml:"free_mail" json:"freeMail,omitempty"`
}

// LeadFields are the fields a Condition may test.
var LeadFields = []string{"email", "email_domain", "company", "country", "region", "title",
	"employees", "industry", "source", "phone"}

// Qualification frameworks for a handoff.
const (
	QualificationBANT   = "bant"
	QualificationMEDDIC = "meddic"
	QualificationCustom = "custom"
)

// HandoffPolicy is what an SDR must supply and how long an AE has to accept.
type HandoffPolicy struct {
	// Qualification is bant (default), meddic or custom (then RequiredFields lists the fields).
	Qualification  string   `yaml:"qualification" json:"qualification"`
	RequiredFields []string `yaml:"required_fields" json:"requiredFields,omitempty"`
	// SLABusinessHours is the time the AE has to accept, in their business hours.
	SLABusinessHours float64 `yaml:"sla_business_hours" json:"slaBusinessHours"`
	// SecondWindowBusinessHours is the extra time after the reminder before reassignment.
	SecondWindowBusinessHours float64 `yaml:"second_window_business_hours" json:"secondWindowBusinessHours"`
	// CopyManager copies the AE's manager on the reminder.
	CopyManager bool `yaml:"copy_manager" json:"copyManager"`
}

// Fields returns the qualification fields the SDR must fill in.
func (h HandoffPolicy) Fields() []string {
	switch h.Qualification {
	case QualificationMEDDIC:
		return []string{"metrics", "economic_buyer", "decision_criteria", "decision_process", "identify_pain", "champion"}
	case QualificationCustom:
		return h.RequiredFields
	default:
		return []string{"budget", "authority", "need", "timeline"}
	}
}

// SLA returns the acceptance window as a duration of business time.
func (h HandoffPolicy) SLA() time.Duration { return hoursDuration(h.SLABusinessHours) }

// SecondWindow returns the window after the reminder, as a duration of business time.
func (h HandoffPolicy) SecondWindow() time.Duration {
	return hoursDuration(h.SecondWindowBusinessHours)
}

func hoursDuration(h float64) time.Duration { return time.Duration(h * float64(time.Hour)) }

// Pipeline is an ordered list of deal stages.
type Pipeline struct {
	ID      string  `yaml:"id" json:"id"`
	Name    string  `yaml:"name" json:"name"`
	Default bool    `yaml:"default" json:"default,omitempty"`
	Stages  []Stage `yaml:"stages" json:"stages"`
	// RequireLostReason: a deal moved to a lost stage must say why (default true; the loader
	// sets it when the file leaves it out).
	RequireLostReason bool `yaml:"require_lost_reason" json:"requireLostReason"`
	// LostReasons, when given, are the only lost reasons accepted.
	LostReasons []string `yaml:"lost_reasons" json:"lostReasons,omitempty"`
}

// Stage returns the stage with the given id.
func (p Pipeline) Stage(id string) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// Stage is one step of a pipeline. Probability is a percentage 0..100.
type Stage struct {
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Probability int    `yaml:"probability" json:"probability"`
	Won         bool   `yaml:"won" json:"won,omitempty"`
	Lost        bool   `yaml:"lost" json:"lost,omitempty"`
	// HubSpotID is the HubSpot dealstage value that maps onto this stage.
	HubSpotID string `yaml:"hubspot_id" json:"hubspotId,omitempty"`
	// ForecastCategory is the forecast category of an open deal in the stage unless its owner
	// or manager overrides it (default pipeline).
	ForecastCategory ForecastCategory `yaml:"forecast_category" json:"forecastCategory,omitempty"`
}

// Reminder triggers.
const (
	TriggerNoActivity         = "no_activity"
	TriggerCloseDatePast      = "close_date_past"
	TriggerNoNextStep         = "no_next_step"
	TriggerHandoffNotAccepted = "handoff_not_accepted"
)

// ReminderTriggers lists every reminder trigger.
var ReminderTriggers = []string{TriggerNoActivity, TriggerCloseDatePast, TriggerNoNextStep, TriggerHandoffNotAccepted}

// ReminderPeriod is how often one policy may remind about one deal.
type ReminderPeriod string

const (
	PeriodDay   ReminderPeriod = "day"
	PeriodWeek  ReminderPeriod = "week"
	PeriodMonth ReminderPeriod = "month"
)

// ReminderPolicy says when an AE is reminded about a deal.
type ReminderPolicy struct {
	ID       string `yaml:"id" json:"id"`
	Pipeline string `yaml:"pipeline" json:"pipeline,omitempty"`
	// Stages the policy applies to; empty means every open stage.
	Stages  []string `yaml:"stages" json:"stages,omitempty"`
	Trigger string   `yaml:"trigger" json:"trigger"`
	// BusinessDays is N for no_activity (no activity for N business days) and the grace for
	// close_date_past.
	BusinessDays int `yaml:"business_days" json:"businessDays,omitempty"`
	// Period dedupes: one reminder per deal per policy per period (default week).
	Period ReminderPeriod `yaml:"period" json:"period"`
	// EscalateAfter copies the manager after this many ignored reminders; 0 never escalates.
	EscalateAfter int `yaml:"escalate_after" json:"escalateAfter,omitempty"`
}

// OnboardingPlan is a template of milestones started when a deal is won.
type OnboardingPlan struct {
	ID      string `yaml:"id" json:"id"`
	Name    string `yaml:"name" json:"name"`
	Default bool   `yaml:"default" json:"default,omitempty"`
	// Segments select the plan by customer size; empty means any.
	Segments []string `yaml:"segments" json:"segments,omitempty"`
	// EscalateAfterBusinessDays tells the CSM's manager when a milestone is this late.
	EscalateAfterBusinessDays int         `yaml:"escalate_after_business_days" json:"escalateAfterBusinessDays,omitempty"`
	Milestones                []Milestone `yaml:"milestones" json:"milestones"`
}

// Milestone is due OffsetBusinessDays after the deal was won, in the CSM's business days.
type Milestone struct {
	ID                 string `yaml:"id" json:"id"`
	Name               string `yaml:"name" json:"name"`
	OffsetBusinessDays int    `yaml:"offset_business_days" json:"offsetBusinessDays"`
}

// DigestSchedule sends one manager their digest on an AWS cron() schedule in a time zone.
type DigestSchedule struct {
	ID      string `yaml:"id" json:"id"`
	Manager string `yaml:"manager" json:"manager"`
	// Schedule is an EventBridge Scheduler cron() expression, e.g. "cron(0 8 ? * MON *)".
	Schedule string `yaml:"schedule" json:"schedule"`
	// Timezone defaults to the manager's.
	Timezone string `yaml:"timezone" json:"timezone"`
	// Period is what the digest covers: week, month or quarter (default week).
	Period string `yaml:"period" json:"period"`
}

// RouteThrottle is one route's steady request rate (per second) and burst (token bucket size).
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
type RouteThrottle struct {
	Rate  float64 `yaml:"rate" json:"rate"`
	Burst int     `yaml:"burst" json:"burst"`
}

// WebhookSettings name where secrets come from: environment variable NAMES, never values.
type WebhookSettings struct {
	Leads   LeadsWebhook   `yaml:"leads" json:"leads"`
	HubSpot HubSpotWebhook `yaml:"hubspot" json:"hubspot"`
	Slack   SlackSettings  `yaml:"slack" json:"slack"`
}

// LeadsWebhook configures POST /v1/leads (Dealflow-Signature).
type LeadsWebhook struct {
	// SecretEnv lists environment variables holding active secrets (several for rotation).
	SecretEnv []string `yaml:"secret_env" json:"secretEnv"`
	// Tolerance is how old a signature timestamp may be (default 5m).
	Tolerance DurationSpec `yaml:"tolerance" json:"tolerance"`
}

// HubSpotWebhook configures POST /v1/webhooks/hubspot.
type HubSpotWebhook struct {
	ClientSecretEnv string `yaml:"client_secret_env" json:"clientSecretEnv,omitempty"`
	// SignatureVersions accepted: v3 by default; v1 and v2 for legacy apps.
	SignatureVersions []string `yaml:"signature_versions" json:"signatureVersions"`
	// AccessTokenEnv is deprecated: integrations.hubspot.access_token_env replaces it (the loader
	// copies it there with a deprecation warning).
	AccessTokenEnv string `yaml:"access_token_env" json:"accessTokenEnv,omitempty"`
}

// Integrations configure the CRM dealflow reads from and writes back to.
type Integrations struct {
	HubSpot HubSpotIntegration `yaml:"hubspot" json:"hubspot"`
}

// DefaultHubSpotAPIBaseURL is HubSpot's API origin.
const DefaultHubSpotAPIBaseURL = "https://api.hubapi.com"

// HubSpotIntegration configures the HubSpot CRM client (shared/crm/hubspot).
type HubSpotIntegration struct {
	// AccessTokenEnv names the variable holding the private app's access token.
	AccessTokenEnv string `yaml:"access_token_env" json:"accessTokenEnv,omitempty"`
	// APIBaseURL is the API origin (default https://api.hubapi.com): a sandbox or a local fake.
	APIBaseURL string `yaml:"api_base_url" json:"apiBaseUrl,omitempty"`
	// WriteBack says what dealflow writes into HubSpot; all off by default.
	WriteBack HubSpotWriteBack `yaml:"write_back" json:"writeBack"`
}

// HubSpotWriteBack is what dealflow writes into HubSpot.
type HubSpotWriteBack struct {
	// Owner sets hubspot_owner_id on the contact after routing and on the deal after an accepted
	// handoff (the rep's HubSpot owner, matched by email).
	Owner bool `yaml:"owner" json:"owner"`
	// LeadStatusProperty, when set, is the contact property set to the lead's status after routing.
	LeadStatusProperty string `yaml:"lead_status_property" json:"leadStatusProperty,omitempty"`
	// Tasks creates follow-up reminders as HubSpot tasks assigned to the AE.
	Tasks bool `yaml:"tasks" json:"tasks"`
}

// Configured reports whether the org uses the HubSpot API at all.
func (h HubSpotIntegration) Configured() bool { return h.AccessTokenEnv != "" || h.APIBaseURL != "" }

// BaseURL is APIBaseURL or HubSpot's.
func (h HubSpotIntegration) BaseURL() string {
	if h.APIBaseURL != "" {
		return strings.TrimSuffix(h.APIBaseURL, "/")
	}
	return DefaultHubSpotAPIBaseURL
}

// SlackSettings configures Slack incoming webhooks.
type SlackSettings struct {
	WebhookURLEnv string `yaml:"webhook_url_env" json:"webhookUrlEnv,omitempty"`
}

// Form is a web form posted to POST /v1/forms/{id}.
type Form struct {
	ID string `yaml:"id" json:"id"`
	// Honeypot is a hidden field; a submission that fills it is dropped silently.
	Honeypot  string    `yaml:"honeypot" json:"honeypot,omitempty"`
	RateLimit RateLimit `yaml:"rate_limit" json:"rateLimit"`
	// Source is the lead source recorded for submissions (default "form:<id>").
	Source string `yaml:"source" json:"source,omitempty"`
	// Fields maps form field names onto lead fields (email, name, company, ...).
	Fields map[string]string `yaml:"fields" json:"fields,omitempty"`
	// Touch is the engagement activity a submission counts as (scoring.engagement[].activity);
	// default demo_requested when the form's id or source says demo, else form_submitted.
	Touch string `yaml:"touch" json:"touch,omitempty"`
}

// Engagement activities a form submission counts as when its form names none.
const (
	TouchFormSubmitted = "form_submitted"
	TouchDemoRequested = "demo_requested"
)

// TouchKind is the engagement activity one submission of the form counts as.
func (f Form) TouchKind() string {
	switch {
	case f.Touch != "":
		return f.Touch
	case strings.Contains(strings.ToLower(f.ID), "demo") || strings.Contains(strings.ToLower(f.Source), "demo"):
		return TouchDemoRequested
	}
	return TouchFormSubmitted
}

// RateLimit allows Requests per Per from one client IP.
type RateLimit struct {
	Requests int          `yaml:"requests" json:"requests"`
	Per      DurationSpec `yaml:"per" json:"per"`
}

// --- lookups ---

// Rep returns the rep with the given id.
func (o *Org) Rep(id string) (*Rep, bool) {
	for i := range o.Reps {
		if o.Reps[i].ID == id {
			return &o.Reps[i], true
		}
	}
	return nil, false
}

// RepByEmail returns the rep with the given email (case-insensitive).
func (o *Org) RepByEmail(email string) (*Rep, bool) {
	for i := range o.Reps {
		if strings.EqualFold(o.Reps[i].Email, email) {
			return &o.Reps[i], true
		}
	}
	return nil, false
}

// Team returns the team with the given id.
func (o *Org) Team(id string) (*Team, bool) {
	for i := range o.Teams {
		if o.Teams[i].ID == id {
			return &o.Teams[i], true
		}
	}
	return nil, false
}

// ManagerOf returns the manager of a rep's team.
func (o *Org) ManagerOf(repID string) (*Rep, bool) {
	r, ok := o.Rep(repID)
	if !ok {
		return nil, false
	}
	t, ok := o.Team(r.Team)
	if !ok || t.Manager == repID {
		return nil, false
	}
	return o.Rep(t.Manager)
}

// Territory returns the territory with the given id.
func (o *Org) Territory(id string) (*Territory, bool) {
	for i := range o.Territories {
		if o.Territories[i].ID == id {
			return &o.Territories[i], true
		}
	}
	return nil, false
}

// Segment returns the segment with the given id.
func (o *Org) Segment(id string) (*Segment, bool) {
	for i := range o.Segments {
		if o.Segments[i].ID == id {
			return &o.Segments[i], true
		}
	}
	return nil, false
}

// Pool returns the pool with the given id.
func (o *Org) Pool(id string) (*Pool, bool) {
	for i := range o.Routing.Pools {
		if o.Routing.Pools[i].ID == id {
			return &o.Routing.Pools[i], true
		}
	}
	return nil, false
}

// Pipeline returns the pipeline with the given id; "" gives the default pipeline.
func (o *Org) Pipeline(id string) (*Pipeline, bool) {
	for i := range o.Pipelines {
		p := &o.Pipelines[i]
		if p.ID == id || (id == "" && p.Default) {
			return p, true
		}
	}
	if id == "" && len(o.Pipelines) > 0 {
		return &o.Pipelines[0], true
	}
	return nil, false
}

// HolidaysFor returns the holidays of a calendar: its own plus its country's ("DE-BY" → DE too).
func (o *Org) HolidaysFor(calendar string) []Holiday {
	if calendar == "" {
		return nil
	}
	out := append([]Holiday(nil), o.Settings.Holidays[calendar]...)
	if country, _, ok := strings.Cut(calendar, "-"); ok {
		out = append(out, o.Settings.Holidays[country]...)
	}
	return out
}

// ConvertMoney converts m into currency `to` with the org's rates (units of the org currency per
// unit of each other currency), exactly, rounding half away from zero in the target's minor units.
// ok is false when a rate is missing.
func (o *Org) ConvertMoney(m Money, to string) (Money, bool) {
	if m.Currency == to {
		return m, true
	}
	rate := func(c string) (*big.Rat, bool) {
		if c == o.Settings.Currency {
			return big.NewRat(1, 1), true
		}
		r := o.Settings.CurrencyRates[c].Rat()
		return r, r != nil
	}
	from, ok1 := rate(m.Currency)
	into, ok2 := rate(to)
	if !ok1 || !ok2 {
		return Money{}, false
	}
	pow := func(n int) *big.Rat {
		return new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil))
	}
	v := new(big.Rat).SetInt64(m.AmountMinor)
	v.Quo(v, pow(MinorUnits(m.Currency)))
	v.Mul(v, from)
	v.Quo(v, into)
	v.Mul(v, pow(MinorUnits(to)))
	q, r := new(big.Int).QuoRem(v.Num(), v.Denom(), new(big.Int))
	if new(big.Int).Mul(new(big.Int).Abs(r), big.NewInt(2)).Cmp(v.Denom()) >= 0 {
		q.Add(q, big.NewInt(int64(v.Sign())))
	}
	return Money{AmountMinor: q.Int64(), Currency: to}, true
}

// --- scalar types ---

// CalendarDate is a day without a time zone, written YYYY-MM-DD.
type CalendarDate struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) CalendarDate {
	y, m, d := t.Date()
	return CalendarDate{y, m, d}
}

// ParseCalendarDate parses YYYY-MM-DD.
func ParseCalendarDate(s string) (CalendarDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return CalendarDate{}, fmt.Errorf("invalid date %q (want YYYY-MM-DD)", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether the date is unset.
func (d CalendarDate) IsZero() bool { return d == CalendarDate{} }

// Before reports whether d is earlier than e.
func (d CalendarDate) Before(e CalendarDate) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// In returns midnight at the start of the date in loc.
func (d CalendarDate) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

func (d CalendarDate) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

func (d CalendarDate) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *CalendarDate) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = CalendarDate{}
		return nil
	}
	v, err := ParseCalendarDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// TimeOfDay is a wall-clock time in minutes after midnight; 24:00 (1440) ends a day.
type TimeOfDay int

// ParseTimeOfDay parses HH:MM (00:00 to 24:00).
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("invalid time %q (want HH:MM)", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time %q (want HH:MM between 00:00 and 24:00)", s)
	}
	return TimeOfDay(h*60 + m), nil
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", int(t)/60, int(t)%60) }

// Hour and Minute split the time for time.Date.
func (t TimeOfDay) Hour() int   { return int(t) / 60 }
func (t TimeOfDay) Minute() int { return int(t) % 60 }

// HourRange is one working span in a day, Start inclusive, End exclusive.
type HourRange struct {
	Start, End TimeOfDay
}

func (r HourRange) String() string { return r.Start.String() + "-" + r.End.String() }

// DayHours are a day's working spans, written "09:00-12:00, 13:00-17:00"; "off" or "" is none.
type DayHours []HourRange

func (d DayHours) MarshalText() ([]byte, error) {
	if len(d) == 0 {
		return []byte("off"), nil
	}
	parts := make([]string, len(d))
	for i, r := range d {
		parts[i] = r.String()
	}
	return []byte(strings.Join(parts, ", ")), nil
}

func (d *DayHours) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	*d = nil
	if s == "" || strings.EqualFold(s, "off") {
		*d = DayHours{}
		return nil
	}
	var out DayHours
	for _, part := range strings.Split(s, ",") {
		a, z, ok := strings.Cut(strings.TrimSpace(part), "-")
		if !ok {
			return fmt.Errorf("invalid hours %q (want HH:MM-HH:MM, several separated by commas, or off)", part)
		}
		start, err := ParseTimeOfDay(strings.TrimSpace(a))
		if err != nil {
			return err
		}
		end, err := ParseTimeOfDay(strings.TrimSpace(z))
		if err != nil {
			return err
		}
		if end <= start {
			return fmt.Errorf("hours %q end before they start (spans over midnight are not supported)", strings.TrimSpace(part))
		}
		if n := len(out); n > 0 && start < out[n-1].End {
			return fmt.Errorf("hours %q overlap or are out of order", s)
		}
		out = append(out, HourRange{start, end})
	}
	*d = out
	return nil
}

// WorkingHours is a week of working spans. A nil day (key absent) inherits the org default;
// an empty one ("off") is a day off.
type WorkingHours struct {
	Mon DayHours `yaml:"mon" json:"mon"`
	Tue DayHours `yaml:"tue" json:"tue"`
	Wed DayHours `yaml:"wed" json:"wed"`
	Thu DayHours `yaml:"thu" json:"thu"`
	Fri DayHours `yaml:"fri" json:"fri"`
	Sat DayHours `yaml:"sat" json:"sat"`
	Sun DayHours `yaml:"sun" json:"sun"`
}

// Day returns the spans of a weekday.
func (w WorkingHours) Day(d time.Weekday) DayHours {
	return *w.day(d)
}

func (w *WorkingHours) day(d time.Weekday) *DayHours {
	return [...]*DayHours{&w.Sun, &w.Mon, &w.Tue, &w.Wed, &w.Thu, &w.Fri, &w.Sat}[d]
}

// IsZero reports whether no day is set.
func (w WorkingHours) IsZero() bool {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if w.Day(d) != nil {
			return false
		}
	}
	return true
}

// WithDefaults fills every day w leaves unset from def.
func (w WorkingHours) WithDefaults(def WorkingHours) WorkingHours {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if *w.day(d) == nil {
			*w.day(d) = def.Day(d)
		}
	}
	return w
}

// DurationSpec is a duration written as Go does ("90m", "4h") or in days and weeks ("14d", "2w").
type DurationSpec struct{ time.Duration }

// ParseDurationSpec parses "14d", "2w", "36h", "5m".
func ParseDurationSpec(s string) (DurationSpec, error) {
	s = strings.TrimSpace(s)
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			var v float64
			if _, err := fmt.Sscanf(n, "%g", &v); err != nil || fmt.Sprint(v) != n {
				return DurationSpec{}, fmt.Errorf("invalid duration %q (e.g. 14d, 2w, 36h, 30m)", s)
			}
			return DurationSpec{time.Duration(v * float64(unit))}, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return DurationSpec{}, fmt.Errorf("invalid duration %q (e.g. 14d, 2w, 36h, 30m)", s)
	}
	return DurationSpec{d}, nil
}

func (d DurationSpec) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *DurationSpec) UnmarshalText(b []byte) error {
	v, err := ParseDurationSpec(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ExchangeRate is an exact decimal rate ("0.92"), kept as a rational so money conversion never
// goes through a float.
type ExchangeRate struct{ r *big.Rat }

// Rat returns the rate as a rational (nil if unset).
func (e ExchangeRate) Rat() *big.Rat {
	if e.r == nil {
		return nil
	}
	return new(big.Rat).Set(e.r)
}

func (e ExchangeRate) String() string {
	if e.r == nil {
		return ""
	}
	return strings.TrimRight(strings.TrimRight(e.r.FloatString(10), "0"), ".")
}

func (e ExchangeRate) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

func (e *ExchangeRate) UnmarshalText(b []byte) error {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(string(b)))
	if !ok || r.Sign() <= 0 {
		return fmt.Errorf("invalid exchange rate %q (want a positive decimal such as 0.92)", string(b))
	}
	e.r = r
	return nil
}

// RepLocale is the language a rep reads: their own locale, else the org's.
func (o *Org) RepLocale(r *Rep) string {
	if r != nil && r.Locale != "" {
		return r.Locale
	}
	return o.Settings.Locale
}

// StageName is the display name of a deal's stage from its pipeline, else the stage id.
func (o *Org) StageName(d Deal) string {
	if p, ok := o.Pipeline(d.Pipeline); ok {
		if s, ok := p.Stage(d.Stage); ok && s.Name != "" {
			return s.Name
		}
	}
	return d.Stage
}

// PublicBase is the scheme://host links in emails point at: settings.public_url, else the local
// default address of `dealflow serve`.
func (o *Org) PublicBase() string {
	if o.Settings.PublicURL != "" {
		return strings.TrimSuffix(o.Settings.PublicURL, "/")
	}
	return "http://localhost:8080"
}
