// Package leadtext is how a lead reads in messages people get (the owner's email, the AE's
// handoff email, the fallback alert): its label, grade and summary fields in the reader's
// language. It is apart from package lead so that handoff emails do not link lead intake.
package leadtext

import (
	"fmt"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
)

// Truncate cuts s to n bytes with an ellipsis.
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// Label names a lead: "Name (Company)", else the name, else the email.
func Label(l domain.Lead) string {
	if l.Company != "" {
		return notify.JoinWords(l.Name, "("+l.Company+")")
	}
	if l.Name != "" {
		return l.Name
	}
	return l.Email
}

// Grade is a lead grade in words.
func Grade(loc string, g domain.LeadGrade) string {
	if g == "" {
		return i18n.T(loc, "grade.none")
	}
	return i18n.T(loc, "grade."+string(g))
}

// Summary is the lead's fields as "Label: value" lines.
func Summary(loc string, l domain.Lead) string {
	var b strings.Builder
	for _, f := range Fields(loc, l) {
		fmt.Fprintf(&b, "%s: %s\n", f[0], f[1])
	}
	return b.String()
}

// Fields are the lead's fields worth showing, labelled in loc.
func Fields(loc string, l domain.Lead) [][2]string {
	var out [][2]string
	add := func(key, v string) {
		if v != "" {
			out = append(out, [2]string{i18n.T(loc, key), v})
		}
	}
	add("lead.field.name", l.Name)
	add("lead.field.email", l.Email)
	add("lead.field.company", l.Company)
	add("lead.field.title", l.Title)
	add("lead.field.country", l.Country)
	add("lead.field.source", l.Source)
	add("lead.field.score", i18n.Number(loc, int64(l.Score)))
	add("lead.field.grade", Grade(loc, l.Grade))
	add("lead.field.status", Status(loc, l.Status))
	return out
}

// Status is the lead's lifecycle step in words (domain.LeadStatuses).
func Status(loc string, s domain.LeadStatus) string {
	if s == "" {
		s = domain.LeadNew
	}
	return i18n.T(loc, "lead.status."+string(s))
}
