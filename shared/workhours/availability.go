package workhours

import (
	"sync"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// Availability returns an availability check from each rep's working hours, time zone and
// holiday calendar (platform.Deps.Available). Calendars are built once per rep.
func Availability(org *domain.Org) func(rep *domain.Rep, t time.Time) bool {
	var cache sync.Map // rep id → *Calendar (nil when the rep's hours are unusable)
	return func(rep *domain.Rep, t time.Time) bool {
		v, ok := cache.Load(rep.ID)
		if !ok {
			cal, err := ForRep(org, *rep)
			if err != nil {
				cal = nil
			}
			v, _ = cache.LoadOrStore(rep.ID, cal)
		}
		cal := v.(*Calendar)
		if cal == nil {
			return true // config validation rejects bad hours; never block routing on them
		}
		return cal.IsWorking(t)
	}
}
