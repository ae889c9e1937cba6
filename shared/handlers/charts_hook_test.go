package handlers

import (
	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
)

// The tests send and preview digests with charts, as functions/digest-charts and the local runtime do.
func init() { render.DrawCharts = charts.Draw }
