package deal

import (
	"fmt"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

// ForecastCategory is the forecast category of an open deal: its owner's or manager's override,
// else its stage's default (pipelines[].stages[].forecast_category, default pipeline).
func ForecastCategory(org *domain.Org, d domain.Deal) domain.ForecastCategory {
	if d.ForecastCategory != "" {
		return d.ForecastCategory
	}
	if p, ok := org.Pipeline(d.Pipeline); ok {
		if s, ok := p.Stage(d.Stage); ok {
			return s.StageForecast()
		}
	}
	return domain.ForecastPipeline
}

// applyForecast applies a forecast override (PATCH forecastCategory, forecastNote, forecastBy):
// only on an open deal, only by its owner or the owner's manager, always with a note; every
// override is kept in the deal's forecast history. An empty category returns the deal to its
// stage's default.
func applyForecast(org *domain.Org, d *domain.Deal, p DealPatch, at time.Time, fail func(field, reason string)) {
	if p.ForecastCategory == nil {
		if p.ForecastNote != nil || p.ForecastBy != nil {
			fail("forecastCategory", "forecastNote and forecastBy go with a forecastCategory")
		}
		return
	}
	cat := domain.ForecastCategory(*p.ForecastCategory)
	if cat != "" && !cat.Valid() {
		fail("forecastCategory", fmt.Sprintf("unknown forecast category %q (want pipeline, best_case, commit or omitted, or \"\" for the stage's default)", cat))
		return
	}
	if !d.IsOpen() {
		fail("forecastCategory", "a won or lost deal is closed, not forecast")
		return
	}
	note := ""
	if p.ForecastNote != nil {
		note = strings.TrimSpace(*p.ForecastNote)
	}
	if note == "" {
		fail("forecastNote", "say why the forecast category changes (forecastNote)")
	}
	by := ""
	if p.ForecastBy != nil {
		by = *p.ForecastBy
	}
	mgr, hasMgr := org.ManagerOf(d.OwnerID)
	switch {
	case by == "":
		fail("forecastBy", "name who overrides the forecast category: the deal's owner or their manager")
		return
	case by != d.OwnerID && (!hasMgr || mgr.ID != by):
		fail("forecastBy", fmt.Sprintf("%q is neither the deal's owner nor their manager", by))
		return
	}
	if note == "" {
		return
	}
	d.ForecastCategory = cat
	d.ForecastHistory = append(append([]domain.ForecastChange(nil), d.ForecastHistory...), domain.ForecastChange{Category: cat, Note: note, By: by, At: at})
}
