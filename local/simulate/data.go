package simulate

import (
	"math/rand/v2"
	"strings"
)

type country struct {
	code, lang, tld, phone string
	suffixes               []string
	weight                 float64
}

func (c country) w() float64 { return c.weight }

// The sample org sells in DACH and North America; some leads come from elsewhere.
var countries = []country{
	{code: "DE", lang: "de", tld: "de", phone: "+4930", suffixes: []string{"GmbH", "AG", "GmbH & Co. KG", "SE"}, weight: 34},
	{code: "AT", lang: "de", tld: "at", phone: "+431", suffixes: []string{"GmbH", "AG"}, weight: 7},
	{code: "CH", lang: "de", tld: "ch", phone: "+4144", suffixes: []string{"AG", "GmbH", "SA"}, weight: 7},
	{code: "US", lang: "en", tld: "com", phone: "+1415", suffixes: []string{"Inc.", "LLC", "Corp."}, weight: 34},
	{code: "CA", lang: "en", tld: "ca", phone: "+1416", suffixes: []string{"Inc.", "Ltd."}, weight: 6},
	{code: "GB", lang: "en", tld: "co.uk", phone: "+4420", suffixes: []string{"Ltd", "plc"}, weight: 6},
	{code: "FR", lang: "fr", tld: "fr", phone: "+331", suffixes: []string{"SAS", "SA"}, weight: 6},
}

var firstNames = map[string][]string{
	"de": {"Anna", "Lukas", "Marie", "Jonas", "Lea", "Felix", "Sophie", "Paul", "Laura", "Jan", "Julia", "Tobias", "Katharina", "Stefan", "Jürgen", "Sabine"},
	"en": {"Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Ethan", "Harper", "Lucas", "Amelia", "Mason", "Grace", "Logan"},
	"fr": {"Camille", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Manon", "Arthur"},
}

var lastNames = map[string][]string{
	"de": {"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Wolf", "Schröder"},
	"en": {"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Clark"},
	"fr": {"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"},
}

var companyStems = []string{"Nordlicht", "Alpen", "Rhein", "Bergmann", "Falke", "Vektor", "Quantum", "Summit", "Bluefin", "Harbor",
	"Pioneer", "Granite", "Keystone", "Lumen", "Atlas", "Meridian", "Helix", "Cobalt", "Juniper", "Orbit", "Polaris", "Redwood",
	"Sonnen", "Tannen", "Weiss", "Zenit", "Brücke", "Kraft", "Linde", "Stern"}

var freeMail = []string{"gmail.com", "web.de", "gmx.de", "outlook.com", "yahoo.com"}

var titles = []string{"CEO", "CTO", "CFO", "VP Sales", "Head of Sales", "Head of Marketing", "Marketing Manager", "Sales Operations Manager",
	"Geschäftsführer", "Vertriebsleiter", "Leiterin Marketing", "Data Analyst", "IT Manager", "Student", "Intern", "Consultant", "Director of Operations"}

var industries = []string{"Software", "Manufacturing", "Retail", "Financial Services", "Healthcare", "Logistics", "Education", "Energy", "Automotive", "Media"}

var products = []string{"Analytics Platform", "Team licence", "Enterprise plan", "Pilot", "Expansion", "Renewal + upsell"}

var nextSteps = []string{"Send proposal", "Schedule demo", "Intro call with CFO", "Security review", "Reference call", "Contract redlines", "Follow up after trial"}

var handoffAnswers = []string{"confirmed on the call", "CFO signs off", "40k EUR this year", "Q1 rollout", "replace spreadsheets", "VP Sales is the champion", "evaluating two vendors"}

var handoffNotes = []string{"Demo went well; wants a call with finance.", "Strong fit, urgent timeline.", "Needs SSO and an on-prem option.", "Referred by an existing customer."}

var declineReasons = []string{"Not my territory", "At capacity this week", "Existing relationship with a colleague"}

var lostReasons = []string{"No budget", "Chose a competitor", "No decision", "Timing", "Missing feature"}

type activityType struct {
	name   string
	weight float64
}

func (a activityType) w() float64 { return a.weight }

var activityTypes = []activityType{{"email", 45}, {"call", 30}, {"meeting", 15}, {"note", 8}, {"proposal_sent", 2}}

var activitySubjects = map[string][]string{
	"email":         {"Follow-up", "Pricing questions", "Next steps", "Case study"},
	"call":          {"Discovery call", "Check-in", "Pricing call"},
	"meeting":       {"Demo", "Workshop", "Executive meeting"},
	"note":          {"Champion identified", "Budget confirmed", "Competitor in play"},
	"proposal_sent": {"Proposal v1", "Revised proposal"},
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func weighted[T interface{ w() float64 }](r *rand.Rand, xs []T) T {
	total := 0.0
	for _, x := range xs {
		total += x.w()
	}
	v := r.Float64() * total
	for _, x := range xs {
		if v < x.w() {
			return x
		}
		v -= x.w()
	}
	return xs[len(xs)-1]
}

// asciiFold makes a name usable in an email address.
func asciiFold(s string) string {
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss", "é", "e", "è", "e", " ", "").Replace(s)
}
