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

// DrawCharts draws the charts as PNG images (shared/digest/charts.Draw). The binaries that render
// digests with charts set it: functions/digest-charts and the local runtime (like
// qualify.PhoneNormalizer), because the chart library and its fonts are ~5 MB that every other
// Lambda bootstrap would link too (infra/README.md "One bootstrap per function").
var DrawCharts func(loc string, charts []chartspec.Chart) ([]notify.Attachment, error)

// drawCharts renders the charts of v with DrawCharts.
func drawCharts(loc string, v *view) ([]notify.Attachment, error) {
	specs := chartSpecs(loc, v)
	if len(specs) == 0 {
		return nil, nil
	}
	if DrawCharts == nil {
		return nil, errors.New("digest charts: no chart renderer in this binary (set digest.DrawCharts = charts.Draw from shared/digest/charts)")
	}
	return DrawCharts(loc, specs)
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
