package dynamo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// Key prefixes. README.md documents each one; keep the two in step.
const (
	leadPrefix          = "LEAD#"
	accountPrefix       = "ACCOUNT#"
	accountDomainPrefix = "ACCOUNT_DOMAIN#"
	dealPrefix          = "DEAL#"
	activityPrefix      = "ACTIVITY#"
	handoffPrefix       = "HANDOFF#"
	reminderPrefix      = "REMINDER#"
	reminderKeyPrefix   = "REMINDER_KEY#"
	onboardingPrefix    = "ONBOARDING#"
	onboardingDealPfx   = "ONBOARDING_DEAL#"
	digestPrefix        = "DIGEST#"
	idempotencyPrefix   = "IDEMPOTENCY#"
	counterPrefix       = "COUNTER#"
	outboxPrefix        = "OUTBOX#"
	outboxPendingPK     = "OUTBOX_PENDING#"
)

// outboxShards spreads pending events over this many GSI1 partitions, so a burst of writes
// never lands on one key: a DynamoDB partition (and a GSI partition) takes at most 1,000 write
// units per second (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html),
// and at 1,000 leads/s every lead writes one pending event. 16 shards leave 16× headroom;
// the sweep queries them side by side.
const outboxShards = 16

// outboxPendingKey is the pending shard of an event: a hash of its id, stable across retries.
func outboxPendingKey(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return outboxPendingPK + strconv.Itoa(int(h.Sum32()%outboxShards))
}

// publishedOutboxTTL is how long a published event stays readable (for an incident's look at
// what went out) before DynamoDB TTL deletes it; the event archive on the bus keeps it longer.
const publishedOutboxTTL = 7 * 24 * time.Hour

// sk builds a sort key that orders by time and stays unique by id.
func sk(t time.Time, id string) string { return store.TimeKey(t) + "#" + id }

