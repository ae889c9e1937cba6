package config

import (
	"fmt"
	"strings"

	"github.com/dealflow/dealflow/shared/competitor"
)

// competitors checks the competitor list: ids unique, a name each, domains well-formed, and no
// name or alias shared by two competitors (a mention must name one of them).
func (v *validator) competitors() {
	ids := map[string]string{}
	names := map[string]string{} // folded name → competitor id
	for i, c := range v.org.Competitors {
		path := fmt.Sprintf("competitors[%d]", i)
		if v.require(path+".id", c.ID != "") {
			v.unique(ids, c.ID, path+".id", "competitor id")
		}
		v.require(path+".name", strings.TrimSpace(c.Name) != "")
		check := func(p, s string) {
			f := strings.TrimSpace(competitor.Fold(s))
			if f == "" {
				v.errorf(p, "an empty name matches nothing; remove it")
				return
			}
			if other, ok := names[f]; ok && other != c.ID {
				v.errorf(p, "%q also names competitor %q; a mention must name one competitor", s, other)
				return
			}
			names[f] = c.ID
		}
		if c.Name != "" {
			check(path+".name", c.Name)
		}
		for j, a := range c.Aliases {
			check(fmt.Sprintf("%s.aliases[%d]", path, j), a)
		}
		for j, d := range c.Domains {
			p := fmt.Sprintf("%s.domains[%d]", path, j)
			if !domainName.MatchString(d) {
				v.errorf(p, "invalid domain %q (lower-case, e.g. rival.com)", d)
				continue
			}
			check(p, d)
		}
	}
}
