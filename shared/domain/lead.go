package domain

import "time"

// LeadStatus is where a lead is in the qualification workflow.
type LeadStatus string

const (
	LeadNew          LeadStatus = "new"
	LeadQualified    LeadStatus = "qualified"
	LeadDisqualified LeadStatus = "disqualified"
	LeadRouted       LeadStatus = "routed"
	// LeadHandedOff: an SDR handed the lead to an AE, whose answer is pending.
	LeadHandedOff LeadStatus = "handed_off"
	// LeadConverted: an AE accepted it; DealID names the deal.
	LeadConverted LeadStatus = "converted"
	// LeadWon and LeadLost: the lead's deal closed.
	LeadWon  LeadStatus = "won"
	LeadLost LeadStatus = "lost"
	// LeadRecycled: returned to nurture (its deal lost, or no AE took it).
	LeadRecycled LeadStatus = "recycled"
)

// LeadStatuses is the lifecycle in order: new → qualified/disqualified → routed → handed_off →
// converted → won/lost, and recycled (back to nurture). Console, API and emails use these words.
var LeadStatuses = []LeadStatus{LeadNew, LeadQualified, LeadDisqualified, LeadRouted, LeadHandedOff, LeadConverted, LeadWon, LeadLost, LeadRecycled}

// Routed reports whether the lead has an owner's attention: routed or any later step.
func (s LeadStatus) Routed() bool {
	switch s {
	case LeadRouted, LeadHandedOff, LeadConverted, LeadWon, LeadLost, LeadRecycled:
		return true
	}
	return false
}

// LeadGrade is the marketing/sales qualification level a score reached.
type LeadGrade string

const (
	GradeNone LeadGrade = ""
	GradeMQL  LeadGrade = "mql"
	GradeSQL  LeadGrade = "sql"
)

// ScoreLine records one scoring rule that added or removed points, so a rep can see why a lead
// scored what it did.
type ScoreLine struct {
	// Kind is "fit" (who the lead is) or "engagement" (what they did).
	Kind   string `json:"kind,omitempty"`
	Rule   string `json:"rule"`
	Points int    `json:"points"`
	Reason string `json:"reason,omitempty"`
}

// Lead is a person who showed interest, as received from a form, HubSpot or the API.
type Lead struct {
	ID         string `json:"id"`
	Source     string `json:"source"`               // "form:<id>", "hubspot", "api"
	ExternalID string `json:"externalId,omitempty"` // the id in the source system
	Email      string `json:"email"`
	Name       string `json:"name,omitempty"`
	Company    string `json:"company,omitempty"`
	Domain     string `json:"domain,omitempty"`  // company email domain, lower case; empty for free-mail
	Country    string `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Region     string `json:"region,omitempty"`
	State      string `json:"state,omitempty"`
	Phone      string `json:"phone,omitempty"` // E.164 when it could be normalised
	Title      string `json:"title,omitempty"`
	Employees  int    `json:"employees,omitempty"`
	Industry   string `json:"industry,omitempty"`
	// Attributes keeps source fields without a column of their own (UTM tags, form fields).
	Attributes map[string]string `json:"attributes,omitempty"`

	Score            int         `json:"score"`
	ScoreExplanation []ScoreLine `json:"scoreExplanation,omitempty"`
	Grade            LeadGrade   `json:"grade,omitempty"`
	Status           LeadStatus  `json:"status"`
	DisqualifyReason string      `json:"disqualifyReason,omitempty"`

	OwnerID string `json:"ownerId,omitempty"` // rep id
	// RoutingRule names the routing rule that matched; RoutingExplanation is the readable why.
	RoutingRule        string `json:"routingRule,omitempty"`
	RoutingExplanation string `json:"routingExplanation,omitempty"`
	// Queue holds the lead when routing named a queue instead of a rep (fallback, overflow).
	Queue string `json:"queue,omitempty"`
	// RoutingCounters are the routing-ledger counters charged for this assignment, credited back
	// if the lead is reassigned.
	RoutingCounters []string `json:"routingCounters,omitempty"`
	AccountID       string   `json:"accountId,omitempty"`
	// Touches are the lead's engagement signals (a form, a demo request, a page view), scored
	// by scoring.engagement; the newest MaxTouches are kept.
	Touches []Touch `json:"touches,omitempty"`
	// Account is how the lead matched AccountID ("email domain acme.com = account …"), shown to reps.
	Account string `json:"account,omitempty"`
	// Rerouted records the one re-route a rise to SQL caused, with the routing it replaced.
	Rerouted *Reroute `json:"rerouted,omitempty"`
	// DealID is the deal an accepted handoff of this lead created.
	DealID string `json:"dealId,omitempty"`
	// MergedFrom lists the ids (or source:externalId) of duplicate submissions merged into this lead.
	MergedFrom []string `json:"mergedFrom,omitempty"`

	CreatedAt   time.Time  `json:"createdAt"`
	UpdatedAt   time.Time  `json:"updatedAt"`
	QualifiedAt *time.Time `json:"qualifiedAt,omitempty"`
	RoutedAt    *time.Time `json:"routedAt,omitempty"`

	Version int64 `json:"version"`
}

// Touch is one engagement signal: an activity kind (scoring.engagement[].activity) and when.
type Touch struct {
	Kind string    `json:"kind"`
	At   time.Time `json:"at"`
	// Source says where it came from: "form:demo-request", "api", "merge".
	Source string `json:"source,omitempty"`
}

// MaxTouches bounds the touches kept on one lead (the oldest are dropped; decay has made them
// worth little by then).
const MaxTouches = 200

// AddTouches appends touches to l, keeping the newest MaxTouches.
func (l *Lead) AddTouches(ts ...Touch) {
	all := append(append([]Touch(nil), l.Touches...), ts...)
	if len(all) > MaxTouches {
		all = all[len(all)-MaxTouches:]
	}
	l.Touches = all
}

// Reroute is a lead re-routed once because its score crossed into SQL.
type Reroute struct {
	At    time.Time `json:"at"`
	Grade LeadGrade `json:"grade"`
	Score int       `json:"score"`
	// FromOwnerID, FromQueue, FromRule and FromExplanation are the routing it replaced.
	FromOwnerID     string `json:"fromOwnerId,omitempty"`
	FromQueue       string `json:"fromQueue,omitempty"`
	FromRule        string `json:"fromRule,omitempty"`
	FromExplanation string `json:"fromExplanation,omitempty"`
}

// Account is a company dealflow knows, matched to leads by email domain.
type Account struct {
	ID      string `json:"id"`
	Domain  string `json:"domain"` // unique, lower case
	Name    string `json:"name"`
	OwnerID string `json:"ownerId,omitempty"`
	// Segment and Territory are org-file ids, when known (an import, a won deal's lead).
	Segment   string `json:"segment,omitempty"`
	Territory string `json:"territory,omitempty"`
	// Source says how the account came to be: "import", "api", "deal:<id>".
	Source    string    `json:"source,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	Version   int64     `json:"version"`
}
