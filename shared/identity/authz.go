// Package identity owns who may do what: the people of the org file (reps, managers, admins),
// named API clients and their scoped tokens, console sessions and sign-in links, and the one
// authorisation table every route, console page and link is checked against (Decide).
package identity

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/dealflow/dealflow/shared/domain"
)

// Action is what a request does; every route declares one (httpapi.Route.Action).
type Action string

// The actions of the API, the console and the links.
const (
	LeadCreate       Action = "lead.create"
	LeadRead         Action = "lead.read"
	LeadTouch        Action = "lead.touch" // engagement signals: re-scores and may re-route
	AccountWrite     Action = "account.write"
	AccountRead      Action = "account.read"
	DealCreate       Action = "deal.create"
	DealUpdate       Action = "deal.update"
	DealRead         Action = "deal.read"
	ActivityCreate   Action = "activity.create"
	ActivityRead     Action = "activity.read"
	HandoffRequest   Action = "handoff.request"
	HandoffWithdraw  Action = "handoff.withdraw"
	HandoffRead      Action = "handoff.read"
	HandoffAnswer    Action = "handoff.answer" // accept or decline
	OnboardingUpdate Action = "onboarding.update"
	OnboardingRead   Action = "onboarding.read"
	ReminderRead     Action = "reminder.read"
	ReminderSnooze   Action = "reminder.snooze"
	AuditRead        Action = "audit.read"
	ForecastSubmit   Action = "forecast.submit" // a manager's call for a period
	ForecastRead     Action = "forecast.read"
	TokensManage     Action = "tokens.manage"
	ConsoleView      Action = "console.view"

	// Open routes need no principal: the handler checks the credential the caller brings
	// itself (a signed link, HubSpot's signature, a public form's rate limit, health checks).
	Open Action = "open"
)

// Scope is what an integration's token may do.
type Scope string

// The scopes a token can hold; admin grants every action.
const (
	ScopeLeadsWrite      Scope = "leads:write"
	ScopeDealsWrite      Scope = "deals:write"
	ScopeActivitiesWrite Scope = "activities:write"
	ScopeRead            Scope = "read"
	ScopeAdmin           Scope = "admin"
)

// Scopes lists every scope, for validation and help texts.
var Scopes = []Scope{ScopeLeadsWrite, ScopeDealsWrite, ScopeActivitiesWrite, ScopeRead, ScopeAdmin}

// Role is a principal's role: people are admins, managers or reps; API clients are integrations.
type Role string

// The roles.
const (
	RoleAdmin       Role = "admin"
	RoleManager     Role = "manager"
	RoleRep         Role = "rep"
	RoleIntegration Role = "integration"
)

// Reach is how far a person's role lets an action go.
type Reach int

// Reaches, from none to every object.
const (
	None Reach = iota
	Own        // objects the person owns (owner, SDR, AE, CSM)
	Team       // objects owned by anyone in a team the person manages, and their own
	Any
)

func (r Reach) String() string { return [...]string{"none", "own", "team", "any"}[r] }

// Rule is one row of the table: the scope that lets a token do the action, whether a
// Dealflow-Signature is enough (webhook senders), and how far managers and reps reach. Admins
// (people, and tokens with the admin scope) may do every action.
type Rule struct {
	Scope     Scope
	Signature bool
	Manager   Reach
	Rep       Reach
}

// Table is the authorisation table: the one place that says who may do what.
var Table = map[Action]Rule{
	LeadCreate:       {Scope: ScopeLeadsWrite, Signature: true},
	LeadRead:         {Scope: ScopeRead, Manager: Team, Rep: Own},
	LeadTouch:        {Scope: ScopeLeadsWrite, Signature: true, Manager: Team, Rep: Own},
	AccountWrite:     {Scope: ScopeAdmin},
	AccountRead:      {Scope: ScopeRead, Manager: Any, Rep: Any},
	DealCreate:       {Scope: ScopeDealsWrite, Manager: Team, Rep: Own},
	DealUpdate:       {Scope: ScopeDealsWrite, Manager: Team, Rep: Own},
	DealRead:         {Scope: ScopeRead, Manager: Team, Rep: Own},
	ActivityCreate:   {Scope: ScopeActivitiesWrite, Manager: Team, Rep: Own},
	ActivityRead:     {Scope: ScopeRead, Manager: Team, Rep: Own},
	HandoffRequest:   {Scope: ScopeDealsWrite, Manager: Team, Rep: Own},
	HandoffWithdraw:  {Scope: ScopeDealsWrite, Manager: Team, Rep: Own},
	HandoffRead:      {Scope: ScopeRead, Manager: Team, Rep: Own},
	HandoffAnswer:    {Manager: Team, Rep: Own},
	OnboardingUpdate: {Scope: ScopeDealsWrite, Manager: Team, Rep: Own},
	OnboardingRead:   {Scope: ScopeRead, Manager: Team, Rep: Own},
	ReminderRead:     {Scope: ScopeRead, Manager: Team, Rep: Own},
	ReminderSnooze:   {Manager: Team, Rep: Own},
	AuditRead:        {Scope: ScopeAdmin, Manager: Team},
	ForecastSubmit:   {Scope: ScopeDealsWrite, Manager: Team},
	ForecastRead:     {Scope: ScopeRead, Manager: Team},
	TokensManage:     {Scope: ScopeAdmin},
	ConsoleView:      {Manager: Any, Rep: Any},
}

// Kind is how a principal proved who it is.
type Kind string

