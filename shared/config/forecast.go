package config

import "fmt"

// forecastCategories checks each stage's forecast_category: one of the categories, and only on
// open stages (a won or lost deal is closed, not forecast).
func (v *validator) forecastCategories() {
	for i, p := range v.org.Pipelines {
		for j, s := range p.Stages {
			if s.ForecastCategory == "" {
				continue
			}
			path := fmt.Sprintf("pipelines[%d].stages[%d].forecast_category", i, j)
			switch {
			case !s.ForecastCategory.Valid():
				v.errorf(path, "unknown forecast category %q (want pipeline, best_case, commit or omitted)", s.ForecastCategory)
			case s.Won || s.Lost:
				v.errorf(path, "a won or lost stage is closed, not forecast; remove forecast_category")
			}
		}
	}
}