var (
	leads = kind[domain.Lead]{
		name: "lead", prefix: leadPrefix,
		id:  func(l domain.Lead) string { return l.ID },
		ver: func(l *domain.Lead) *int64 { return &l.Version },
		gsis: func(l domain.Lead) map[string][2]string {
			m := map[string][2]string{}
			c := sk(l.CreatedAt, l.ID)
			if l.Email != "" {
				m[gsi1] = [2]string{"LEAD_EMAIL#" + l.Email, c}
			}
			if l.Domain != "" {
				m[gsi2] = [2]string{"LEAD_DOMAIN#" + l.Domain, c}
			}
			if l.ExternalID != "" {
				m[gsi3] = [2]string{"LEAD_SOURCE#" + l.Source + "#" + l.ExternalID, c}
			}
			if l.OwnerID != "" && l.RoutedAt != nil {
				m[gsi4] = [2]string{"LEAD_OWNER_ROUTED#" + l.OwnerID, sk(*l.RoutedAt, l.ID)}
			}
			if !l.CreatedAt.IsZero() {
				m[gsi5] = [2]string{leadCreatedPK(l.CreatedAt), c}
			}
			return m
		},
	}
	accounts = kind[domain.Account]{
		name: "account", prefix: accountPrefix,
		id:     func(a domain.Account) string { return a.ID },
		ver:    func(a *domain.Account) *int64 { return &a.Version },
		unique: func(a domain.Account) (string, bool) { return accountDomainPrefix + a.Domain, true },
		immutable: func(o, n domain.Account) error {
			return store.CheckImmutable("account", o.ID, "domain", o.Domain, n.Domain)
		},
	}
	deals = kind[domain.Deal]{
		name: "deal", prefix: dealPrefix,
		id:  func(d domain.Deal) string { return d.ID },
		ver: func(d *domain.Deal) *int64 { return &d.Version },
		gsis: func(d domain.Deal) map[string][2]string {
			c := sk(d.CreatedAt, d.ID)
			m := map[string][2]string{
				gsi1: {"DEAL_OWNER#" + d.OwnerID, d.Stage + "#" + c},
				gsi4: {"DEAL_TEAM#" + d.TeamID, c},
			}
			if d.IsOpen() {
				m[gsi2] = [2]string{"DEAL_TEAM_OPEN#" + d.TeamID, c}
				// gsi3 holds the closed key once the deal closes, so an open deal has it free.
				m[gsi3] = [2]string{"DEAL_OWNER_OPEN#" + d.OwnerID, c}
			} else if d.ClosedAt != nil {
				m[gsi3] = [2]string{"DEAL_TEAM_CLOSED#" + d.TeamID, sk(*d.ClosedAt, d.ID)}
				if d.Status == domain.DealWon {
					m[gsi5] = [2]string{"DEAL_TEAM_WON#" + d.TeamID, sk(*d.ClosedAt, d.ID)}
				}
			}
			return m
		},
	}
	activities = kind[domain.Activity]{
		name: "activity", prefix: activityPrefix,
		id:  func(a domain.Activity) string { return a.ID },
		ver: func(a *domain.Activity) *int64 { return &a.Version },
		gsis: func(a domain.Activity) map[string][2]string {
			c := sk(a.At, a.ID)
			m := map[string][2]string{gsi2: {"ACTIVITY_REP#" + a.RepID, c}}
			if a.DealID != "" {
				m[gsi1] = [2]string{"ACTIVITY_DEAL#" + a.DealID, c}
			}
			return m
		},
	}
	handoffs = kind[domain.Handoff]{
		name: "handoff", prefix: handoffPrefix,
		id:  func(h domain.Handoff) string { return h.ID },
		ver: func(h *domain.Handoff) *int64 { return &h.Version },
		gsis: func(h domain.Handoff) map[string][2]string {
			m := map[string][2]string{gsi2: {"HANDOFF_LEAD#" + h.LeadID, sk(h.RequestedAt, h.ID)}}
			if h.AEID != "" {
				m[gsi3] = [2]string{"HANDOFF_AE#" + h.AEID, sk(h.RequestedAt, h.ID)}
			}
			if h.Status.Open() {
				m[gsi1] = [2]string{"HANDOFF_AE_OPEN#" + h.AEID, sk(h.SLADueAt, h.ID)}
			}
			return m
		},
	}
	reminders = kind[domain.Reminder]{
		name: "reminder", prefix: reminderPrefix,
		id:  func(r domain.Reminder) string { return r.ID },
		ver: func(r *domain.Reminder) *int64 { return &r.Version },
		gsis: func(r domain.Reminder) map[string][2]string {
			if !r.Status.Open() {
				return nil
			}
			return map[string][2]string{gsi1: {"REMINDER_REP_OPEN#" + r.RepID, sk(r.NextDueAt(), r.ID)}}
		},
		unique: func(r domain.Reminder) (string, bool) {
			return reminderKey(r.DealID, r.Policy, r.PeriodKey), true
		},
		immutable: func(o, n domain.Reminder) error {
			return store.CheckImmutable("reminder", o.ID, "dedupe key (deal, policy, period)",
				reminderKey(o.DealID, o.Policy, o.PeriodKey), reminderKey(n.DealID, n.Policy, n.PeriodKey))
		},
	}
	onboardings = kind[domain.Onboarding]{
		name: "onboarding", prefix: onboardingPrefix,
		id:  func(o domain.Onboarding) string { return o.ID },
		ver: func(o *domain.Onboarding) *int64 { return &o.Version },
		gsis: func(o domain.Onboarding) map[string][2]string {
			return map[string][2]string{gsi1: {"ONBOARDING_CSM#" + o.CSMID, sk(o.StartedAt, o.ID)}}
		},
		unique: func(o domain.Onboarding) (string, bool) { return onboardingDealPfx + o.DealID, true },
		immutable: func(o, n domain.Onboarding) error {
			return store.CheckImmutable("onboarding", o.ID, "dealId", o.DealID, n.DealID)
		},
	}
)