// The kinds of principal.
const (
	KindPerson    Kind = "person"    // console session or sign-in link
	KindToken     Kind = "token"     // Authorization: Bearer
	KindSignature Kind = "signature" // Dealflow-Signature on the body
	KindLink      Kind = "link"      // a signed link in an email, for the rep it was sent to
)

// Principal is who a request acts for.
type Principal struct {
	Kind Kind
	// ID is the rep id (people who are reps), the email (admins who are not reps) or the token id.
	ID   string
	Name string // email or token name: the actor in the audit trail
	Role Role
	// Teams are the teams a manager manages, or the rep's own team.
	Teams  []string
	Scopes []Scope

	sessionID string // the console session it came with, for CSRF tokens
}

// Object is what an action is done to, as far as authorisation cares: the people who own it and
// their teams. A nil *Object is the check before the object is known (may this principal do the
// action to anything at all?).
type Object struct {
	Owners []string
	Teams  []string
}

// ObjectOf is the object owned by these reps (empty ids are skipped), with their teams from org.
func ObjectOf(org *domain.Org, owners ...string) *Object {
	o := &Object{}
	for _, id := range owners {
		if id == "" || slices.Contains(o.Owners, id) {
			continue
		}
		o.Owners = append(o.Owners, id)
		if org != nil {
			if r, ok := org.Rep(id); ok && r.Team != "" && !slices.Contains(o.Teams, r.Team) {
				o.Teams = append(o.Teams, r.Team)
			}
		}
	}
	return o
}

// Denied is a refused request: Status is 401 (no or bad credentials) or 403 (known, not allowed).
type Denied struct {
	Status int
	Code   string
	Reason string
}

func (d *Denied) Error() string { return d.Reason }

func unauthenticated(reason string) *Denied {
	return &Denied{Status: http.StatusUnauthorized, Code: "Unauthenticated", Reason: reason}
}

func forbidden(format string, args ...any) *Denied {
	return &Denied{Status: http.StatusForbidden, Code: "Forbidden", Reason: fmt.Sprintf(format, args...)}
}

// Decide says whether p may do a to obj (nil obj: to anything at all); nil means allowed.
func Decide(p *Principal, a Action, obj *Object) *Denied {
	if a == Open {
		return nil
	}
	rule, ok := Table[a]
	if !ok {
		return forbidden("action %s is not in the authorisation table", a)
	}
	if p == nil {
		if rule.Signature {
			return unauthenticated("missing Dealflow-Signature or Authorization: Bearer <token> with scope " + string(rule.Scope))
		}
		return unauthenticated("send Authorization: Bearer <token> or sign in to the console")
	}
	switch p.Kind {
	case KindSignature:
		if rule.Signature {
			return nil
		}
		scope := string(rule.Scope)
		if scope == "" {
			scope = "admin"
		}
		return forbidden("a Dealflow-Signature is accepted only on lead intake; %s needs a token with scope %s or a signed-in person", a, scope)
	case KindToken:
		if slices.Contains(p.Scopes, ScopeAdmin) || (rule.Scope != "" && slices.Contains(p.Scopes, rule.Scope)) {
			return nil
		}
		if rule.Scope == "" {
			return forbidden("%s is for people, not API tokens", a)
		}
		return forbidden("token %q lacks scope %s for %s", p.Name, rule.Scope, a)
	}
	reach := None
	switch p.Role {
	case RoleAdmin:
		reach = Any
	case RoleManager:
		reach = rule.Manager
	case RoleRep:
		reach = rule.Rep
	}
	if reach == None {
		return forbidden("role %s may not %s", p.Role, a)
	}
	if obj == nil || reach == Any || slices.Contains(obj.Owners, p.ID) {
		return nil
	}
	if reach == Team && slices.ContainsFunc(obj.Teams, func(t string) bool { return slices.Contains(p.Teams, t) }) {
		return nil
	}
	return forbidden("%s %s may %s only %s objects; this one belongs to %v", p.Role, p.ID, a, reach, obj.Owners)
}

// Person is the principal of a person of the org file, found by email: an admin (org admins:),
// a manager (role manager, with the teams they manage) or a rep (SDR, AE, CSM, with their team).
func Person(org *domain.Org, email string) (*Principal, bool) {
	if email == "" || org == nil {
		return nil, false
	}
	for _, a := range org.Admins {
		if equalFold(a, email) {
			p := &Principal{Kind: KindPerson, ID: a, Name: a, Role: RoleAdmin}
			if r := repByEmail(org, email); r != nil {
				p.ID = r.ID
			}
			return p, true
		}
	}
	r := repByEmail(org, email)
	if r == nil || !r.Active {
		return nil, false
	}
	return Rep(org, r), true
}

// Rep is the principal of a rep of the org file (a manager manages the teams that name them).
func Rep(org *domain.Org, r *domain.Rep) *Principal {
	p := &Principal{Kind: KindPerson, ID: r.ID, Name: r.Email, Role: RoleRep}
	if r.Team != "" {
		p.Teams = []string{r.Team}
	}
	if r.Role == domain.RoleManager {
		p.Role = RoleManager
		for _, t := range org.Teams {
			if t.Manager == r.ID && !slices.Contains(p.Teams, t.ID) {
				p.Teams = append(p.Teams, t.ID)
			}
		}
	}
	return p
}

func repByEmail(org *domain.Org, email string) *domain.Rep {
	for i := range org.Reps {
		if equalFold(org.Reps[i].Email, email) {
			return &org.Reps[i]
		}
	}
	return nil
}
