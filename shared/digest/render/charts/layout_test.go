package charts

import (
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-analyze/charts"

	"github.com/dealflow/dealflow/shared/digest/render/chartspec"
)

// svgText is one text the chart library drew, with its box measured by the library's own font
// metrics (SVG px are 4/3 of the font's points).
type svgText struct {
	text       string
	x0, y0, x1 int
	y1         int
}

var textRE = regexp.MustCompile(`<text x="(-?\d+)" y="(-?\d+)"[^>]*font-size:([\d.]+)px[^>]*>([^<]*)</text>`)

func drawnTexts(t *testing.T, loc string, c chartspec.Chart) []svgText {
	t.Helper()
	b, err := render(loc, c, charts.ChartOutputSVG)
	if err != nil {
		t.Fatal(err)
	}
	m := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartspec.Width, Height: chartspec.Height})
	var out []svgText
	for _, g := range textRE.FindAllStringSubmatch(string(b), -1) {
		x, _ := strconv.Atoi(g[1])
		y, _ := strconv.Atoi(g[2])
		px, _ := strconv.ParseFloat(g[3], 64)
		text := html.UnescapeString(g[4])
		box := m.MeasureText(text, 0, charts.FontStyle{FontSize: px * 0.75, FontColor: charts.ColorBlack})
		out = append(out, svgText{text: text, x0: x, y0: y - box.Height(), x1: x + box.Width(), y1: y})
	}
	return out
}

// The charts at the size the email shows them, with the stage and rep names of real pipelines, in
// both languages: every label is drawn (none dropped), inside the image, and no two overlap.
func TestChartLabelsAreAllDrawnAndDoNotOverlap(t *testing.T) {
	stages := []string{"Discovery", "Qualification", "Demo", "Proposal", "Negotiation", "Closed won"}
	specs := []chartspec.Chart{
		{ContentID: "pipeline", Kind: chartspec.Bars, Labels: stages[:5], SeriesNames: []string{"Pipeline", "Weighted"},
			Series: [][]float64{{1000, 48200.5, 7200, 120000, 1500000}, {100, 9640, 2880, 72000, 1200000}}},
		{ContentID: "funnel", Kind: chartspec.Funnel, SeriesNames: stages, Series: [][]float64{{1000, 891.8, 640, 312, 120, 47}}},
		{ContentID: "attainment", Kind: chartspec.Attainment, Labels: []string{"Anna Schmidt-Bergmann", "Bob Late", "Sam Sørensen", "Lena West"},
			SeriesNames: []string{"Quota attainment"}, Series: [][]float64{{16.1, 134.2, 0, 89.18}}},
	}
	for _, loc := range []string{"en-US", "de-DE"} {
		for _, c := range specs {
			t.Run(loc+"/"+c.ContentID, func(t *testing.T) {
				texts := drawnTexts(t, loc, c)
				want := c.Labels
				if c.Kind == chartspec.Funnel {
					want = c.SeriesNames
				}
				for _, label := range want {
					found := false
					for _, tx := range texts {
						found = found || tx.text == label || strings.HasPrefix(tx.text, label+": ")
					}
					if !found {
						t.Errorf("label %q is not drawn; texts: %v", label, texts)
					}
				}
				for i, a := range texts {
					if a.x0 < 0 || a.x1 > chartspec.Width || a.y0 < 0 || a.y1 > chartspec.Height {
						t.Errorf("%q is cut off at the edge: %+v", a.text, a)
					}
					for _, b := range texts[i+1:] {
						if a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 {
							t.Errorf("%q and %q overlap: %+v %+v", a.text, b.text, a, b)
						}
					}
					if loc == "de-DE" && regexp.MustCompile(`\d\.\d{1,2}\b|\d\.\d{1,2}\s?%`).MatchString(a.text) {
						t.Errorf("English decimal in a German chart: %q", a.text)
					}
				}
			})
		}
	}
}

// German charts write numbers the German way, in labels and on axes.
func TestChartNumbersFollowTheLocale(t *testing.T) {
	funnel := chartspec.Chart{ContentID: "funnel", Kind: chartspec.Funnel, SeriesNames: []string{"Qualifizierung", "Angebot"}, Series: [][]float64{{1000, 891.8}}}
	var got []string
	for _, tx := range drawnTexts(t, "de-DE", funnel) {
		got = append(got, tx.text)
	}
	if want := "Angebot: 892 (89\u00a0%)"; !strings.Contains(strings.Join(got, "|"), want) {
		t.Errorf("funnel texts %q, want %q", got, want)
	}
	if got, want := shortNumber("de-DE", 1_500_000), "1,5 Mio."; got != want {
		t.Errorf("shortNumber = %q, want %q", got, want)
	}
	if got, want := shortNumber("de-DE", 123_456), "123 Tsd."; got != want {
		t.Errorf("shortNumber = %q, want %q", got, want)
	}
}
