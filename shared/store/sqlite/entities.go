package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

var (
	leads = table[domain.Lead]{
		name: "leads", kind: "lead",
		cols: []string{"source", "external_id", "email", "domain", "created_at", "routed_owner", "routed_at"},
		vals: func(l domain.Lead) []any {
			routed := l.OwnerID != "" && l.RoutedAt != nil
			routedAt := ""
			if routed {
				routedAt = store.TimeKey(*l.RoutedAt)
			}
			return []any{l.Source, l.ExternalID, l.Email, l.Domain, store.TimeKey(l.CreatedAt),
				nullable(routed, l.OwnerID), nullable(routed, routedAt)}
		},
		id:  func(l domain.Lead) string { return l.ID },
		ver: func(l *domain.Lead) *int64 { return &l.Version },
	}
	accounts = table[domain.Account]{
		name: "accounts", kind: "account",
		cols: []string{"domain"},
		vals: func(a domain.Account) []any { return []any{a.Domain} },
		id:   func(a domain.Account) string { return a.ID },
		ver:  func(a *domain.Account) *int64 { return &a.Version },
		immutable: func(o, n domain.Account) error {
			return store.CheckImmutable("account", o.ID, "domain", o.Domain, n.Domain)
		},
	}
	deals = table[domain.Deal]{
		name: "deals", kind: "deal",
		cols: []string{"owner_id", "stage", "team_id", "created_at", "open_team", "closed_team", "closed_at", "won_team"},
		vals: func(d domain.Deal) []any {
			closed := !d.IsOpen() && d.ClosedAt != nil
			closedAt := ""
			if closed {
				closedAt = store.TimeKey(*d.ClosedAt)
			}
			return []any{d.OwnerID, d.Stage, d.TeamID, store.TimeKey(d.CreatedAt),
				nullable(d.IsOpen(), d.TeamID), nullable(closed, d.TeamID), nullable(closed, closedAt),
				nullable(closed && d.Status == domain.DealWon, d.TeamID)}
		},
		id:  func(d domain.Deal) string { return d.ID },
		ver: func(d *domain.Deal) *int64 { return &d.Version },
	}
	activities = table[domain.Activity]{
		name: "activities", kind: "activity",
		cols: []string{"deal_id", "rep_id", "at"},
		vals: func(a domain.Activity) []any { return []any{a.DealID, a.RepID, store.TimeKey(a.At)} },
		id:   func(a domain.Activity) string { return a.ID },
		ver:  func(a *domain.Activity) *int64 { return &a.Version },
	}
	handoffs = table[domain.Handoff]{
		name: "handoffs", kind: "handoff",
		cols: []string{"lead_id", "requested_at", "open_ae", "sla_due_at", "ae_id"},
		vals: func(h domain.Handoff) []any {
			return []any{h.LeadID, store.TimeKey(h.RequestedAt), nullable(h.Status.Open(), h.AEID), store.TimeKey(h.SLADueAt), h.AEID}
		},
		id:  func(h domain.Handoff) string { return h.ID },
		ver: func(h *domain.Handoff) *int64 { return &h.Version },
	}
	reminders = table[domain.Reminder]{
		name: "reminders", kind: "reminder",
		cols: []string{"deal_id", "policy", "period_key", "open_rep", "next_due_at"},
		vals: func(r domain.Reminder) []any {
			return []any{r.DealID, r.Policy, r.PeriodKey, nullable(r.Status.Open(), r.RepID), store.TimeKey(r.NextDueAt())}
		},
		id:  func(r domain.Reminder) string { return r.ID },
		ver: func(r *domain.Reminder) *int64 { return &r.Version },
		immutable: func(o, n domain.Reminder) error {
			return store.CheckImmutable("reminder", o.ID, "dedupe key (deal, policy, period)",
				o.DealID+"/"+o.Policy+"/"+o.PeriodKey, n.DealID+"/"+n.Policy+"/"+n.PeriodKey)
		},
	}
	onboardings = table[domain.Onboarding]{
		name: "onboardings", kind: "onboarding",
		cols: []string{"deal_id", "csm_id", "started_at"},
		vals: func(o domain.Onboarding) []any { return []any{o.DealID, o.CSMID, store.TimeKey(o.StartedAt)} },
		id:   func(o domain.Onboarding) string { return o.ID },
		ver:  func(o *domain.Onboarding) *int64 { return &o.Version },
		immutable: func(o, n domain.Onboarding) error {
			return store.CheckImmutable("onboarding", o.ID, "dealId", o.DealID, n.DealID)
		},
	}
)

