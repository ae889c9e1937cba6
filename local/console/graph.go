package console

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/local/sfn"
)

// Outcomes a state can have in one execution; they are the CSS classes that colour the graph.
const (
	OutcomeSucceeded = "succeeded" // entered and left normally
	OutcomeRecovered = "recovered" // failed at least once, then a Retry or Catch moved on
	OutcomeFailed    = "failed"    // the execution failed here
	OutcomeRunning   = "running"   // entered, not left: working or waiting
	OutcomeNotRun    = "not-run"
)

// StateRun is what one state did in one execution: how it ended and its last input/output.
type StateRun struct {
	Name    string
	Outcome string
	Entered int // times entered (loops, retries of the whole state)
	Input   string
	Output  string
	Error   string
}

// stateRuns reads the outcome of every state from an execution history. status is the
// execution's status (a state still open when the execution failed is where it failed).
func stateRuns(history []sfn.HistoryEvent, status string) (map[string]*StateRun, []string) {
	runs := map[string]*StateRun{}
	var order []string
	failedIn := map[string]bool{}
	var open []string // states entered and not exited, innermost last
	get := func(name string) *StateRun {
		r := runs[name]
		if r == nil {
			r = &StateRun{Name: name}
			runs[name] = r
			order = append(order, name)
		}
		return r
	}
	for _, h := range history {
		d := h.Details
		name, _ := d["name"].(string)
		switch {
		case strings.HasSuffix(h.Type, "StateEntered"):
			r := get(name)
			r.Entered++
			r.Outcome = OutcomeRunning
			r.Input = docText(d["input"])
			open = append(open, name)
		case strings.HasSuffix(h.Type, "StateExited"):
			r := get(name)
			r.Output = docText(d["output"])
			r.Outcome = OutcomeSucceeded
			if failedIn[name] {
				r.Outcome = OutcomeRecovered
			}
			for i := len(open) - 1; i >= 0; i-- {
				if open[i] == name {
					open = append(open[:i], open[i+1:]...)
					break
				}
			}
		case strings.HasSuffix(h.Type, "Failed") || strings.HasSuffix(h.Type, "TimedOut"):
			if len(open) > 0 {
				cur := open[len(open)-1]
				failedIn[cur] = true
				errName, _ := d["error"].(string)
				cause, _ := d["cause"].(string)
				runs[cur].Error = strings.TrimSpace(errName + ": " + cause)
			}
		}
	}
	if status != sfn.StatusRunning {
		for _, name := range open {
			if status != sfn.StatusSucceeded {
				runs[name].Outcome = OutcomeFailed
			}
		}
	}
	return runs, order
}

// docText renders a history document field (JSON text) indented for reading.
func docText(v any) string {
	s, ok := v.(string)
	if !ok {
		if v == nil {
			return ""
		}
		b, _ := json.Marshal(v)
		s = string(b)
	}
	var x any
	if json.Unmarshal([]byte(s), &x) != nil {
		return s
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return s
	}
	return string(b)
}

// Graph is a state machine laid out for SVG: states in rows by distance from StartAt.
type Graph struct {
	Width, Height int
	Nodes         []Node
	Edges         []Edge
}

// Node is one state box.
type Node struct {
	Name, Type, Outcome string
	X, Y, W, H, CX      int // CX: horizontal centre, for the labels
	Start, End          bool
}

// Edge is one transition arrow; D is an SVG path made of numbers only.
type Edge struct {
	D     string
	Kind  string // next, choice, default, catch
	Taken bool
}

const (
	nodeW, nodeH = 190, 46
	gapX, gapY   = 36, 54
	margin       = 24
)

// transitions lists a state's outgoing edges in a stable order.
func transitions(s *sfn.State) [][2]string {
	var out [][2]string
	add := func(to, kind string) {
		if to != "" {
			out = append(out, [2]string{to, kind})
		}
	}
	add(s.Next, "next")
	for _, c := range s.Choices {
		add(c.Next, "choice")
	}
	add(s.Default, "default")
	for _, c := range s.Catch {
		add(c.Next, "catch")
	}
	return out
}

// layout places the states of def in rows (breadth-first from StartAt, so the happy path reads
// top to bottom) and colours them by runs; runs may be nil for the bare definition.
func layout(def *sfn.Definition, runs map[string]*StateRun) Graph {
	level := map[string]int{def.StartAt: 0}
	rows := [][]string{{def.StartAt}}
	queue := []string{def.StartAt}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		st := def.States[name]
		if st == nil {
			continue
		}
		for _, t := range transitions(st) {
			if _, seen := level[t[0]]; seen || def.States[t[0]] == nil {
				continue
			}
			l := level[name] + 1
			level[t[0]] = l
			for len(rows) <= l {
				rows = append(rows, nil)
			}
			rows[l] = append(rows[l], t[0])
			queue = append(queue, t[0])
		}
	}
	// States nothing reaches still get drawn (a definition may hold them), in a last row.
	var orphans []string
	for name := range def.States {
		if _, ok := level[name]; !ok {
			orphans = append(orphans, name)
		}
	}
	sort.Strings(orphans)
	if len(orphans) > 0 {
		for _, o := range orphans {
			level[o] = len(rows)
		}
		rows = append(rows, orphans)
	}
	widest := 0
	for _, r := range rows {
		widest = max(widest, len(r))
	}
	g := Graph{Width: 2*margin + widest*nodeW + (widest-1)*gapX, Height: 2*margin + len(rows)*nodeH + (len(rows)-1)*gapY}
	pos := map[string]*Node{}
	for l, r := range rows {
		rowW := len(r)*nodeW + (len(r)-1)*gapX
		x0 := (g.Width - rowW) / 2
		for i, name := range r {
			st := def.States[name]
			n := Node{Name: name, X: x0 + i*(nodeW+gapX), Y: margin + l*(nodeH+gapY), W: nodeW, H: nodeH, CX: x0 + i*(nodeW+gapX) + nodeW/2,
				Outcome: OutcomeNotRun, Start: name == def.StartAt}
			if st != nil {
				n.Type = st.Type
				n.End = st.End || st.Type == "Succeed" || st.Type == "Fail"
			}
			if r := runs[name]; r != nil {
				n.Outcome = r.Outcome
			}
			g.Nodes = append(g.Nodes, n)
		}
	}
	for i := range g.Nodes {
		pos[g.Nodes[i].Name] = &g.Nodes[i]
	}
	for _, n := range g.Nodes {
		st := def.States[n.Name]
		if st == nil {
			continue
		}
		for _, t := range transitions(st) {
			to := pos[t[0]]
			if to == nil {
				continue
			}
			e := Edge{Kind: t[1], Taken: n.Outcome != OutcomeNotRun && to.Outcome != OutcomeNotRun}
			x1, y1 := n.X+n.W/2, n.Y+n.H
			x2, y2 := to.X+to.W/2, to.Y
			if level[t[0]] > level[n.Name] {
				mid := (y1 + y2) / 2
				e.D = fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, x1, mid, x2, mid, x2, y2-2)
			} else {
				// A loop back (retry loop, polling): around the right-hand side.
				x1, y1 = n.X+n.W, n.Y+n.H/2
				x2, y2 = to.X+to.W, to.Y+to.H/2
				bend := max(x1, x2) + gapX
				e.D = fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, bend, y1, bend, y2, x2+2, y2)
				g.Width = max(g.Width, bend+margin)
			}
			g.Edges = append(g.Edges, e)
		}
	}
	return g
}
