package handlers

import (
	"github.com/dealflow/dealflow/shared/digest"
	"github.com/dealflow/dealflow/shared/digest/charts"
)

// The tests send and preview digests with charts, as functions/digest-charts and the local runtime do.
func init() { digest.DrawCharts = charts.Draw }