func (s *Store) CreateLead(ctx context.Context, l domain.Lead, ev ...store.OutboxEvent) (domain.Lead, error) {
	return create(ctx, s, leads, l, ev)
}

// errHeld ends a CreateLeadClaiming transaction whose keys are taken.
var errHeld = errors.New("keys held")

func (s *Store) CreateLeadClaiming(ctx context.Context, l domain.Lead, keys []string, ev ...store.OutboxEvent) (domain.Lead, map[string]string, error) {
	var held map[string]string
	now := store.TimeKey(s.now())
	out, err := createWith(ctx, s, leads, l, ev, func(tx *sql.Tx) error {
		held = nil // assigned afresh: the writer may run this again
		for _, k := range keys {
			if k == "" {
				return errors.New("empty idempotency key")
			}
			var cur string
			var exp sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT value, expires_at FROM store_idempotency_keys WHERE key = ?`, k).Scan(&cur, &exp)
			switch {
			case err == nil && (!exp.Valid || exp.String > now):
				if held == nil {
					held = map[string]string{}
				}
				held[k] = cur
				continue
			case err != nil && !errors.Is(err, sql.ErrNoRows):
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO store_idempotency_keys (key, value, expires_at) VALUES (?, ?, NULL)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = NULL`, k, l.ID); err != nil {
				return err
			}
		}
		if held != nil {
			return errHeld
		}
		return nil
	})
	if errors.Is(err, errHeld) {
		return domain.Lead{}, held, nil
	}
	return out, nil, err
}
func (s *Store) GetLead(ctx context.Context, id string) (domain.Lead, error) {
	return getByID(ctx, s, leads, id)
}
func (s *Store) GetLeadBySourceID(ctx context.Context, source, externalID string) (domain.Lead, error) {
	l, err := get(ctx, s, leads, "source = ? AND external_id = ? AND external_id <> '' ORDER BY created_at, id LIMIT 1", source, externalID)
	return l, wrap(err, "get lead by source %s id %s", source, externalID)
}
func (s *Store) GetLeadByEmail(ctx context.Context, email string) (domain.Lead, error) {
	l, err := get(ctx, s, leads, "email = ? AND email <> '' ORDER BY created_at, id LIMIT 1", email)
	return l, wrap(err, "get lead by email %s", email)
}
func (s *Store) ListLeadsByDomain(ctx context.Context, d string, p store.Page) ([]domain.Lead, string, error) {
	return list(ctx, s, leads, listQuery{where: "domain = ? AND domain <> ''", args: []any{d}, sort: []string{"created_at"}}, p)
}
func (s *Store) ListLeadsRoutedByOwner(ctx context.Context, ownerID string, w store.Window, p store.Page) ([]domain.Lead, string, error) {
	return list(ctx, s, leads, listQuery{where: "routed_owner = ? AND routed_at >= ? AND routed_at < ?",
		args: []any{ownerID, store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"routed_at"}}, p)
}
func (s *Store) ListLeadsCreated(ctx context.Context, w store.Window, p store.Page) ([]domain.Lead, string, error) {
	return list(ctx, s, leads, listQuery{where: "created_at >= ? AND created_at < ?",
		args: []any{store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"created_at"}}, p)
}
func (s *Store) UpdateLead(ctx context.Context, id string, fn func(domain.Lead) (domain.Lead, error), ev ...store.OutboxEvent) (domain.Lead, error) {
	return update(ctx, s, leads, id, fn, ev)
}