func reminderKey(deal, policy, period string) string {
	return reminderKeyPrefix + deal + "#" + policy + "#" + period
}

// firstOf returns the earliest item of an index partition (sort keys start with the creation time).
func firstOf[T any](ctx context.Context, st *Store, k kind[T], index, pk string) (T, error) {
	items, _, err := list(ctx, st, k, query{index: index, pk: pk}, store.Page{Limit: 1})
	if err != nil {
		var zero T
		return zero, err
	}
	if len(items) == 0 {
		var zero T
		return zero, fmt.Errorf("get %s by %s: %w", k.name, pk, store.ErrNotFound)
	}
	return items[0], nil
}

// window is the sort-key condition for [From, To) on keys that start with store.TimeKey: "T#id"
// sorts after "T", so BETWEEN TimeKey(From) AND TimeKey(To) includes From and excludes To.
func window(w store.Window) (string, map[string]types.AttributeValue) {
	return "#sk BETWEEN :a AND :b", map[string]types.AttributeValue{":a": s(store.TimeKey(w.From)), ":b": s(store.TimeKey(w.To))}
}

func windowList[T any](ctx context.Context, st *Store, k kind[T], index, pk string, w store.Window, p store.Page) ([]T, string, error) {
	if !w.From.Before(w.To) {
		return nil, "", nil
	}
	cond, vals := window(w)
	return list(ctx, st, k, query{index: index, pk: pk, skCond: cond, vals: vals}, p)
}

func (st *Store) CreateLead(ctx context.Context, l domain.Lead, ev ...store.OutboxEvent) (domain.Lead, error) {
	return create(ctx, st, leads, l, ev)
}

// CreateLeadClaiming is one TransactWriteItems: the lead (if absent), each key (if absent or
// expired, as PutIdempotencyKey) and the outbox events. When a key's condition fails, every key
// is read to report which are held.
func (st *Store) CreateLeadClaiming(ctx context.Context, l domain.Lead, keys []string, ev ...store.OutboxEvent) (domain.Lead, map[string]string, error) {
	wrap := func(err error) error { return fmt.Errorf("create lead %s: %w", l.ID, err) }
	if l.ID == "" {
		return domain.Lead{}, nil, errors.New("create lead: empty id")
	}
	l.Version = 1
	item, err := leads.item(l)
	if err != nil {
		return domain.Lead{}, nil, wrap(err)
	}
	evs, err := st.eventPuts(ev)
	if err != nil {
		return domain.Lead{}, nil, wrap(err)
	}
	for attempt := 0; attempt < st.maxAttempts; attempt++ {
		now := store.TimeKey(st.now())
		items := []types.TransactWriteItem{{Put: putIfAbsent(st.table, item)}}
		for _, k := range keys {
			if k == "" {
				return domain.Lead{}, nil, wrap(errors.New("empty idempotency key"))
			}
			ki := key(idempotencyPrefix+k, entitySK)
			ki[attrKind] = s("idempotency")
			ki["value"] = s(l.ID)
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(st.table), Item: ki,
				ConditionExpression:       aws.String("attribute_not_exists(PK) OR #e <= :now"),
				ExpressionAttributeNames:  map[string]string{"#e": "expiresAt"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":now": s(now)}}})
		}
		items = append(items, evs...)
		idx, err := st.transact(ctx, items)
		switch {
		case err == nil:
			return l, nil, nil
		case idx == 0:
			return domain.Lead{}, nil, fmt.Errorf("create lead %s: id taken: %w", l.ID, store.ErrAlreadyExists)
		case idx > len(keys):
			return domain.Lead{}, nil, fmt.Errorf("create lead %s: outbox event id taken: %w", l.ID, store.ErrAlreadyExists)
		case idx < 0:
			return domain.Lead{}, nil, wrap(err)
		}
		held := map[string]string{}
		for _, k := range keys {
			cur, err := getItem(ctx, st, key(idempotencyPrefix+k, entitySK))
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return domain.Lead{}, nil, wrap(err)
			}
			if e := str(cur["expiresAt"]); e != "" && e <= store.TimeKey(st.now()) {
				continue
			}
			held[k] = str(cur["value"])
		}
		if len(held) > 0 {
			return domain.Lead{}, held, nil
		}
		// The key expired or was deleted between the transaction and the read: try again.
	}
	return domain.Lead{}, nil, wrap(store.ErrConflict)
}
func (st *Store) GetLead(ctx context.Context, id string) (domain.Lead, error) {
	return get(ctx, st, leads, id)
}
func (st *Store) GetLeadBySourceID(ctx context.Context, source, externalID string) (domain.Lead, error) {
	if externalID == "" {
		return domain.Lead{}, store.ErrNotFound
	}
	return firstOf(ctx, st, leads, gsi3, "LEAD_SOURCE#"+source+"#"+externalID)
}
func (st *Store) GetLeadByEmail(ctx context.Context, email string) (domain.Lead, error) {
	if email == "" {
		return domain.Lead{}, store.ErrNotFound
	}
	return firstOf(ctx, st, leads, gsi1, "LEAD_EMAIL#"+email)
}
func (st *Store) ListLeadsByDomain(ctx context.Context, d string, p store.Page) ([]domain.Lead, string, error) {
	return list(ctx, st, leads, query{index: gsi2, pk: "LEAD_DOMAIN#" + d}, p)
}
func (st *Store) ListLeadsRoutedByOwner(ctx context.Context, ownerID string, w store.Window, p store.Page) ([]domain.Lead, string, error) {
	return windowList(ctx, st, leads, gsi4, "LEAD_OWNER_ROUTED#"+ownerID, w, p)
}

