// Package charts draws a digest's charts (shared/digest/chartspec) as PNG images with
// github.com/go-analyze/charts and its embedded font (no system fonts). Only the binaries that
// send or preview digests import it and pass charts.Draw as render.Options.Charts: the library and its
// font are ~5 MB that no other Lambda bootstrap should carry.
package charts

import (
	"fmt"
	"math"
	"sync"

	"github.com/go-analyze/charts"

	"github.com/dealflow/dealflow/shared/digest/render/chartspec"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

// Draw renders the charts as PNG in the order given, one attachment per chart with its content id.
func Draw(loc string, specs []chartspec.Chart) ([]notify.Attachment, error) {
	for _, c := range specs {
		if c.Kind != chartspec.Bars && c.Kind != chartspec.Funnel && c.Kind != chartspec.Attainment {
			return nil, fmt.Errorf("draw chart %s: unknown kind %d", c.ContentID, c.Kind)
		}
	}
	// Each chart is drawn and PNG-encoded on its own goroutine: the encoding dominates.
	out := make([]notify.Attachment, len(specs))
	errs := make([]error, len(specs))
	var wg sync.WaitGroup
	for i, c := range specs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := render(loc, c, charts.ChartOutputPNG)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = notify.Attachment{ContentID: c.ContentID, ContentType: "image/png", Data: b}
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

// render draws one chart in the given output format (PNG for emails, SVG for the layout tests).
func render(loc string, c chartspec.Chart, format string) ([]byte, error) {
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: format, Width: chartspec.Width, Height: chartspec.Height})
	var err error
	switch c.Kind {
	case chartspec.Bars:
		err = p.BarChart(barsOption(loc, c))
	case chartspec.Funnel:
		err = p.FunnelChart(funnelOption(loc, c))
	case chartspec.Attainment:
		err = p.BarChart(attainmentOption(loc, c))
	default:
		err = fmt.Errorf("unknown kind %d", c.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("draw chart %s: %w", c.ContentID, err)
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encode chart %s: %w", c.ContentID, err)
	}
	return b, nil
}

// reversed returns s back to front: horizontal bar charts draw the first category at the bottom,
// and a pipeline reads from its first stage down.
func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// barsOption: amounts per stage as horizontal bars, so every stage name gets a row of its own
// (vertical bars drop or overlap long names such as "Qualification" at 560 px), with every
// category label forced and axis values in the locale's short form.
func barsOption(loc string, c chartspec.Chart) charts.BarChartOption {
	series := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		series[i] = reversed(s)
	}
	opt := charts.NewBarChartOptionWithData(series)
	opt.Horizontal = true
	opt.CategoryAxis.Labels = reversed(c.Labels)
	opt.CategoryAxis.LabelCount = len(c.Labels)
	opt.Legend.SeriesNames = c.SeriesNames
	opt.ValueFormatter = func(f float64) string { return shortNumber(loc, f) }
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), LabelCount: 4, ValueFormatter: opt.ValueFormatter, LabelFontStyle: axisFont}}
	opt.Padding = charts.Box{Top: 10, Right: 30, Bottom: 10, Left: 10}
	return opt
}

// funnelOption: one band per stage labelled "Stage: count (share of the first stage)" in the
// locale's numbers; no legend, the bands carry the names.
func funnelOption(loc string, c chartspec.Chart) charts.FunnelChartOption {
	values := c.Series[0]
	opt := charts.NewFunnelChartOptionWithData(values)
	opt.Legend.Show = charts.Ptr(false)
	opt.Padding = charts.Box{Top: 10, Right: 10, Bottom: 10, Left: 10}
	first := 0.0
	if len(values) > 0 {
		first = values[0]
	}
	names := c.SeriesNames
	for i := range opt.SeriesList {
		opt.SeriesList[i].Label.LabelFormatter = func(index int, _ string, v float64) (string, *charts.LabelStyle) {
			name := ""
			if index < len(names) {
				name = names[index]
			}
			text := name + ": " + i18n.Number(loc, int64(math.Round(v)))
			if first > 0 {
				text += " (" + percent(loc, v/first*100, 0) + ")"
			}
			return text, nil
		}
	}
	return opt
}

// attainmentOption: each rep's attainment as a horizontal bar against a full (100 %) quota.
func attainmentOption(loc string, c chartspec.Chart) charts.BarChartOption {
	pct := reversed(c.Series[0])
	opt := charts.NewBarChartOptionWithData([][]float64{pct})
	opt.Horizontal = true
	top := 100.0 // attainment reads against a full quota, even early in the quarter
	for _, v := range pct {
		top = max(top, math.Ceil(v*1.1/50)*50)
	}
	// Round steps (25 % up to 100 %, then 50 %) keep the axis labels apart.
	step := 25.0
	if top > 100 {
		step = 50
	}
	format := func(f float64) string { return percent(loc, f, 0) }
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), Max: charts.Ptr(top), LabelCount: int(top/step) + 1,
		ValueFormatter: format, LabelFontStyle: axisFont}}
	opt.CategoryAxis.Labels = reversed(c.Labels)
	opt.CategoryAxis.LabelCount = len(c.Labels)
	opt.Legend.SeriesNames = c.SeriesNames
	opt.ValueFormatter = format
	opt.SeriesList[0].Label.Show = charts.Ptr(true)
	opt.SeriesList[0].Label.ValueFormatter = format
	opt.Padding = charts.Box{Top: 10, Right: 50, Bottom: 10, Left: 10}
	return opt
}

// axisFont is the value axes' labels: smaller than the category names they serve.
var axisFont = charts.FontStyle{FontSize: 9}

// percent writes a percentage in the locale: 89% and 89 % (German puts a space before the sign).
func percent(loc string, f float64, places int) string {
	s := i18n.Decimal(loc, f, places)
	if i18n.Normalize(loc) == i18n.German {
		return s + "\u00a0%"
	}
	return s + "%"
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
			return i18n.Number(loc, int64(math.Round(f/1e3))) + " Tsd."
		}
		return i18n.Number(loc, int64(math.Round(f/1e3))) + "k"
	}
	return i18n.Number(loc, int64(math.Round(f)))
}