func (s *Store) CreateAccount(ctx context.Context, a domain.Account, ev ...store.OutboxEvent) (domain.Account, error) {
	return create(ctx, s, accounts, a, ev)
}
func (s *Store) GetAccount(ctx context.Context, id string) (domain.Account, error) {
	return getByID(ctx, s, accounts, id)
}
func (s *Store) GetAccountByDomain(ctx context.Context, d string) (domain.Account, error) {
	a, err := get(ctx, s, accounts, "domain = ?", d)
	return a, wrap(err, "get account by domain %s", d)
}
func (s *Store) UpdateAccount(ctx context.Context, id string, fn func(domain.Account) (domain.Account, error), ev ...store.OutboxEvent) (domain.Account, error) {
	return update(ctx, s, accounts, id, fn, ev)
}

func (s *Store) CreateDeal(ctx context.Context, d domain.Deal, ev ...store.OutboxEvent) (domain.Deal, error) {
	return create(ctx, s, deals, d, ev)
}
func (s *Store) GetDeal(ctx context.Context, id string) (domain.Deal, error) {
	return getByID(ctx, s, deals, id)
}
func (s *Store) UpdateDeal(ctx context.Context, id string, fn func(domain.Deal) (domain.Deal, error), ev ...store.OutboxEvent) (domain.Deal, error) {
	return update(ctx, s, deals, id, fn, ev)
}
func (s *Store) ListDealsByOwner(ctx context.Context, ownerID, stage string, p store.Page) ([]domain.Deal, string, error) {
	q := listQuery{where: "owner_id = ?", args: []any{ownerID}, sort: []string{"stage", "created_at"}}
	if stage != "" {
		q.where += " AND stage = ?"
		q.args = append(q.args, stage)
	}
	return list(ctx, s, deals, q, p)
}
func (s *Store) ListOpenDealsByOwner(ctx context.Context, ownerID string, p store.Page) ([]domain.Deal, string, error) {
	// open_team is set exactly while a deal is open (deals_open_by_owner is partial on it).
	return list(ctx, s, deals, listQuery{where: "owner_id = ? AND open_team IS NOT NULL", args: []any{ownerID}, sort: []string{"created_at"}}, p)
}
func (s *Store) ListOpenDealsByTeam(ctx context.Context, teamID string, p store.Page) ([]domain.Deal, string, error) {
	return list(ctx, s, deals, listQuery{where: "open_team = ?", args: []any{teamID}, sort: []string{"created_at"}}, p)
}
func (s *Store) ListDealsClosedByTeam(ctx context.Context, teamID string, w store.Window, p store.Page) ([]domain.Deal, string, error) {
	return list(ctx, s, deals, listQuery{where: "closed_team = ? AND closed_at >= ? AND closed_at < ?",
		args: []any{teamID, store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"closed_at"}}, p)
}
func (s *Store) ListDealsWonByTeam(ctx context.Context, teamID string, w store.Window, p store.Page) ([]domain.Deal, string, error) {
	return list(ctx, s, deals, listQuery{where: "won_team = ? AND closed_at >= ? AND closed_at < ?",
		args: []any{teamID, store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"closed_at"}}, p)
}
func (s *Store) ListDealsCreatedByTeam(ctx context.Context, teamID string, w store.Window, p store.Page) ([]domain.Deal, string, error) {
	return list(ctx, s, deals, listQuery{where: "team_id = ? AND created_at >= ? AND created_at < ?",
		args: []any{teamID, store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"created_at"}}, p)
}

func (s *Store) CreateActivity(ctx context.Context, a domain.Activity, ev ...store.OutboxEvent) (domain.Activity, error) {
	return create(ctx, s, activities, a, ev)
}
func (s *Store) ListActivitiesByDeal(ctx context.Context, dealID string, p store.Page) ([]domain.Activity, string, error) {
	return list(ctx, s, activities, listQuery{where: "deal_id = ? AND deal_id <> ''", args: []any{dealID}, sort: []string{"at"}}, p)
}
func (s *Store) ListActivitiesByRep(ctx context.Context, repID string, w store.Window, p store.Page) ([]domain.Activity, string, error) {
	return list(ctx, s, activities, listQuery{where: "rep_id = ? AND at >= ? AND at < ?",
		args: []any{repID, store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"at"}}, p)
}