// leadCreatedPK buckets leads by their UTC creation day: a window of days is a few Queries (one
// per day) and a day's intake spreads over its own partition instead of one for all time.
func leadCreatedPK(t time.Time) string { return "LEAD_CREATED#" + t.UTC().Format(time.DateOnly) }

// ListLeadsCreated queries the day partitions of w in order. The cursor is the day being read
// and the cursor inside that day's partition: "2026-11-03|<partition cursor>".
func (st *Store) ListLeadsCreated(ctx context.Context, w store.Window, p store.Page) ([]domain.Lead, string, error) {
	if !w.From.Before(w.To) {
		return nil, "", nil
	}
	f := w.From.UTC()
	day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, time.UTC)
	inner := ""
	if p.Cursor != "" {
		d, rest, ok := strings.Cut(p.Cursor, "|")
		t, err := time.Parse(time.DateOnly, d)
		if !ok || err != nil || t.Before(day) {
			return nil, "", fmt.Errorf("list lead by created day: bad cursor %q", p.Cursor)
		}
		day, inner = t, rest
	}
	size := p.Size()
	var out []domain.Lead
	for ; day.Before(w.To); day = day.AddDate(0, 0, 1) {
		got, next, err := windowList(ctx, st, leads, gsi5, leadCreatedPK(day), w, store.Page{Limit: size - len(out), Cursor: inner})
		if err != nil {
			return nil, "", err
		}
		inner = ""
		out = append(out, got...)
		if next != "" {
			return out, day.Format(time.DateOnly) + "|" + next, nil
		}
		if len(out) == size {
			if nextDay := day.AddDate(0, 0, 1); nextDay.Before(w.To) {
				return out, nextDay.Format(time.DateOnly) + "|", nil
			}
		}
	}
	return out, "", nil
}

func (st *Store) UpdateLead(ctx context.Context, id string, fn func(domain.Lead) (domain.Lead, error), ev ...store.OutboxEvent) (domain.Lead, error) {
	return update(ctx, st, leads, id, fn, ev)
}

