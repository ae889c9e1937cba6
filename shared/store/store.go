// Package store defines the Store port: the one interface through which dealflow reads and writes
// its sales data, idempotency keys, routing counters and the transactional outbox. Adapters live
// in store/sqlite (local runtime) and store/dynamo (AWS); store/storetest is the conformance suite
// every adapter must pass, so behaviour is identical in both runtimes.
//
// Conventions (dexidp/dex style):
//   - Create* fails with ErrAlreadyExists when the id (or a unique key) is taken, and sets Version to 1.
//   - Get* fails with ErrNotFound.
//   - Update*(ctx, id, fn) reads the entity, calls fn and writes the result atomically: no other
//     write to that entity can happen in between. fn may run more than once (adapters retry on a
//     concurrent write), so it must not have side effects. The store bumps Version; fn cannot change
//     the id or a unique key. An error from fn aborts the update and is returned wrapped.
//   - Writes that emit events take the events as trailing arguments; they are written to the outbox
//     in the same transaction as the entity, so an event exists if and only if the write happened.
//     When an event depends on the old value, read first, build the event, and return ErrConflict
//     from fn if old.Version differs from what was read; then retry.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

var (
	// ErrNotFound means no entity has the requested id or key.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists means a create collided with an existing id or unique key.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict means a concurrent write won and the update could not be applied after the
	// adapter's bounded retries; callers may retry the whole operation.
	ErrConflict = errors.New("conflict: concurrent update")
	// ErrTooLarge means the entity would not fit one stored item (MaxItemBytes): a permanent
	// refusal, never worth a retry. Every adapter enforces the DynamoDB limit, so what SQLite
	// stores locally also fits the AWS table.
	ErrTooLarge = errors.New("too large to store")
)

// MaxItemBytes is the DynamoDB item size limit (400 KB, attribute names and values counted:
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).
const MaxItemBytes = 400 * 1024

// CheckItemSize refuses an entity whose stored form is over MaxItemBytes.
func CheckItemSize(kind, id string, n int) error {
	if n > MaxItemBytes {
		return fmt.Errorf("%s %s is %d bytes, over the %d-byte item limit: %w", kind, id, n, MaxItemBytes, ErrTooLarge)
	}
	return nil
}

// DefaultPageSize applies when Page.Limit is 0; MaxPageSize caps any larger request.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page asks for one page of a list. Cursor is empty for the first page and otherwise the Next
// value of the previous page; it is opaque and adapter-specific.
type Page struct {
	Limit  int
	Cursor string
}

// Size is the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// ErrBadCursor is returned for a cursor this adapter did not produce.
var ErrBadCursor = errors.New("invalid page cursor")

// OutboxEvent is an event waiting to be published to the bus. It is written together with the
// entity change that caused it; a publisher lists pending events and marks them published.
type OutboxEvent struct {
	// ID is unique; the store assigns a UUID when empty. Publishers use it as the idempotency
	// key of the publish.
	ID string `json:"id"`
	// DetailType is the EventBridge detail-type, e.g. "Lead Received".
	DetailType string `json:"detailType"`
	// Detail is the event detail as JSON.
	Detail json.RawMessage `json:"detail"`
	// CreatedAt is set by the store from its clock.
	CreatedAt   time.Time  `json:"createdAt"`
	PublishedAt *time.Time `json:"publishedAt,omitempty"`
}

// Window is the half-open time interval [From, To).
type Window struct {
	From, To time.Time
}

// Contains reports whether t is in [From, To).
func (w Window) Contains(t time.Time) bool { return !t.Before(w.From) && t.Before(w.To) }

