package metrics

import (
	"sort"

	"github.com/dealflow/dealflow/shared/competitor"
	"github.com/dealflow/dealflow/shared/domain"
)

// CompetitorReport is who the team sells against: per competitor of the org file the deals that
// mention it (open in the period-end snapshot or closed in the period) and the win rate against
// it; per deal where each mention was found.
type CompetitorReport struct {
	Competitors []CompetitorLine `json:"competitors"`
	Deals       []DealMentions   `json:"deals"`
}

// CompetitorLine is one competitor. InPlay: it is mentioned on at least one open deal.
type CompetitorLine struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	InPlay bool   `json:"inPlay"`
	// OpenDeals and OpenPipeline: deals open in the period-end snapshot that mention it.
	OpenDeals    int    `json:"openDeals"`
	OpenPipeline Amount `json:"openPipeline"`
	// Won and Lost: deals that mention it, won (lost) in the period.
	Won  int `json:"won"`
	Lost int `json:"lost"`
	// WinRate = won ÷ (won + lost) against it; n/a when none closed.
	WinRate Maybe[float64] `json:"winRate"`
	// DealIDs lists its deals (open and closed in the period), by id.
	DealIDs []string `json:"dealIds"`
}

// DealMentions is a deal that mentions competitors.
type DealMentions struct {
	DealID   string            `json:"dealId"`
	Name     string            `json:"name"`
	OwnerID  string            `json:"ownerId"`
	Status   domain.DealStatus `json:"status"` // as of AsOf
	Mentions []Mention         `json:"mentions"`
}

// Mention is one competitor found on a deal and every place it was found.
type Mention struct {
	Competitor string      `json:"competitor"`
	Where      []MentionAt `json:"where"`
}

// MentionAt is a field of a record: the deal's name, nextStep, lostReason or sdrNotes; an
// activity's subject or notes; a handoff's notes.
type MentionAt struct {
	Source string `json:"source"` // deal, activity, handoff
	ID     string `json:"id"`
	Field  string `json:"field"`
}

// mentions finds the competitors a deal's texts name, as of AsOf: its fields, the activities
// logged on it before AsOf, and the notes of the handoff it came from.
func (c *calc) mentions(m *competitor.Matcher, d *domain.Deal, acts []domain.Activity) []Mention {
	found := map[string][]MentionAt{}
	var order []string
	look := func(source, id, field, text string) {
		for _, comp := range m.Find(text) {
			if _, ok := found[comp]; !ok {
				order = append(order, comp)
			}
			found[comp] = append(found[comp], MentionAt{Source: source, ID: id, Field: field})
		}
	}
	notes := func(n domain.QualificationNotes) string {
		keys := make([]string, 0, len(n.Fields))
		for k := range n.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		s := n.Text
		for _, k := range keys {
			s += "\n" + n.Fields[k]
		}
		return s
	}
	look("deal", d.ID, "name", d.Name)
	look("deal", d.ID, "nextStep", d.NextStep)
	look("deal", d.ID, "lostReason", d.LostReason)
	look("deal", d.ID, "sdrNotes", notes(d.SDRNotes))
	for _, a := range acts {
		look("activity", a.ID, "subject", a.Subject)
		look("activity", a.ID, "notes", a.Notes)
	}
	for _, h := range c.in.Handoffs {
		if (h.DealID == d.ID || (d.HandoffID != "" && h.ID == d.HandoffID)) && c.before(h.RequestedAt) {
			look("handoff", h.ID, "notes", notes(h.Notes))
		}
	}
	var out []Mention
	for _, comp := range order {
		where := found[comp]
		// One handoff may be loaded twice (by AE and behind the deal): each place once.
		uniq := where[:0]
		seen := map[MentionAt]bool{}
		for _, w := range where {
			if !seen[w] {
				seen[w] = true
				uniq = append(uniq, w)
			}
		}
		out = append(out, Mention{Competitor: comp, Where: uniq})
	}
	sort.Slice(out, func(i, j int) bool { return c.compIndex(out[i].Competitor) < c.compIndex(out[j].Competitor) })
	return out
}

func (c *calc) compIndex(id string) int {
	for i, x := range c.in.Org.Competitors {
		if x.ID == id {
			return i
		}
	}
	return len(c.in.Org.Competitors)
}

// competitors computes the competitor section (docs/METRICS.md "Competitors").
func (c *calc) competitors() CompetitorReport {
	out := CompetitorReport{Competitors: []CompetitorLine{}, Deals: []DealMentions{}}
	if len(c.in.Org.Competitors) == 0 {
		return out
	}
	m := competitor.New(c.in.Org.Competitors)
	byDeal := c.activitiesByDeal()
	type acc struct {
		line CompetitorLine
		open bag
	}
	accs := map[string]*acc{}
	for _, comp := range c.in.Org.Competitors {
		accs[comp.ID] = &acc{line: CompetitorLine{ID: comp.ID, Name: comp.Name, DealIDs: []string{}}, open: bag{}}
	}
	deals := append([]*domain.Deal(nil), c.deals...)
	sort.Slice(deals, func(i, j int) bool { return deals[i].ID < deals[j].ID })
	for _, d := range deals {
		open, closed, st := c.inScope(d)
		if !open && !closed {
			continue
		}
		ms := c.mentions(m, d, byDeal[d.ID])
		if len(ms) == 0 {
			continue
		}
		out.Deals = append(out.Deals, DealMentions{DealID: d.ID, Name: d.Name, OwnerID: d.OwnerID, Status: c.outcome(d).status, Mentions: ms})
		for _, mt := range ms {
			a := accs[mt.Competitor]
			a.line.DealIDs = append(a.line.DealIDs, d.ID)
			switch {
			case open:
				a.line.OpenDeals++
				a.open.add(d.Amount)
			case st.status == domain.DealWon:
				a.line.Won++
			case st.status == domain.DealLost:
				a.line.Lost++
			}
		}
	}
	for _, comp := range c.in.Org.Competitors {
		a := accs[comp.ID]
		a.line.InPlay = a.line.OpenDeals > 0
		a.line.OpenPipeline = c.conv.amount(a.open, 1)
		a.line.WinRate = ratio(float64(a.line.Won), float64(a.line.Won+a.line.Lost), WhyNothingClosed)
		out.Competitors = append(out.Competitors, a.line)
	}
	return out
}