func (st *Store) CreateAccount(ctx context.Context, a domain.Account, ev ...store.OutboxEvent) (domain.Account, error) {
	return create(ctx, st, accounts, a, ev)
}
func (st *Store) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	return get(ctx, st, accounts, id)
}
func (st *Store) GetAccountByDomain(ctx context.Context, d string) (domain.Account, error) {
	return getByUnique(ctx, st, accounts, accountDomainPrefix+d)
}
func (st *Store) UpdateAccount(ctx context.Context, id string, fn func(domain.Account) (domain.Account, error), ev ...store.OutboxEvent) (domain.Account, error) {
	return update(ctx, st, accounts, id, fn, ev)
}

func (st *Store) CreateDeal(ctx context.Context, d domain.Deal, ev ...store.OutboxEvent) (domain.Deal, error) {
	return create(ctx, st, deals, d, ev)
}
func (st *Store) GetDeal(ctx context.Context, id string) (domain.Deal, error) {
	return get(ctx, st, deals, id)
}
func (st *Store) UpdateDeal(ctx context.Context, id string, fn func(domain.Deal) (domain.Deal, error), ev ...store.OutboxEvent) (domain.Deal, error) {
	return update(ctx, st, deals, id, fn, ev)
}
func (st *Store) ListDealsByOwner(ctx context.Context, ownerID, stage string, p store.Page) ([]domain.Deal, string, error) {
	q := query{index: gsi1, pk: "DEAL_OWNER#" + ownerID}
	if stage != "" {
		q.skCond, q.vals = "begins_with(#sk, :a)", map[string]types.AttributeValue{":a": s(stage + "#")}
	}
	return list(ctx, st, deals, q, p)
}
func (st *Store) ListOpenDealsByOwner(ctx context.Context, ownerID string, p store.Page) ([]domain.Deal, string, error) {
	return list(ctx, st, deals, query{index: gsi3, pk: "DEAL_OWNER_OPEN#" + ownerID}, p)
}
func (st *Store) ListOpenDealsByTeam(ctx context.Context, teamID string, p store.Page) ([]domain.Deal, string, error) {
	return list(ctx, st, deals, query{index: gsi2, pk: "DEAL_TEAM_OPEN#" + teamID}, p)
}
func (st *Store) ListDealsClosedByTeam(ctx context.Context, teamID string, w store.Window, p store.Page) ([]domain.Deal, string, error) {
	return windowList(ctx, st, deals, gsi3, "DEAL_TEAM_CLOSED#"+teamID, w, p)
}
func (st *Store) ListDealsWonByTeam(ctx context.Context, teamID string, w store.Window, p store.Page) ([]domain.Deal, string, error) {
	return windowList(ctx, st, deals, gsi5, "DEAL_TEAM_WON#"+teamID, w, p)
}
func (st *Store) ListDealsCreatedByTeam(ctx context.Context, teamID string, w store.Window, p store.Page) ([]domain.Deal, string, error) {
	return windowList(ctx, st, deals, gsi4, "DEAL_TEAM#"+teamID, w, p)
}

func (st *Store) CreateActivity(ctx context.Context, a domain.Activity, ev ...store.OutboxEvent) (domain.Activity, error) {
	return create(ctx, st, activities, a, ev)
}
func (st *Store) ListActivitiesByDeal(ctx context.Context, dealID string, p store.Page) ([]domain.Activity, string, error) {
	return list(ctx, st, activities, query{index: gsi1, pk: "ACTIVITY_DEAL#" + dealID}, p)
}
func (st *Store) ListActivitiesByRep(ctx context.Context, repID string, w store.Window, p store.Page) ([]domain.Activity, string, error) {
	return windowList(ctx, st, activities, gsi2, "ACTIVITY_REP#"+repID, w, p)
}

