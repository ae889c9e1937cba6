package domain

import "time"

// ForecastCategory is where an open deal stands in the forecast, as in HubSpot and Salesforce:
// pipeline (may close), best case (could close this period), commit (will close), omitted (left
// out of the forecast).
type ForecastCategory string

const (
	ForecastPipeline ForecastCategory = "pipeline"
	ForecastBestCase ForecastCategory = "best_case"
	ForecastCommit   ForecastCategory = "commit"
	ForecastOmitted  ForecastCategory = "omitted"
)

// ForecastCategories lists every category.
var ForecastCategories = []ForecastCategory{ForecastPipeline, ForecastBestCase, ForecastCommit, ForecastOmitted}

// Valid reports whether c is one of the categories.
func (c ForecastCategory) Valid() bool {
	for _, x := range ForecastCategories {
		if c == x {
			return true
		}
	}
	return false
}

// ForecastChange is one override of a deal's forecast category, kept on the deal. Category ""
// returns the deal to its stage's default.
type ForecastChange struct {
	Category ForecastCategory `json:"category"`
	Note     string           `json:"note"`
	By       string           `json:"by"` // the owner or their manager
	At       time.Time        `json:"at"`
}

// ForecastCall is what a manager calls for their team's period: the amount they commit to.
type ForecastCall struct {
	TeamID    string `json:"teamId"`
	PeriodKey string `json:"periodKey"` // the forecast period, e.g. "2026-Q4" or "2026-11"
	ManagerID string `json:"managerId"`
	Amount    Money  `json:"amount"`
	Note      string `json:"note,omitempty"`
	// SubmittedAt is when the call was made; a later call replaces it.
	SubmittedAt time.Time `json:"submittedAt"`
	Version     int64     `json:"version"`
}

// StageForecast is the default forecast category of a deal in the stage: the stage's
// forecast_category, else pipeline.
func (s Stage) StageForecast() ForecastCategory {
	if s.ForecastCategory != "" {
		return s.ForecastCategory
	}
	return ForecastPipeline
}
