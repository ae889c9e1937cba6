package qualify

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
)

// AccountMatch is the account a lead belongs to and why.
type AccountMatch struct {
	Account    domain.Account
	Similarity float64 // company-name similarity in [0,1], 0 when the lead gave no company
	Reason     string  // e.g. `email domain acme.com = account "Acme GmbH" (acme.com)`
}

// MatchAccount picks the account for a lead among candidates (typically the accounts whose
// domain is the lead's email domain or a parent of it). An exact domain beats a parent domain
// (emea.acme.com → acme.com); among equals the most similar company name wins, then the lowest
// id so the answer never depends on candidate order. Free-mail leads (empty lead.Domain) match
// nothing: a gmail address says nothing about the company.
func MatchAccount(lead domain.Lead, candidates []domain.Account) (AccountMatch, bool) {
	d := strings.ToLower(strings.TrimSuffix(lead.Domain, "."))
	if d == "" {
		return AccountMatch{}, false
	}
	type scored struct {
		a       domain.Account
		exact   bool
		depth   int // labels of the account domain: longer parent domains are more specific
		sim     float64
		hasName bool
	}
	var hits []scored
	for _, a := range candidates {
		ad := strings.ToLower(strings.TrimSuffix(a.Domain, "."))
		if ad == "" {
			continue
		}
		exact := ad == d
		if !exact && !strings.HasSuffix(d, "."+ad) {
			continue
		}
		s := scored{a: a, exact: exact, depth: strings.Count(ad, ".")}
		if lead.Company != "" {
			s.sim, s.hasName = CompanySimilarity(lead.Company, a.Name), true
		}
		hits = append(hits, s)
	}
	if len(hits) == 0 {
		return AccountMatch{}, false
	}
	sort.SliceStable(hits, func(i, j int) bool {
		x, y := hits[i], hits[j]
		if x.exact != y.exact {
			return x.exact
		}
		if x.depth != y.depth {
			return x.depth > y.depth
		}
		if x.sim != y.sim {
			return x.sim > y.sim
		}
		return x.a.ID < y.a.ID
	})
	best := hits[0]
	how := "="
	if !best.exact {
		how = "is under"
	}
	reason := fmt.Sprintf("email domain %s %s account %q (%s)", d, how, best.a.Name, best.a.Domain)
	if len(hits) > 1 && best.hasName {
		reason += fmt.Sprintf("; company name %q is %.0f%% similar (best of %d accounts on the domain)", lead.Company, best.sim*100, len(hits))
	}
	return AccountMatch{Account: best.a, Similarity: best.sim, Reason: reason}, true
}

// legalForms are dropped before names are compared: "Acme GmbH" and "ACME Inc." are one company.
var legalForms = toSet(`gmbh mbh ag se kg kgaa ohg gbr ug eg ev co inc incorporated corp corporation
ltd limited llc llp plc lp sa sas sarl srl spa bv nv oy ab as asa aps kft sp zoo pty company the und and group holding holdings`)

// CompanyKey reduces a company name to comparable words: folded, legal forms removed.
func CompanyKey(name string) string {
	words := strings.Fields(foldName(germanTranscriptionLower(name)))
	kept := words[:0]
	for _, w := range words {
		if !legalForms[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		return strings.Join(words, " ")
	}
	return strings.Join(kept, " ")
}

func germanTranscriptionLower(s string) string { return germanTranscription(strings.ToLower(s)) }

// CompanySimilarity is the Sørensen–Dice coefficient over character bigrams of the company keys:
// 1 for the same company written differently, near 0 for unrelated names. Bigrams tolerate
// typos and word order better than edit distance on short names.
func CompanySimilarity(a, b string) float64 {
	ka, kb := CompanyKey(a), CompanyKey(b)
	if ka == "" || kb == "" {
		return 0
	}
	if ka == kb {
		return 1
	}
	ba, bb := bigrams(ka), bigrams(kb)
	if len(ba) == 0 || len(bb) == 0 {
		return 0
	}
	counts := map[string]int{}
	for _, g := range ba {
		counts[g]++
	}
	inter := 0
	for _, g := range bb {
		if counts[g] > 0 {
			counts[g]--
			inter++
		}
	}
	return 2 * float64(inter) / float64(len(ba)+len(bb))
}

func bigrams(s string) []string {
	r := []rune(strings.ReplaceAll(s, " ", ""))
	if len(r) < 2 {
		return []string{string(r)}
	}
	g := make([]string, 0, len(r)-1)
	for i := 0; i+1 < len(r); i++ {
		g = append(g, string(r[i:i+2]))
	}
	return g
}
