package expr

import (
	"sync"
	"sync/atomic"
)

// maxCacheEntries caps each parse cache.
const maxCacheEntries = 10000

// boundedCache is a concurrent map that stops growing at maxCacheEntries.
type boundedCache struct {
	m sync.Map
	n atomic.Int64
}

func (c *boundedCache) load(k string) (any, bool) { return c.m.Load(k) }

func (c *boundedCache) store(k string, v any) {
	if c.n.Load() >= maxCacheEntries {
		return
	}
	if _, loaded := c.m.LoadOrStore(k, v); !loaded {
		c.n.Add(1)
	}
}
