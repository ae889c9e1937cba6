package render

import "github.com/dealflow/dealflow/shared/digest/render/charts"

// The tests render digests with charts, as functions/digest-charts and the local runtime do.
func init() { DrawCharts = charts.Draw }
