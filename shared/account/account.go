// Package account owns accounts as records: the companies dealflow knows, matched to leads by
// email domain so that a lead from a customer goes to the customer's owner (routing rule
// existing_account). Accounts come from an import (CSV or POST /v1/accounts) and from won deals.
// The rules here are pure apart from the small store port they are written through.
package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/qualify"
	"github.com/dealflow/dealflow/shared/routing"
	"github.com/dealflow/dealflow/shared/store"
)

// Store is what accounts are written through.
type Store interface {
	CreateAccount(ctx context.Context, a domain.Account, events ...store.OutboxEvent) (domain.Account, error)
	GetAccountByDomain(ctx context.Context, domain string) (domain.Account, error)
	UpdateAccount(ctx context.Context, id string, fn func(domain.Account) (domain.Account, error), events ...store.OutboxEvent) (domain.Account, error)
}

// Input is an account as an import or the API states it. Owner is a rep id or email.
type Input struct {
	Domain    string `json:"domain"`
	Name      string `json:"name"`
	Owner     string `json:"ownerId"`
	Segment   string `json:"segment"`
	Territory string `json:"territory"`
}

var domainRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

// ID is the one account id a domain can have, so a replayed import or won deal finds it again.
func ID(domain string) string { return "acc_" + domain }

// Check cleans in against the org file: a lower-case domain (a URL or an email is reduced to its
// host), an owner who is a rep (by id or email), a known segment and territory.
func Check(org *domain.Org, in Input) (domain.Account, []domain.FieldProblem) {
	var probs []domain.FieldProblem
	d := strings.ToLower(strings.TrimSpace(in.Domain))
	d = strings.TrimPrefix(strings.TrimPrefix(d, "https://"), "http://")
	d, _, _ = strings.Cut(d, "/")
	if _, host, ok := strings.Cut(d, "@"); ok {
		d = host
	}
	d = strings.TrimPrefix(strings.TrimSuffix(d, "."), "www.")
	switch {
	case d == "":
		probs = append(probs, domain.FieldProblem{Field: "domain", Reason: "required"})
	case !domainRE.MatchString(d):
		probs = append(probs, domain.FieldProblem{Field: "domain", Reason: fmt.Sprintf("%q is not a domain such as acme.com", in.Domain)})
	case qualify.IsFreeMail(d):
		probs = append(probs, domain.FieldProblem{Field: "domain", Reason: d + " is a free-mail provider: it would match every private address"})
	}
	a := domain.Account{ID: ID(d), Domain: d, Name: strings.TrimSpace(in.Name), Segment: strings.TrimSpace(in.Segment), Territory: strings.TrimSpace(in.Territory)}
	if a.Name == "" {
		a.Name = d
	}
	if o := strings.TrimSpace(in.Owner); o != "" {
		if rep, ok := repByIDOrEmail(org, o); ok {
			a.OwnerID = rep.ID
		} else {
			probs = append(probs, domain.FieldProblem{Field: "ownerId", Reason: fmt.Sprintf("no rep %q in the org file", o)})
		}
	}
	if a.Segment != "" {
		if _, ok := org.Segment(a.Segment); !ok {
			probs = append(probs, domain.FieldProblem{Field: "segment", Reason: fmt.Sprintf("no segment %q in the org file", a.Segment)})
		}
	}
	if a.Territory != "" {
		if _, ok := org.Territory(a.Territory); !ok {
			probs = append(probs, domain.FieldProblem{Field: "territory", Reason: fmt.Sprintf("no territory %q in the org file", a.Territory)})
		}
	}
	return a, probs
}

func repByIDOrEmail(org *domain.Org, s string) (*domain.Rep, bool) {
	if r, ok := org.Rep(s); ok {
		return r, true
	}
	for i := range org.Reps {
		if strings.EqualFold(org.Reps[i].Email, s) {
			return &org.Reps[i], true
		}
	}
	return nil, false
}

// Put stores an imported account: a new domain is created, a known one takes the stated name,
// owner, segment and territory (an import is the source of truth for what it states; empty
// cells keep what is there).
func Put(ctx context.Context, st Store, a domain.Account, source string, now time.Time) (domain.Account, bool, error) {
	a.Source, a.CreatedAt, a.UpdatedAt = source, now, now
	got, err := st.CreateAccount(ctx, a)
	if err == nil {
		return got, true, nil
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		return domain.Account{}, false, fmt.Errorf("create account %s: %w", a.Domain, err)
	}
	old, err := st.GetAccountByDomain(ctx, a.Domain)
	if err != nil {
		return domain.Account{}, false, fmt.Errorf("get account %s: %w", a.Domain, err)
	}
	got, err = st.UpdateAccount(ctx, old.ID, func(cur domain.Account) (domain.Account, error) {
		if a.Name != "" && a.Name != a.Domain {
			cur.Name = a.Name
		}
		for _, f := range []struct {
			dst *string
			v   string
		}{{&cur.OwnerID, a.OwnerID}, {&cur.Segment, a.Segment}, {&cur.Territory, a.Territory}} {
			if f.v != "" {
				*f.dst = f.v
			}
		}
		cur.UpdatedAt = now
		return cur, nil
	})
	if err != nil {
		return domain.Account{}, false, fmt.Errorf("update account %s: %w", a.Domain, err)
	}
	return got, false, nil
}

// FromWonDeal is the account a won deal makes of its lead's company: the lead's company domain,
// the deal's owner, the lead's segment and territory. ok is false when the deal says nothing
// about a company domain (no lead, a free-mail lead).
func FromWonDeal(org *domain.Org, deal domain.Deal, lead domain.Lead) (domain.Account, bool) {
	if lead.Domain == "" {
		return domain.Account{}, false
	}
	name := lead.Company
	if name == "" {
		name = deal.Name
	}
	a := domain.Account{ID: ID(lead.Domain), Domain: lead.Domain, Name: name, OwnerID: deal.OwnerID, Source: "deal:" + deal.ID}
	for _, s := range org.Segments {
		if lead.Employees > 0 && s.Contains(lead.Employees) {
			a.Segment = s.ID
			break
		}
	}
	r := &routing.Router{Org: org}
	if i := slices.IndexFunc(org.Territories, func(t domain.Territory) bool { return r.InTerritory(&t, lead) }); i >= 0 {
		a.Territory = org.Territories[i].ID
	}
	return a, true
}

// RecordWonDeal creates the account of a won deal. An account already on the domain keeps its
// owner (an import or an earlier win decided it) and gains one only if it had none.
func RecordWonDeal(ctx context.Context, st Store, a domain.Account, now time.Time) (domain.Account, error) {
	a.CreatedAt, a.UpdatedAt = now, now
	got, err := st.CreateAccount(ctx, a)
	if err == nil || !errors.Is(err, store.ErrAlreadyExists) {
		return got, err
	}
	old, err := st.GetAccountByDomain(ctx, a.Domain)
	if err != nil || old.OwnerID != "" {
		return old, err
	}
	return st.UpdateAccount(ctx, old.ID, func(cur domain.Account) (domain.Account, error) {
		if cur.OwnerID == "" {
			cur.OwnerID, cur.UpdatedAt = a.OwnerID, now
		}
		return cur, nil
	})
}
