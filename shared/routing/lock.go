package routing

import "sync"

// PoolLocks hands out one mutex per pool, for the Ledger's picks in a single process.
type PoolLocks struct{ m sync.Map }

// Lock locks the pool's mutex and returns its unlock.
func (l *PoolLocks) Lock(pool string) func() {
	v, _ := l.m.LoadOrStore(pool, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
