package deal

import (
	"context"
	"errors"
	"fmt"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// errAlreadyMigrated ends an update that finds the deal already has a currency (written by a
// concurrent run or by the AE in between), so a second run changes nothing.
var errAlreadyMigrated = errors.New("deal already has a currency")

// MigrateDealCurrencies gives every stored deal without a currency the org currency: deals that
// accepted handoffs created before every deal had one, which the digests could not count. It
// reads each rep's deals through the owner index (a Query per rep on DynamoDB, never a Scan), so
// deals of owners no longer in the org file stay as they are (the digests treat a missing
// currency as the org's). It is idempotent: a deal that has a currency is never written, and no
// event is emitted, since the amount did not change. It returns how many deals it changed.
func (d *Service) MigrateDealCurrencies(ctx context.Context) (int, error) {
	cur := d.Org.Settings.Currency
	if cur == "" {
		return 0, nil
	}
	changed := 0
	for _, rep := range d.Org.Reps {
		page := store.Page{Limit: store.MaxPageSize}
		for {
			deals, next, err := d.Store.ListDealsByOwner(ctx, rep.ID, "", page)
			if err != nil {
				return changed, fmt.Errorf("migrate deal currencies: list deals of %s: %w", rep.ID, err)
			}
			for _, dl := range deals {
				if dl.Amount.Currency != "" {
					continue
				}
				_, err := d.Store.UpdateDeal(ctx, dl.ID, func(x domain.Deal) (domain.Deal, error) {
					if x.Amount.Currency != "" {
						return x, errAlreadyMigrated
					}
					x.Amount.Currency = cur
					return x, nil
				})
				switch {
				case err == nil:
					changed++
				case errors.Is(err, errAlreadyMigrated):
				default:
					return changed, fmt.Errorf("migrate deal currencies: deal %s: %w", dl.ID, err)
				}
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	if changed > 0 {
		d.Log.Info("deals given the org currency", "count", changed, "currency", cur)
	}
	return changed, nil
}
