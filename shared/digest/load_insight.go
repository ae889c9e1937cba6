package digest

import (
	"context"
	"sync"

	"github.com/dealflow/dealflow/shared/digest/metrics"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/store"
)

// dealActivityReaders bounds the parallel per-deal queries of loadDealActivities.
const dealActivityReaders = 8

// loadDealActivities reads the whole activity history of the deals closed in the reported
// periods (metrics.Input.DealActivities): competitor mentions and the activities that preceded
// a win or a loss may be older than the members' activity window. One key query per deal.
func (d *Service) loadDealActivities(ctx context.Context, closed []domain.Deal) ([]domain.Activity, error) {
	var (
		mu    sync.Mutex
		out   []domain.Activity
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, dealActivityReaders)
	seen := map[string]bool{}
	for _, dl := range closed {
		if seen[dl.ID] {
			continue
		}
		seen[dl.ID] = true
		wg.Add(1)
		sem <- struct{}{}
		go func(id string) {
			defer func() { <-sem; wg.Done() }()
			acts, err := store.AppendAll(nil, func(pg store.Page) ([]domain.Activity, string, error) {
				return d.Store.ListActivitiesByDeal(ctx, id, pg)
			})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			out = append(out, acts...)
		}(dl.ID)
	}
	wg.Wait()
	return out, first
}

// loadForecastCalls reads the team's calls for the forecast period (the quota period) and the
// one before it, whose accuracy the digest reports. Two key queries.
func (d *Service) loadForecastCalls(ctx context.Context, teamID string, q metrics.Period) ([]domain.ForecastCall, error) {
	var out []domain.ForecastCall
	for _, key := range []string{q.Key(), q.Previous().Key()} {
		calls, err := d.Store.ListForecastCalls(ctx, teamID, key)
		if err != nil {
			return nil, err
		}
		out = append(out, calls...)
	}
	return out, nil
}
