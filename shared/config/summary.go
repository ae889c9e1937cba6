package config

import (
	"fmt"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
)

// Summary describes what an org file holds in one line, for `dealflow validate` and serve's
// start-up banner.
func Summary(o *Org) string {
	roles := map[domain.Role]int{}
	for _, r := range o.Reps {
		roles[r.Role]++
	}
	var rs []string
	for _, role := range domain.Roles {
		if roles[role] > 0 {
			rs = append(rs, fmt.Sprintf("%d %s", roles[role], strings.ToUpper(string(role))))
		}
	}
	stages, milestones := 0, 0
	for _, p := range o.Pipelines {
		stages += len(p.Stages)
	}
	for _, p := range o.OnboardingPlans {
		milestones += len(p.Milestones)
	}
	parts := []string{
		fmt.Sprintf("%s (%s)", count(len(o.Reps), "rep"), strings.ReplaceAll(strings.Join(rs, ", "), "MANAGER", "managers")),
		count(len(o.Teams), "team"),
		count(len(o.Territories), "territory"),
		count(len(o.Routing.Rules), "routing rule"),
		count(len(o.Routing.Pools), "pool"),
		fmt.Sprintf("%s (%s)", count(len(o.Pipelines), "pipeline"), count(stages, "stage")),
		count(len(o.ReminderPolicies), "reminder policy"),
		fmt.Sprintf("%s (%s)", count(len(o.OnboardingPlans), "onboarding plan"), count(milestones, "milestone")),
		count(len(o.Digests), "digest schedule"),
		count(len(o.Forms), "form"),
	}
	return strings.Join(parts, ", ")
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "y"):
		noun = strings.TrimSuffix(noun, "y") + "ies"
	default:
		noun += "s"
	}
	return fmt.Sprintf("%d %s", n, noun)
}
