package digest

import (
	"fmt"
	"sync"

	"github.com/go-analyze/charts"

	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

// Chart sizes in pixels; the email shows them at this size (600 px is the email body width).
const (
	chartWidth  = 560
	chartHeight = 260
)

// Content ids of the inline images, referenced from the HTML as cid:<id>.
const (
	cidPipeline   = "pipeline@dealflow"
	cidFunnel     = "funnel@dealflow"
	cidAttainment = "attainment@dealflow"
)

// drawCharts renders the three charts as PNG with the library's embedded font (no system fonts).
func drawCharts(loc string, v *view) ([]notify.Attachment, error) {
	type job struct {
		cid  string
		draw func(p *charts.Painter) error
	}
	var jobs []job
	add := func(cid string, draw func(p *charts.Painter) error) error {
		jobs = append(jobs, job{cid, draw})
		return nil
	}
	short := func(f float64) string { return shortNumber(loc, f) }
	if len(v.r.PipelineByStage) > 0 {
		var labels []string
		amount, weighted := make([]float64, 0), make([]float64, 0)
		for _, s := range v.r.PipelineByStage {
			labels = append(labels, v.stageName(s.Stage))
			amount = append(amount, s.Amount.Major())
			weighted = append(weighted, s.Weighted.Major())
		}
		err := add(cidPipeline, func(p *charts.Painter) error {
			opt := charts.NewBarChartOptionWithData([][]float64{amount, weighted})
			opt.CategoryAxis.Labels = labels
			opt.Legend.SeriesNames = []string{i18n.T(loc, "digest.chart.pipeline"), i18n.T(loc, "digest.chart.weighted")}
			opt.ValueFormatter = short
			opt.Padding = charts.Box{Top: 10, Right: 20, Bottom: 10, Left: 10}
			return p.BarChart(opt)
		})
		if err != nil {
			return nil, err
		}
	}
	if len(v.r.Funnel) > 0 && v.r.Funnel[0].Reached > 0 {
		var names []string
		var reached []float64
		for _, s := range v.r.Funnel {
			names = append(names, v.stageName(s.Stage))
			reached = append(reached, float64(s.Reached))
		}
		err := add(cidFunnel, func(p *charts.Painter) error {
			opt := charts.NewFunnelChartOptionWithData(reached)
			opt.Legend.SeriesNames = names
			opt.Padding = charts.Box{Top: 10, Right: 10, Bottom: 10, Left: 10}
			return p.FunnelChart(opt)
		})
		if err != nil {
			return nil, err
		}
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
		err := add(cidAttainment, func(p *charts.Painter) error {
			opt := charts.NewBarChartOptionWithData([][]float64{pct})
			opt.Horizontal = true
			top := 100.0 // attainment reads against a full quota, even early in the quarter
			for _, v := range pct {
				top = max(top, v*1.1)
			}
			opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(top), Unit: 20}}
			opt.CategoryAxis.Labels = names
			opt.Legend.SeriesNames = []string{i18n.T(loc, "digest.chart.attainment")}
			opt.ValueFormatter = func(f float64) string { return fmt.Sprintf("%.0f%%", f) }
			opt.SeriesList[0].Label.Show = charts.Ptr(true)
			opt.SeriesList[0].Label.ValueFormatter = opt.ValueFormatter
			opt.Padding = charts.Box{Top: 10, Right: 40, Bottom: 10, Left: 10}
			return p.BarChart(opt)
		})
		if err != nil {
			return nil, err
		}
	}
	// Each chart is drawn and PNG-encoded on its own goroutine: the encoding dominates.
	out := make([]notify.Attachment, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: chartWidth, Height: chartHeight})
			if err := j.draw(p); err != nil {
				errs[i] = fmt.Errorf("draw chart %s: %w", j.cid, err)
				return
			}
			b, err := p.Bytes()
			if err != nil {
				errs[i] = fmt.Errorf("encode chart %s: %w", j.cid, err)
				return
			}
			out[i] = notify.Attachment{ContentID: j.cid, ContentType: "image/png", Data: b}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// shortNumber writes an axis value compactly: 12k, 1.5M (1,5 Mio. in German).
func shortNumber(loc string, f float64) string {
	de := i18n.Normalize(loc) == i18n.German
	switch {
	case f >= 1e6 || f <= -1e6:
		s := fmt.Sprintf("%.1f", f/1e6)
		if de {
			return replaceDot(s) + " Mio."
		}
		return s + "M"
	case f >= 1e3 || f <= -1e3:
		if de {
			return fmt.Sprintf("%.0f Tsd.", f/1e3)
		}
		return fmt.Sprintf("%.0fk", f/1e3)
	}
	return fmt.Sprintf("%.0f", f)
}

func replaceDot(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == '.' {
			b[i] = ','
		}
	}
	return string(b)
}