// Store is the persistence port. Every list is ordered as documented on its method and paginated.
type Store interface {
	// Leads.
	CreateLead(ctx context.Context, l domain.Lead, events ...OutboxEvent) (domain.Lead, error)
	// CreateLeadClaiming creates l with its events and claims every key for l.ID (no expiry, as
	// PutIdempotencyKey), all in one write, so a lead and the keys that find it again are never
	// written apart. If a key holds an unexpired value, nothing is written and held maps each
	// such key to its value.
	CreateLeadClaiming(ctx context.Context, l domain.Lead, keys []string, events ...OutboxEvent) (lead domain.Lead, held map[string]string, err error)
	GetLead(ctx context.Context, id string) (domain.Lead, error)
	// GetLeadBySourceID returns the earliest-created lead with that source and external id. The
	// pair is not a unique key: exactly-once intake uses PutIdempotencyKey.
	GetLeadBySourceID(ctx context.Context, source, externalID string) (domain.Lead, error)
	// GetLeadByEmail returns the earliest-created lead with that (normalised) email.
	GetLeadByEmail(ctx context.Context, email string) (domain.Lead, error)
	// ListLeadsByDomain lists leads whose Domain is domain, oldest first.
	ListLeadsByDomain(ctx context.Context, domain string, p Page) ([]domain.Lead, string, error)
	// ListLeadsRoutedByOwner lists the leads owned by ownerID whose RoutedAt is in w, by RoutedAt
	// (leads never routed are not listed). Digests count new and routed leads per rep from it.
	ListLeadsRoutedByOwner(ctx context.Context, ownerID string, w Window, p Page) ([]domain.Lead, string, error)
	// ListLeadsCreated lists every lead whose CreatedAt is in w, by CreatedAt then id, whatever
	// its status or owner. Digests count a team's new leads (routed, unassigned, disqualified)
	// from it, filtering by territory.
	ListLeadsCreated(ctx context.Context, w Window, p Page) ([]domain.Lead, string, error)
	UpdateLead(ctx context.Context, id string, fn func(domain.Lead) (domain.Lead, error), events ...OutboxEvent) (domain.Lead, error)

	// Accounts. Domain is a unique key.
	CreateAccount(ctx context.Context, a domain.Account, events ...OutboxEvent) (domain.Account, error)
	GetAccount(ctx context.Context, id string) (domain.Account, error)
	GetAccountByDomain(ctx context.Context, domain string) (domain.Account, error)
	UpdateAccount(ctx context.Context, id string, fn func(domain.Account) (domain.Account, error), events ...OutboxEvent) (domain.Account, error)

	// Deals.
	CreateDeal(ctx context.Context, d domain.Deal, events ...OutboxEvent) (domain.Deal, error)
	GetDeal(ctx context.Context, id string) (domain.Deal, error)
	UpdateDeal(ctx context.Context, id string, fn func(domain.Deal) (domain.Deal, error), events ...OutboxEvent) (domain.Deal, error)
	// ListDealsByOwner lists an owner's deals, in stage when stage is not empty; ordered by stage,
	// then creation time.
	ListDealsByOwner(ctx context.Context, ownerID, stage string, p Page) ([]domain.Deal, string, error)
	// ListOpenDealsByOwner lists an owner's open deals, oldest first: the hourly reminder sweep
	// reads what can still be due, not every deal the owner ever closed.
	ListOpenDealsByOwner(ctx context.Context, ownerID string, p Page) ([]domain.Deal, string, error)
	// ListOpenDealsByTeam lists a team's open deals, oldest first.
	ListOpenDealsByTeam(ctx context.Context, teamID string, p Page) ([]domain.Deal, string, error)
	// ListDealsClosedByTeam lists a team's won and lost deals with ClosedAt in w, by ClosedAt.
	ListDealsClosedByTeam(ctx context.Context, teamID string, w Window, p Page) ([]domain.Deal, string, error)
	// ListDealsWonByTeam lists a team's won deals with ClosedAt in w, by ClosedAt: quota
	// attainment reads a whole quarter of bookings without the lost deals.
	ListDealsWonByTeam(ctx context.Context, teamID string, w Window, p Page) ([]domain.Deal, string, error)
	// ListDealsCreatedByTeam lists a team's deals with CreatedAt in w, by CreatedAt.
	ListDealsCreatedByTeam(ctx context.Context, teamID string, w Window, p Page) ([]domain.Deal, string, error)

	// Activities.
	CreateActivity(ctx context.Context, a domain.Activity, events ...OutboxEvent) (domain.Activity, error)
	// ListActivitiesByDeal lists a deal's activities by At.
	ListActivitiesByDeal(ctx context.Context, dealID string, p Page) ([]domain.Activity, string, error)
	// ListActivitiesByRep lists a rep's activities with At in w, by At.
	ListActivitiesByRep(ctx context.Context, repID string, w Window, p Page) ([]domain.Activity, string, error)

	// Handoffs.
	CreateHandoff(ctx context.Context, h domain.Handoff, events ...OutboxEvent) (domain.Handoff, error)
	GetHandoff(ctx context.Context, id string) (domain.Handoff, error)
	UpdateHandoff(ctx context.Context, id string, fn func(domain.Handoff) (domain.Handoff, error), events ...OutboxEvent) (domain.Handoff, error)
	// ListOpenHandoffsByAE lists handoffs waiting for this AE (status requested), by SLADueAt.
	ListOpenHandoffsByAE(ctx context.Context, aeID string, p Page) ([]domain.Handoff, string, error)
	// ListHandoffsByAE lists the handoffs whose current AE (AEID) is aeID and whose RequestedAt is
	// in w, in any status, by RequestedAt. Earlier attempts by other AEs stay in the handoff's
	// Attempts but do not list it under those AEs.
	ListHandoffsByAE(ctx context.Context, aeID string, w Window, p Page) ([]domain.Handoff, string, error)
	// ListHandoffsByLead lists every handoff of a lead, by RequestedAt.
	ListHandoffsByLead(ctx context.Context, leadID string, p Page) ([]domain.Handoff, string, error)

	// Reminders. (DealID, Policy, PeriodKey) is a unique key.
	CreateReminder(ctx context.Context, r domain.Reminder, events ...OutboxEvent) (domain.Reminder, error)
	GetReminder(ctx context.Context, id string) (domain.Reminder, error)
	// GetReminderByKey is the dedupe lookup: the reminder for this deal, policy and period.
	GetReminderByKey(ctx context.Context, dealID, policy, periodKey string) (domain.Reminder, error)
	UpdateReminder(ctx context.Context, id string, fn func(domain.Reminder) (domain.Reminder, error), events ...OutboxEvent) (domain.Reminder, error)
	// ListOpenRemindersDue lists a rep's open (pending or snoozed) reminders whose NextDueAt is at
	// or before t, by NextDueAt.
	ListOpenRemindersDue(ctx context.Context, repID string, t time.Time, p Page) ([]domain.Reminder, string, error)

	// Onboardings. DealID is a unique key: a deal is onboarded once.
	CreateOnboarding(ctx context.Context, o domain.Onboarding, events ...OutboxEvent) (domain.Onboarding, error)
	GetOnboarding(ctx context.Context, id string) (domain.Onboarding, error)
	GetOnboardingByDeal(ctx context.Context, dealID string) (domain.Onboarding, error)
	UpdateOnboarding(ctx context.Context, id string, fn func(domain.Onboarding) (domain.Onboarding, error), events ...OutboxEvent) (domain.Onboarding, error)
	// ListOnboardingsByCSM lists a CSM's onboardings, by StartedAt.
	ListOnboardingsByCSM(ctx context.Context, csmID string, p Page) ([]domain.Onboarding, string, error)

	// Digests. PutDigest stores the record if none exists for (ManagerID, PeriodKey); otherwise it
	// returns the existing record and created=false.
	PutDigest(ctx context.Context, d domain.DigestRecord, events ...OutboxEvent) (existing domain.DigestRecord, created bool, err error)
	GetDigest(ctx context.Context, managerID, periodKey string) (domain.DigestRecord, error)

	// API tokens. Hash (the SHA-256 of the secret) is a unique key; tokens are revoked, never deleted.
	CreateAPIToken(ctx context.Context, t domain.APIToken) (domain.APIToken, error)
	GetAPITokenByHash(ctx context.Context, hash string) (domain.APIToken, error)
	UpdateAPIToken(ctx context.Context, id string, fn func(domain.APIToken) (domain.APIToken, error)) (domain.APIToken, error)
	// ListAPITokens lists every token, oldest first.
	ListAPITokens(ctx context.Context, p Page) ([]domain.APIToken, string, error)

	// ListAudit lists the audit entries of one object ("deal/deal_123", AuditObject), oldest
	// first. Entries are written by the adapters with each entity write made under WithActor.
	ListAudit(ctx context.Context, object string, p Page) ([]domain.AuditEntry, string, error)
	// PutForecastCall stores a manager's forecast call; each (TeamID, PeriodKey, SubmittedAt) is
	// one submission, kept so that the call in effect at any instant can be found (writing the
	// same submission again changes nothing). ListForecastCalls lists a team's calls for a
	// period, oldest first.
	PutForecastCall(ctx context.Context, c domain.ForecastCall) (domain.ForecastCall, error)
	ListForecastCalls(ctx context.Context, teamID, periodKey string) ([]domain.ForecastCall, error)

	// PutIdempotencyKey stores value under key unless an unexpired value is there. It returns the
	// value in effect afterwards (value itself when created). Expired keys count as absent;
	// ttl <= 0 means the key never expires.
	PutIdempotencyKey(ctx context.Context, key, value string, ttl time.Duration) (existing string, created bool, err error)
	// ReleaseIdempotencyKey deletes key if it still holds value (compare-and-delete), so a claim
	// whose work failed can be retried. Releasing a key that is absent or holds another value is
	// not an error and changes nothing.
	ReleaseIdempotencyKey(ctx context.Context, key, value string) error

	// IncrementCounter adds delta (which may be negative, to credit back) and returns the new
	// value; a missing counter starts at 0. Exact under concurrency.
	IncrementCounter(ctx context.Context, key string, delta int64) (int64, error)
	// IncrementCounters adds delta to each key and returns the new values in order, in one write
	// where the backend has multi-key transactions (SQLite), else key by key (DynamoDB).
	IncrementCounters(ctx context.Context, keys []string, delta int64) ([]int64, error)
	// GetCounters returns the value of each key; missing counters are 0 and present in the map.
	GetCounters(ctx context.Context, keys ...string) (map[string]int64, error)

	// ListPendingOutbox returns up to limit unpublished events, oldest first; events of one write
	// keep their order, events written at the same instant by different writes have no set order.
	ListPendingOutbox(ctx context.Context, limit int) ([]OutboxEvent, error)
	// MarkOutboxPublished marks events published; marking one twice is not an error, an unknown
	// id is ErrNotFound.
	MarkOutboxPublished(ctx context.Context, ids ...string) error

	// Close releases the adapter's resources.
	Close() error
}
