package render

import (
	"errors"

	"github.com/dealflow/dealflow/shared/digest/render/chartspec"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

// Chart sizes in pixels (chartspec.Width × chartspec.Height).
const (
	chartWidth  = chartspec.Width
	chartHeight = chartspec.Height
)

// Content ids of the inline images, referenced from the HTML as cid:<id>.
const (
	cidPipeline   = "pipeline@dealflow"
	cidFunnel     = "funnel@dealflow"
	cidAttainment = "attainment@dealflow"
)

// Drawer draws chart specs as PNG images (charts.Draw). It is passed in, not imported, so a
// binary that only plans or computes digests does not link the chart library and its fonts.
type Drawer func(loc string, charts []chartspec.Chart) ([]notify.Attachment, error)

// drawCharts renders the charts of v with draw.
func drawCharts(loc string, v *view, draw Drawer) ([]notify.Attachment, error) {
	specs := chartSpecs(loc, v)
	if len(specs) == 0 {
		return nil, nil
	}
	if draw == nil {
		return nil, errors.New("digest charts: no chart renderer given (render.Options.Charts; charts.Draw draws them)")
	}
	return draw(loc, specs)
}

// chartSpecs says what the pipeline, funnel and attainment charts show, in the manager's language.
func chartSpecs(loc string, v *view) []chartspec.Chart {
	var out []chartspec.Chart
	if len(v.r.PipelineByStage) > 0 {
		var labels []string
		amount, weighted := make([]float64, 0), make([]float64, 0)
		for _, s := range v.r.PipelineByStage {
			labels = append(labels, v.stageName(s.Stage))
			amount = append(amount, s.Amount.Major())
			weighted = append(weighted, s.Weighted.Major())
		}
		out = append(out, chartspec.Chart{ContentID: cidPipeline, Kind: chartspec.Bars, Labels: labels,
			SeriesNames: []string{i18n.T(loc, "digest.chart.pipeline"), i18n.T(loc, "digest.chart.weighted")},
			Series:      [][]float64{amount, weighted}})
	}
	if len(v.r.Funnel) > 0 && v.r.Funnel[0].Reached > 0 {
		var names []string
		var reached []float64
		for _, s := range v.r.Funnel {
			names = append(names, v.stageName(s.Stage))
			reached = append(reached, float64(s.Reached))
		}
		out = append(out, chartspec.Chart{ContentID: cidFunnel, Kind: chartspec.Funnel, SeriesNames: names, Series: [][]float64{reached}})
	}
	var names []string
	var pct []float64
	for _, a := range v.r.Quota.Reps {
		if a.HasQuota && a.Attainment.OK {
			names = append(names, v.repName(a.RepID))
			pct = append(pct, a.Attainment.V*100)
		}
	}
	if len(names) > 0 {
		out = append(out, chartspec.Chart{ContentID: cidAttainment, Kind: chartspec.Attainment, Labels: names,
			SeriesNames: []string{i18n.T(loc, "digest.chart.attainment")}, Series: [][]float64{pct}})
	}
	return out
}
