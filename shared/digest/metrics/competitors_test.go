package metrics

import (
	"reflect"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

// competitorInput is the fixture week with competitors named in every kind of text.
func competitorInput(t *testing.T) Input {
	org := loadOrg(t)
	org.Competitors = []domain.Competitor{
		{ID: "mueller", Name: "Müller Soft", Aliases: []string{"Mueller"}},
		{ID: "contoso", Name: "Contoso Analytics", Aliases: []string{"Contoso"}},
	}
	open := domain.Deal{ID: "c1", Name: "Acme renewal", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Stage: "proposal", Status: domain.DealOpen,
		Amount: eur(20000), CreatedAt: at("2026-11-02T09:00:00Z"), NextStep: "beat MÜLLER SOFT on price"}
	noMention := domain.Deal{ID: "c6", Name: "Contosoangebot", TeamID: "t1", OwnerID: "ae1", Pipeline: "main", Stage: "demo", Status: domain.DealOpen,
		Amount: eur(5000), CreatedAt: at("2026-11-02T09:00:00Z")}
	won := closedDeal("c2", "ae1", domain.DealWon, eur(10000), "2026-11-02T09:00:00Z", "2026-11-17T10:00:00Z")
	lost := closedDeal("c3", "ae2", domain.DealLost, eur(3000), "2026-11-02T09:00:00Z", "2026-11-18T10:00:00Z")
	lost.LostReason = "Chose Contoso-Analytics"
	lost2 := closedDeal("c4", "ae2", domain.DealLost, eur(4000), "2026-11-02T09:00:00Z", "2026-11-19T10:00:00Z")
	lost2.SDRNotes = domain.QualificationNotes{Fields: map[string]string{"competition": "Mue\u0308ller"}}
	won2 := closedDeal("c7", "ae1", domain.DealWon, eur(1000), "2026-11-02T09:00:00Z", "2026-11-20T10:00:00Z")
	won2.Name = "Replace contoso"
	before := closedDeal("c5", "ae1", domain.DealLost, eur(1000), "2026-11-02T09:00:00Z", "2026-11-12T10:00:00Z")
	before.LostReason = "Contoso" // closed the week before: out of scope
	return Input{Org: org, TeamID: "t1", Members: []string{"ae1", "ae2", "sdr1"}, Period: week, AsOf: asOf,
		Deals: []domain.Deal{open, noMention, won, lost, lost2, won2, before},
		Activities: []domain.Activity{
			{ID: "x1", RepID: "ae1", DealID: "c1", Type: domain.ActivityNote, At: at("2026-11-23T08:00:00Z"), Notes: "Contoso called"}, // after AsOf
		},
		DealActivities: []domain.Activity{
			{ID: "x2", RepID: "ae1", DealID: "c2", Type: domain.ActivityMeeting, At: at("2026-11-05T10:00:00Z"), Subject: "Contoso comparison", Notes: "mueller offered 20% off"},
		},
		Handoffs: []domain.Handoff{{ID: "h9", DealID: "c4", RequestedAt: at("2026-11-01T09:00:00Z"), Notes: domain.QualificationNotes{Text: "incumbent: Müller Soft"}}},
	}
}

func TestCompetitors(t *testing.T) {
	r := Compute(competitorInput(t))
	got := r.Competitors
	// Müller: c1 open 20,000 EUR (next step, upper-case umlaut); c2 won (activity notes, alias in
	// ue spelling); c4 lost (SDR notes with a decomposed umlaut, handoff notes) → 1 of 2 = 50%.
	// Contoso: c2 won (activity subject), c3 lost ("Contoso-Analytics"), c7 won (name) → 2 of 3.
	// c5 closed the week before; c6's "Contosoangebot" is no whole word; x1 is after AsOf.
	want := []struct {
		id        string
		inPlay    bool
		open      int
		pipe      int64
		won, lost int
		rate      float64
		deals     []string
	}{
		{"mueller", true, 1, 2000000, 1, 1, 0.5, []string{"c1", "c2", "c4"}},
		{"contoso", false, 0, 0, 2, 1, 2.0 / 3, []string{"c2", "c3", "c7"}},
	}
	if len(got.Competitors) != len(want) {
		t.Fatalf("competitors = %+v", got.Competitors)
	}
	for i, w := range want {
		g := got.Competitors[i]
		if g.ID != w.id || g.InPlay != w.inPlay || g.OpenDeals != w.open || g.OpenPipeline.AmountMinor != w.pipe || g.Won != w.won || g.Lost != w.lost || !reflect.DeepEqual(g.DealIDs, w.deals) {
			t.Errorf("competitor %d = %+v, want %+v", i, g, w)
		}
		wantMaybe(t, w.id+" win rate", g.WinRate, w.rate, true)
	}
	where := map[string][]Mention{}
	for _, d := range got.Deals {
		where[d.DealID] = d.Mentions
	}
	wantWhere := map[string][]Mention{
		"c1": {{Competitor: "mueller", Where: []MentionAt{{"deal", "c1", "nextStep"}}}},
		"c2": {{Competitor: "mueller", Where: []MentionAt{{"activity", "x2", "notes"}}}, {Competitor: "contoso", Where: []MentionAt{{"activity", "x2", "subject"}}}},
		"c3": {{Competitor: "contoso", Where: []MentionAt{{"deal", "c3", "lostReason"}}}},
		"c4": {{Competitor: "mueller", Where: []MentionAt{{"deal", "c4", "sdrNotes"}, {"handoff", "h9", "notes"}}}},
		"c7": {{Competitor: "contoso", Where: []MentionAt{{"deal", "c7", "name"}}}},
	}
	if !reflect.DeepEqual(where, wantWhere) {
		t.Errorf("mentions = %+v\nwant %+v", where, wantWhere)
	}
}

func TestCompetitorsNoneListed(t *testing.T) {
	in := competitorInput(t)
	in.Org.Competitors = nil
	r := Compute(in)
	if len(r.Competitors.Competitors) != 0 || len(r.Competitors.Deals) != 0 {
		t.Errorf("no competitors in the org file, got %+v", r.Competitors)
	}
}