func (s *Store) CreateHandoff(ctx context.Context, h domain.Handoff, ev ...store.OutboxEvent) (domain.Handoff, error) {
	return create(ctx, s, handoffs, h, ev)
}
func (s *Store) GetHandoff(ctx context.Context, id string) (domain.Handoff, error) {
	return getByID(ctx, s, handoffs, id)
}
func (s *Store) UpdateHandoff(ctx context.Context, id string, fn func(domain.Handoff) (domain.Handoff, error), ev ...store.OutboxEvent) (domain.Handoff, error) {
	return update(ctx, s, handoffs, id, fn, ev)
}
func (s *Store) ListOpenHandoffsByAE(ctx context.Context, aeID string, p store.Page) ([]domain.Handoff, string, error) {
	return list(ctx, s, handoffs, listQuery{where: "open_ae = ?", args: []any{aeID}, sort: []string{"sla_due_at"}}, p)
}
func (s *Store) ListHandoffsByAE(ctx context.Context, aeID string, w store.Window, p store.Page) ([]domain.Handoff, string, error) {
	return list(ctx, s, handoffs, listQuery{where: "ae_id = ? AND ae_id <> '' AND requested_at >= ? AND requested_at < ?",
		args: []any{aeID, store.TimeKey(w.From), store.TimeKey(w.To)}, sort: []string{"requested_at"}}, p)
}
func (s *Store) ListHandoffsByLead(ctx context.Context, leadID string, p store.Page) ([]domain.Handoff, string, error) {
	return list(ctx, s, handoffs, listQuery{where: "lead_id = ?", args: []any{leadID}, sort: []string{"requested_at"}}, p)
}

func (s *Store) CreateReminder(ctx context.Context, r domain.Reminder, ev ...store.OutboxEvent) (domain.Reminder, error) {
	return create(ctx, s, reminders, r, ev)
}
func (s *Store) GetReminder(ctx context.Context, id string) (domain.Reminder, error) {
	return getByID(ctx, s, reminders, id)
}
func (s *Store) GetReminderByKey(ctx context.Context, dealID, policy, periodKey string) (domain.Reminder, error) {
	r, err := get(ctx, s, reminders, "deal_id = ? AND policy = ? AND period_key = ?", dealID, policy, periodKey)
	return r, wrap(err, "get reminder for deal %s policy %s period %s", dealID, policy, periodKey)
}
func (s *Store) UpdateReminder(ctx context.Context, id string, fn func(domain.Reminder) (domain.Reminder, error), ev ...store.OutboxEvent) (domain.Reminder, error) {
	return update(ctx, s, reminders, id, fn, ev)
}
func (s *Store) ListOpenRemindersDue(ctx context.Context, repID string, t time.Time, p store.Page) ([]domain.Reminder, string, error) {
	return list(ctx, s, reminders, listQuery{where: "open_rep = ? AND next_due_at <= ?",
		args: []any{repID, store.TimeKey(t)}, sort: []string{"next_due_at"}}, p)
}

func (s *Store) CreateOnboarding(ctx context.Context, o domain.Onboarding, ev ...store.OutboxEvent) (domain.Onboarding, error) {
	return create(ctx, s, onboardings, o, ev)
}
func (s *Store) GetOnboarding(ctx context.Context, id string) (domain.Onboarding, error) {
	return getByID(ctx, s, onboardings, id)
}
func (s *Store) GetOnboardingByDeal(ctx context.Context, dealID string) (domain.Onboarding, error) {
	o, err := get(ctx, s, onboardings, "deal_id = ?", dealID)
	return o, wrap(err, "get onboarding for deal %s", dealID)
}
func (s *Store) UpdateOnboarding(ctx context.Context, id string, fn func(domain.Onboarding) (domain.Onboarding, error), ev ...store.OutboxEvent) (domain.Onboarding, error) {
	return update(ctx, s, onboardings, id, fn, ev)
}
func (s *Store) ListOnboardingsByCSM(ctx context.Context, csmID string, p store.Page) ([]domain.Onboarding, string, error) {
	return list(ctx, s, onboardings, listQuery{where: "csm_id = ?", args: []any{csmID}, sort: []string{"started_at"}}, p)
}
