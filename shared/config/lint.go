package config

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
)

// lint finds configuration that is valid but can never take effect — a key that changes nothing
// is a bug the file's author wants to hear about: a rule no lead reaches, a status no score
// reaches, a pool nobody routes to, an inactive rep in a pool, a form field mapped nowhere.
func lint(o *Org, d *decoder) {
	v := &validator{decoder: d, org: o}
	warn := func(path, format string, args ...any) {
		p := v.at(path)
		d.warnings = append(d.warnings, Problem{File: d.file, Line: p.line, Col: p.col, Path: path,
			Message: fmt.Sprintf(format, args...), Warning: true})
	}
	rt := o.Routing
	catchAll := map[domain.RoutingStage]string{}
	used := map[string]bool{}
	for i, r := range rt.Rules {
		path := fmt.Sprintf("routing.rules[%d]", i)
		stage := r.Stage
		if stage == "" {
			stage = domain.RouteLead
		}
		if first, ok := catchAll[stage]; ok {
			warn(path+".id", "rule %q comes after rule %q, which matches every %s already (first match wins), so it never applies", r.ID, first, stage)
		} else if r.Match.IsEmpty() && !r.Action.AccountOwner {
			catchAll[stage] = r.ID
		}
		if r.Action.Pool != "" {
			used[r.Action.Pool] = true
		}
		if stage != domain.RouteLead {
			continue
		}
		need, what := 0, ""
		for _, st := range r.Match.Statuses {
			t := o.Scoring.Thresholds.MQL
			if st == "sql" {
				t = o.Scoring.Thresholds.SQL
			}
			if what == "" || t < need {
				need, what = t, fmt.Sprintf("status %s needs a score of %d", st, t)
			}
		}
		if r.Match.MinScore > need {
			need, what = r.Match.MinScore, fmt.Sprintf("min_score is %d", r.Match.MinScore)
		}
		if what == "" {
			continue
		}
		if max, lines := maxScore(o, r.Match); max < float64(need) {
			where := "a lead"
			if len(r.Match.Segments) > 0 {
				where = "a lead in segment " + strings.Join(r.Match.Segments, "/")
			}
			warn(path+".match", "rule %q never matches: %s, but the most %s can score is %.0f (%s)", r.ID, what, where, max, lines)
		}
	}
	for i, p := range rt.Pools {
		path := fmt.Sprintf("routing.pools[%d]", i)
		if !used[p.ID] {
			warn(path+".id", "no routing rule names pool %q, so it never gets a lead", p.ID)
		}
		for j, m := range p.Members {
			if rep, ok := o.Rep(m.Rep); ok && !rep.Active {
				warn(fmt.Sprintf("%s.members[%d].rep", path, j), "%s is inactive (reps[].active: false) and never gets an assignment from pool %q", rep.ID, p.ID)
			}
		}
	}
	for i, f := range o.Forms {
		for _, k := range sortedKeys(f.Fields) {
			if lf := f.Fields[k]; !slices.Contains(formFields, lf) {
				msg := fmt.Sprintf("form field %q is mapped to %q, which is no lead field, so its value is only kept as an attribute (lead fields: %s)", k, lf, strings.Join(formFields, ", "))
				if s := suggest(lf, formFields); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				warn(fmt.Sprintf("forms[%d].fields.%s", i, k), "%s", msg)
			}
		}
	}
}

// maxScore is the highest score a lead matching m can reach: every positive fit rule whose
// condition can hold for such a lead, plus every engagement activity at its cap, or once when it
// has none (a model that needs the same touch again and again to qualify anyone is as good as
// dead). lines says what it is made of.
func maxScore(o *Org, m domain.RoutingMatch) (float64, string) {
	total := 0.0
	var parts []string
	for _, f := range o.Scoring.Fit {
		if f.Points > 0 && canHold(o, f.When, m) {
			total += float64(f.Points)
			parts = append(parts, fmt.Sprintf("fit %s %+d", f.ID, f.Points))
		}
	}
	for _, e := range o.Scoring.Engagement {
		switch {
		case e.Points <= 0:
		case e.Max > 0:
			total += float64(e.Max)
			parts = append(parts, fmt.Sprintf("%s at most %d", e.Activity, e.Max))
		default:
			total += float64(e.Points)
			parts = append(parts, fmt.Sprintf("%s once %+d", e.Activity, e.Points))
		}
	}
	if len(parts) == 0 {
		return total, "no rule can add points"
	}
	return total, strings.Join(parts, ", ")
}

// canHold reports whether a fit condition can be true for some lead that matches m: an employee
// test must overlap m's segments, a country test m's countries and territories, an industry test
// m's industries.
func canHold(o *Org, c domain.Condition, m domain.RoutingMatch) bool {
	switch c.Field {
	case "employees":
		if len(m.Segments) == 0 {
			return true
		}
		lo, hi := math.MinInt, math.MaxInt
		if c.Gte != nil {
			lo = *c.Gte
		}
		if c.Lte != nil {
			hi = *c.Lte
		}
		if c.Missing {
			return false // a lead in a segment has a head count
		}
		for _, id := range m.Segments {
			s, ok := o.Segment(id)
			if !ok {
				continue
			}
			smax := s.MaxEmployees
			if smax == 0 {
				smax = math.MaxInt
			}
			if s.MinEmployees <= hi && lo <= smax {
				return true
			}
		}
		return false
	case "country":
		allowed := matchCountries(o, m)
		return allowed == nil || valueCanHold(c, allowed)
	case "industry":
		if len(m.Industries) == 0 {
			return true
		}
		return valueCanHold(c, m.Industries)
	}
	return true
}

// matchCountries lists the countries a lead matching m can be in; nil means any.
func matchCountries(o *Org, m domain.RoutingMatch) []string {
	var sets [][]string
	if len(m.Countries) > 0 {
		sets = append(sets, m.Countries)
	}
	if len(m.Territories) > 0 {
		var cs []string
		for _, id := range m.Territories {
			t, ok := o.Territory(id)
			if !ok {
				continue
			}
			cs = append(cs, t.Countries...)
			for _, r := range t.Regions {
				cs = append(cs, r[:2])
			}
		}
		sets = append(sets, cs)
	}
	if len(sets) == 0 {
		return nil
	}
	out := sets[0]
	for _, s := range sets[1:] {
		out = slices.DeleteFunc(slices.Clone(out), func(c string) bool { return !containsFold(s, c) })
	}
	return out
}

// valueCanHold reports whether a text condition holds for at least one of the values a lead can have.
func valueCanHold(c domain.Condition, values []string) bool {
	if c.Missing {
		return false
	}
	for _, x := range values {
		switch {
		case c.Equals != "":
			if strings.EqualFold(c.Equals, x) {
				return true
			}
		case c.In != nil:
			if containsFold(c.In, x) {
				return true
			}
		case c.NotIn != nil:
			if !containsFold(c.NotIn, x) {
				return true
			}
		case c.Contains != "":
			if strings.Contains(strings.ToLower(x), strings.ToLower(c.Contains)) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

func containsFold(list []string, v string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}
