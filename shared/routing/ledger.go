package routing

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Ledger holds the pool counters of a single process that does all the routing against its store
// (the local runtime). A pick is made under its pool's lock against counts kept in memory —
// loaded from the store once per key, and including charges still being written — and charged
// there at once; the store write happens after the lock is released, so the leads of one pool do
// not queue behind each other's commits. Shares and caps stay exact because every charge is in the
// ledger before the next pick. A failed write is taken back out of the ledger. Only for a store no
// other process routes against: across Lambdas the Router's stale check keeps shares exact.
type Ledger struct {
	locks PoolLocks
	mu    sync.Mutex
	n     map[string]int64 // counter key → value, for keys read at least once
}

// counts returns the ledger's values of keys, reading those it has not seen from the store.
func (l *Ledger) counts(ctx context.Context, c Counters, keys []string) (map[string]int64, error) {
	l.mu.Lock()
	var missing []string
	out := make(map[string]int64, len(keys))
	for _, k := range keys {
		if v, ok := l.n[k]; ok {
			out[k] = v
		} else {
			missing = append(missing, k)
		}
	}
	l.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	read, err := c.GetCounters(ctx, missing...)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int64{}
	}
	for _, k := range missing {
		if _, ok := l.n[k]; !ok { // a charge may have loaded it meanwhile (another pool's lock)
			l.n[k] = read[k]
		}
		out[k] = l.n[k]
	}
	return out, nil
}

// add changes the ledger's loaded keys by d and returns their new values.
func (l *Ledger) add(keys []string, d int64) []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int64, len(keys))
	for i, k := range keys {
		if v, ok := l.n[k]; ok {
			l.n[k] = v + d
			out[i] = v + d
		}
	}
	return out
}

// fromLedger is fromPool with a Ledger: pick and charge in memory under the pool's lock, then
// write the charge.
func (r *Router) fromLedger(ctx context.Context, pool *domain.Pool, now time.Time, exclude []string) (Decision, string, error) {
	local := now.In(r.orgLocation())
	unlock := r.Ledger.locks.Lock(pool.ID)
	counts, err := r.Ledger.counts(ctx, r.Counters, poolKeys(pool, local))
	if err != nil {
		unlock()
		return Decision{}, "", err
	}
	cands, skipped := r.candidates(pool, now, local, exclude, counts)
	if len(cands) == 0 {
		unlock()
		if len(skipped) == 0 {
			skipped = append(skipped, "no member available")
		}
		return Decision{}, strings.Join(skipped, "; "), nil
	}
	c := cands[0] // counts are exact here, so the best candidate is within its caps
	dk, mk := dayKey(pool.ID, c.rep.ID, local), monthKey(pool.ID, c.rep.ID, local)
	vals := r.Ledger.add([]string{dk, mk}, 1)
	unlock()
	if _, err := r.Counters.IncrementCounters(ctx, []string{dk, mk}, 1); err != nil {
		r.Ledger.add([]string{dk, mk}, -1)
		return Decision{}, "", err
	}
	d, text := assigned(pool, c, vals[0], dk, mk, skipped)
	return d, text, nil
}