func (st *Store) CreateHandoff(ctx context.Context, h domain.Handoff, ev ...store.OutboxEvent) (domain.Handoff, error) {
	return create(ctx, st, handoffs, h, ev)
}
func (st *Store) GetHandoff(ctx context.Context, id string) (domain.Handoff, error) {
	return get(ctx, st, handoffs, id)
}
func (st *Store) UpdateHandoff(ctx context.Context, id string, fn func(domain.Handoff) (domain.Handoff, error), ev ...store.OutboxEvent) (domain.Handoff, error) {
	return update(ctx, st, handoffs, id, fn, ev)
}
func (st *Store) ListOpenHandoffsByAE(ctx context.Context, aeID string, p store.Page) ([]domain.Handoff, string, error) {
	return list(ctx, st, handoffs, query{index: gsi1, pk: "HANDOFF_AE_OPEN#" + aeID}, p)
}
func (st *Store) ListHandoffsByAE(ctx context.Context, aeID string, w store.Window, p store.Page) ([]domain.Handoff, string, error) {
	return windowList(ctx, st, handoffs, gsi3, "HANDOFF_AE#"+aeID, w, p)
}
func (st *Store) ListHandoffsByLead(ctx context.Context, leadID string, p store.Page) ([]domain.Handoff, string, error) {
	return list(ctx, st, handoffs, query{index: gsi2, pk: "HANDOFF_LEAD#" + leadID}, p)
}

func (st *Store) CreateReminder(ctx context.Context, r domain.Reminder, ev ...store.OutboxEvent) (domain.Reminder, error) {
	return create(ctx, st, reminders, r, ev)
}
func (st *Store) GetReminder(ctx context.Context, id string) (domain.Reminder, error) {
	return get(ctx, st, reminders, id)
}
func (st *Store) GetReminderByKey(ctx context.Context, dealID, policy, periodKey string) (domain.Reminder, error) {
	return getByUnique(ctx, st, reminders, reminderKey(dealID, policy, periodKey))
}
func (st *Store) UpdateReminder(ctx context.Context, id string, fn func(domain.Reminder) (domain.Reminder, error), ev ...store.OutboxEvent) (domain.Reminder, error) {
	return update(ctx, st, reminders, id, fn, ev)
}

// ListOpenRemindersDue includes reminders due exactly at t: "T#id" < "T$" because '#' < '$'.
func (st *Store) ListOpenRemindersDue(ctx context.Context, repID string, t time.Time, p store.Page) ([]domain.Reminder, string, error) {
	return list(ctx, st, reminders, query{index: gsi1, pk: "REMINDER_REP_OPEN#" + repID,
		skCond: "#sk < :a", vals: map[string]types.AttributeValue{":a": s(store.TimeKey(t) + "$")}}, p)
}

func (st *Store) CreateOnboarding(ctx context.Context, o domain.Onboarding, ev ...store.OutboxEvent) (domain.Onboarding, error) {
	return create(ctx, st, onboardings, o, ev)
}
func (st *Store) GetOnboarding(ctx context.Context, id string) (domain.Onboarding, error) {
	return get(ctx, st, onboardings, id)
}
func (st *Store) GetOnboardingByDeal(ctx context.Context, dealID string) (domain.Onboarding, error) {
	return getByUnique(ctx, st, onboardings, onboardingDealPfx+dealID)
}
func (st *Store) UpdateOnboarding(ctx context.Context, id string, fn func(domain.Onboarding) (domain.Onboarding, error), ev ...store.OutboxEvent) (domain.Onboarding, error) {
	return update(ctx, st, onboardings, id, fn, ev)
}
func (st *Store) ListOnboardingsByCSM(ctx context.Context, csmID string, p store.Page) ([]domain.Onboarding, string, error) {
	return list(ctx, st, onboardings, query{index: gsi1, pk: "ONBOARDING_CSM#" + csmID}, p)
}
