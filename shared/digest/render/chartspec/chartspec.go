// Package chartspec describes a digest's charts as plain data: what shared/digest computes and
// shared/digest/charts draws. It is its own tiny package so that shared/digest (linked by every
// binary that links shared/handlers) does not import the chart library (~5 MB with its fonts).
package chartspec

// Chart sizes in pixels; the email shows them at this size (600 px is the email body width).
const (
	Width  = 560
	Height = 260
)

// Kind is how a chart is drawn.
type Kind int

const (
	// Bars is a vertical bar chart of amounts, one bar per series and label (compact axis values).
	Bars Kind = iota
	// Funnel is a funnel of counts, one step per series name.
	Funnel
	// Attainment is a horizontal bar chart of percentages against a full (100 %) quota.
	Attainment
)

// Chart is one inline image of the digest.
type Chart struct {
	ContentID   string // cid the HTML references
	Kind        Kind
	Labels      []string    // category labels (Bars, Attainment)
	SeriesNames []string    // legend
	Series      [][]float64 // one slice per series (Funnel: one slice, one value per step)
}
