// Package charts draws a digest's charts (shared/digest/chartspec) as PNG images with
// github.com/go-analyze/charts and its embedded font (no system fonts). Only the binaries that
// send or preview digests import it and pass charts.Draw as render.Options.Charts: the library and its
// font are ~5 MB that no other Lambda bootstrap should carry.
package charts

import (
	"fmt"
	"sync"

	"github.com/go-analyze/charts"

	"github.com/dealflow/dealflow/shared/digest/render/chartspec"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

// Draw renders the charts as PNG in the order given, one attachment per chart with its content id.
func Draw(loc string, specs []chartspec.Chart) ([]notify.Attachment, error) {
	type job struct {
		cid  string
		draw func(p *charts.Painter) error
	}
	var jobs []job
	short := func(f float64) string { return shortNumber(loc, f) }
	for _, c := range specs {
		c := c
		var draw func(p *charts.Painter) error
		switch c.Kind {
		case chartspec.Bars:
			draw = func(p *charts.Painter) error {
				opt := charts.NewBarChartOptionWithData(c.Series)
				opt.CategoryAxis.Labels = c.Labels
				opt.Legend.SeriesNames = c.SeriesNames
				opt.ValueFormatter = short
				opt.Padding = charts.Box{Top: 10, Right: 20, Bottom: 10, Left: 10}
				return p.BarChart(opt)
			}
		case chartspec.Funnel:
			draw = func(p *charts.Painter) error {
				opt := charts.NewFunnelChartOptionWithData(c.Series[0])
				opt.Legend.SeriesNames = c.SeriesNames
				opt.Padding = charts.Box{Top: 10, Right: 10, Bottom: 10, Left: 10}
				return p.FunnelChart(opt)
			}
		case chartspec.Attainment:
			draw = func(p *charts.Painter) error {
				pct := c.Series[0]
				opt := charts.NewBarChartOptionWithData([][]float64{pct})
				opt.Horizontal = true
				top := 100.0 // attainment reads against a full quota, even early in the quarter
				for _, v := range pct {
					top = max(top, v*1.1)
				}
				opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(top), Unit: 20}}
				opt.CategoryAxis.Labels = c.Labels
				opt.Legend.SeriesNames = c.SeriesNames
				opt.ValueFormatter = func(f float64) string { return fmt.Sprintf("%.0f%%", f) }
				opt.SeriesList[0].Label.Show = charts.Ptr(true)
				opt.SeriesList[0].Label.ValueFormatter = opt.ValueFormatter
				opt.Padding = charts.Box{Top: 10, Right: 40, Bottom: 10, Left: 10}
				return p.BarChart(opt)
			}
		default:
			return nil, fmt.Errorf("draw chart %s: unknown kind %d", c.ContentID, c.Kind)
		}
		jobs = append(jobs, job{c.ContentID, draw})
	}
	// Each chart is drawn and PNG-encoded on its own goroutine: the encoding dominates.
	out := make([]notify.Attachment, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputPNG, Width: chartspec.Width, Height: chartspec.Height})
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
		s := i18n.Decimal(loc, f/1e6, 1)
		if de {
			return s + " Mio."
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
