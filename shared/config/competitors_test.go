package config

import (
	"strconv"
	"strings"
	"testing"
)

// A competitor list with mistakes is refused at the line and column of each mistake.
func TestCompetitorProblems(t *testing.T) {
	src := readSample(t) + `  - id: contoso
    name: Contoso Two
    aliases: [Müller-Software-GmbH, "MUELLER SOFTWARE"]
    domains: [Rival.COM]
`
	_, problems := Parse("org.yaml", []byte(src))
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	lines := strings.Split(src, "\n")
	n := len(lines) - 4 // the line of "- id: contoso" (the last entry)
	want := []string{
		"org.yaml:" + strconv.Itoa(n) + ":9: competitors[3].id: ",
		"org.yaml:" + strconv.Itoa(n+2) + ":37: competitors[3].aliases[1]: \"MUELLER SOFTWARE\" also names competitor \"mueller\"",
		"org.yaml:" + strconv.Itoa(n+3) + ":15: competitors[3].domains[0]: invalid domain \"Rival.COM\"",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if strings.HasPrefix(g, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem starting %q in\n%s", w, strings.Join(got, "\n"))
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
}

func TestForecastCategoryProblems(t *testing.T) {
	src := strings.Replace(readSample(t), "hubspot_id: contractsent, forecast_category: commit}", "hubspot_id: contractsent, forecast_category: maybe}", 1)
	src = strings.Replace(src, "won: true, hubspot_id: closedwon}", "won: true, hubspot_id: closedwon, forecast_category: commit}", 1)
	_, problems := Parse("org.yaml", []byte(src))
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	ln, col := lineCol(t, src, "maybe}")
	wln, wcol := lineCol(t, src, "commit}")
	want := []string{
		"org.yaml:" + strconv.Itoa(ln) + ":" + strconv.Itoa(col) + ": pipelines[0].stages[4].forecast_category: unknown forecast category \"maybe\"",
		"org.yaml:" + strconv.Itoa(wln) + ":" + strconv.Itoa(wcol) + ": pipelines[0].stages[5].forecast_category: a won or lost stage is closed",
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], w)
		}
	}
}
