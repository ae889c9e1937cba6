package qualify

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

var day = 24 * time.Hour

func testModel() Model {
	return Model{
		Fit: []FitRule{
			{ID: "enterprise-size", Points: 20, When: []Condition{{Field: "employees", Min: intp(500)}}},
			{ID: "dach", Points: 10, When: []Condition{{Field: "country", In: []string{"DE", "AT", "CH"}}}},
			{ID: "senior-title", Points: 15, When: []Condition{{Field: "title", Contains: []string{"VP", "Head", "Director", "Chief"}}}},
			{ID: "free-mail", Points: -25, When: []Condition{{Field: "freeMail", In: []string{"true"}}}},
			{ID: "students", Points: -30, When: []Condition{{Field: "title", Contains: []string{"student"}}}},
		},
		Engagement: []EngagementRule{
			{ID: "webinar", Activity: "webinar", Points: 10},
			{ID: "page-views", Activity: "page_view", Points: 2, Max: 10},
		},
		HalfLife: 14 * day,
		MQL:      40,
		SQL:      70,
		Disqualify: []DisqualifyRule{
			{ID: "competitors", When: []Condition{{Field: "emailDomain", In: []string{"rival.example"}}}},
			{ID: "no-phone-us", Reason: "US leads need a phone number", When: []Condition{{Field: "country", In: []string{"US"}}, {Field: "phone", Exists: boolp(false)}}},
		},
	}
}

func TestScore(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	enterprise := domain.Lead{Email: "vp@acme.de", Domain: "acme.de", Country: "DE", Employees: 1200, Title: "VP Sales"}
	touches := func(kind string, ages ...time.Duration) []Touch {
		var ts []Touch
		for _, a := range ages {
			ts = append(ts, Touch{Kind: kind, At: now.Add(-a)})
		}
		return ts
	}
	tests := []struct {
		name      string
		lead      domain.Lead
		touches   []Touch
		wantScore int
		wantLines []string
		wantGrade domain.LeadGrade
		wantDQ    string
	}{
		{
			name: "fit plus decayed webinars reaches MQL",
			lead: enterprise,
			// 10·2^0 + 10·2^(-14/14) + 10·2^(-28/14) = 10 + 5 + 2.5 = 17.5 → rounds to 18
			touches:   touches("webinar", 0, 14*day, 28*day),
			wantScore: 20 + 10 + 15 + 18,
			wantLines: []string{
				"+20 employees ≥ 500 (rule enterprise-size)",
				"+10 country in DE, AT, CH (rule dach)",
				"+15 title contains VP / Head / Director / Chief (rule senior-title)",
				"+18 3 × webinar (10 each, half-life 14d) (rule webinar)",
			},
			wantGrade: domain.GradeMQL,
		},
		{
			name: "engagement cap lifts it to SQL",
			lead: enterprise,
			// webinar 7 days old: 10·2^(-7/14) = 10/√2 = 7.07 → 7
			// 8 page views now: 8·2 = 16, capped at 10
			touches:   append(touches("webinar", 7*day), touches("page_view", 0, 0, 0, 0, 0, 0, 0, 0)...),
			wantScore: 45 + 7 + 10,
			wantLines: []string{
				"+20 employees ≥ 500 (rule enterprise-size)",
				"+10 country in DE, AT, CH (rule dach)",
				"+15 title contains VP / Head / Director / Chief (rule senior-title)",
				"+7 1 × webinar (10 each, half-life 14d) (rule webinar)",
				"+10 8 × page_view (2 each, half-life 14d, capped at 10) (rule page-views)",
			},
			wantGrade: domain.GradeMQL, // 62 < 70
		},
		{
			name: "touches decayed to nothing add no line",
			lead: domain.Lead{Email: "x@corp.example", Domain: "corp.example"},
			// 2·2^(-140/14) = 2/1024 ≈ 0.002 → 0
			touches:   touches("page_view", 140*day),
			wantScore: 0,
			wantLines: nil,
			wantGrade: domain.GradeNone,
		},
		{
			name:      "negative rules remove points",
			lead:      domain.Lead{Email: "kid@gmail.com", Title: "Student"},
			wantScore: -55,
			wantLines: []string{"-25 free-mail address (rule free-mail)", "-30 title contains student (rule students)"},
			wantGrade: domain.GradeNone,
		},
		{
			name:      "competitor is disqualified whatever the score",
			lead:      domain.Lead{Email: "spy@rival.example", Domain: "rival.example", Country: "AT", Employees: 900, Title: "Chief Spy"},
			wantScore: 45,
			wantLines: []string{
				"+20 employees ≥ 500 (rule enterprise-size)",
				"+10 country in DE, AT, CH (rule dach)",
				"+15 title contains VP / Head / Director / Chief (rule senior-title)",
			},
			wantGrade: domain.GradeNone,
			wantDQ:    "email domain = rival.example (rule competitors)",
		},
		{
			name:      "disqualify rule with all conditions and its own reason",
			lead:      domain.Lead{Email: "a@corp.example", Country: "US"},
			wantScore: 0,
			wantGrade: domain.GradeNone,
			wantDQ:    "US leads need a phone number (rule no-phone-us)",
		},
		{
			name:      "a touch dated in the future counts once, not more",
			lead:      domain.Lead{Email: "x@corp.example"},
			touches:   []Touch{{Kind: "WEBINAR", At: now.Add(3 * day)}},
			wantScore: 10,
			wantLines: []string{"+10 1 × webinar (10 each, half-life 14d) (rule webinar)"},
			wantGrade: domain.GradeNone,
		},
	}
	m := testModel()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := m.Score(tc.lead, tc.touches, now)
			if r.Score != tc.wantScore {
				t.Errorf("score = %d, want %d", r.Score, tc.wantScore)
			}
			var lines []string
			sum := 0
			for _, l := range r.Lines {
				lines = append(lines, l.Reason)
				sum += l.Points
			}
			if !reflect.DeepEqual(lines, tc.wantLines) {
				t.Errorf("lines\n got %q\nwant %q", lines, tc.wantLines)
			}
			if sum != r.Score {
				t.Errorf("lines add up to %d but score is %d", sum, r.Score)
			}
			if r.Grade != tc.wantGrade || r.DisqualifyReason != tc.wantDQ || r.Disqualified != (tc.wantDQ != "") {
				t.Errorf("grade %q dq %v %q; want %q %q", r.Grade, r.Disqualified, r.DisqualifyReason, tc.wantGrade, tc.wantDQ)
			}
		})
	}
}

func TestThresholds(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		points int
		grade  domain.LeadGrade
		reason string
	}{
		{39, domain.GradeNone, "score 39 < MQL threshold 40"},
		{40, domain.GradeMQL, "score 40 ≥ MQL threshold 40 (SQL at 70)"},
		{69, domain.GradeMQL, "score 69 ≥ MQL threshold 40 (SQL at 70)"},
		{70, domain.GradeSQL, "score 70 ≥ SQL threshold 70"},
		{250, domain.GradeSQL, "score 250 ≥ SQL threshold 70"},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			m := Model{MQL: 40, SQL: 70, Fit: []FitRule{{ID: "all", Points: tc.points, When: []Condition{{Field: "email", Exists: boolp(true)}}}}}
			r := m.Score(domain.Lead{Email: "a@b.example"}, nil, now)
			if r.Grade != tc.grade || r.GradeReason != tc.reason {
				t.Fatalf("grade %q %q, want %q %q", r.Grade, r.GradeReason, tc.grade, tc.reason)
			}
		})
	}
}

func TestDecay(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		halfLife time.Duration
		points   int
		age      time.Duration
		want     int
	}{
		{"no half-life means no decay", 0, 40, 365 * day, 40},
		{"one half-life halves", 30 * day, 40, 30 * day, 20},   // 40·2^-1
		{"two half-lives quarter", 30 * day, 40, 60 * day, 10}, // 40·2^-2
		{"half a half-life", 30 * day, 40, 15 * day, 28},       // 40·2^-0.5 = 28.28
		{"rounds half away from zero", 1 * day, 5, 1 * day, 3}, // 5·2^-1 = 2.5 → 3
		{"negative points decay too", 10 * day, -20, 10 * day, -10},
		{"hours half-life", 12 * time.Hour, 16, 48 * time.Hour, 1}, // 16·2^-4
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Model{HalfLife: tc.halfLife, MQL: 1000, SQL: 1000,
				Engagement: []EngagementRule{{ID: "e", Activity: "visit", Points: tc.points}}}
			r := m.Score(domain.Lead{}, []Touch{{Kind: "visit", At: now.Add(-tc.age)}}, now)
			if r.Score != tc.want {
				t.Fatalf("score = %d, want %d", r.Score, tc.want)
			}
		})
	}
}

func TestResultApply(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := testModel()
	var l domain.Lead
	l = domain.Lead{Email: "spy@rival.example", Employees: 900}
	m.Score(l, nil, now).Apply(&l)
	if l.Status != domain.LeadDisqualified || l.Score != 20 || l.DisqualifyReason == "" || len(l.ScoreExplanation) != 1 {
		t.Fatalf("disqualified lead after Apply: %+v", l)
	}
	l = domain.Lead{Email: "vp@acme.de", Employees: 900, Country: "DE", Title: "Head of IT"}
	m.Score(l, nil, now).Apply(&l)
	if l.Status != domain.LeadQualified || l.Grade != domain.GradeMQL || l.Score != 45 {
		t.Fatalf("qualified lead after Apply: %+v", l)
	}
}

func TestConditionHolds(t *testing.T) {
	lead := domain.Lead{Email: "a@acme.de", Domain: "acme.de", Country: "DE", Employees: 250, Industry: "Software",
		Attributes: map[string]string{"plan": "enterprise"}}
	tests := []struct {
		name string
		c    Condition
		want bool
	}{
		{"in ignores case", Condition{Field: "industry", In: []string{"software", "saas"}}, true},
		{"notIn", Condition{Field: "country", NotIn: []string{"US"}}, true},
		{"notIn excludes", Condition{Field: "country", NotIn: []string{"de"}}, false},
		{"between inclusive low", Condition{Field: "employees", Min: intp(250), Max: intp(999)}, true},
		{"between inclusive high", Condition{Field: "employees", Min: intp(1), Max: intp(250)}, true},
		{"below min", Condition{Field: "employees", Min: intp(251)}, false},
		{"numeric test on missing value fails", Condition{Field: "state", Min: intp(0)}, false},
		{"exists false on empty", Condition{Field: "phone", Exists: boolp(false)}, true},
		{"exists true on empty", Condition{Field: "phone", Exists: boolp(true)}, false},
		{"attribute", Condition{Field: "attributes.plan", In: []string{"Enterprise"}}, true},
		{"free mail false", Condition{Field: "freeMail", In: []string{"false"}}, true},
		{"unknown field never holds", Condition{Field: "shoeSize", Exists: boolp(false)}, false},
		{"operators are ANDed", Condition{Field: "industry", In: []string{"software"}, Contains: []string{"hardware"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.c.Holds(lead); got != tc.want {
				t.Fatalf("Holds = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestModelValidate(t *testing.T) {
	if errs := testModel().Validate(); len(errs) != 0 {
		t.Fatalf("valid model reported %v", errs)
	}
	bad := Model{
		MQL: 50, SQL: 40, HalfLife: -time.Hour,
		Fit: []FitRule{
			{ID: "a", Points: 0, When: []Condition{{Field: "shoe", In: []string{"x"}}}},
			{ID: "a", Points: 5, When: []Condition{{Field: "employees", Min: intp(10), Max: intp(5)}}},
			{ID: "", Points: 5, When: []Condition{{Field: "title"}}},
		},
		Engagement: []EngagementRule{{ID: "e", Points: 3, Max: -1}},
		Disqualify: []DisqualifyRule{{ID: "d"}},
	}
	got := bad.Validate().Error()
	for _, frag := range []string{
		`fit[0].when[0].field: unknown field "shoe"`,
		"fit[0].points: must not be 0",
		`fit[1].id: "a" is already used by fit[0]`,
		"fit[1].when[0]: min 10 is greater than max 5",
		"fit[2].id: required",
		"fit[2].when[0]: no test: set in, notIn, contains, min, max or exists",
		"engagement[0].activity: required",
		"engagement[0].max: must not be negative",
		"disqualify[0].when: needs at least one condition",
		"halfLife: must not be negative",
		"sql: SQL threshold 40 is below the MQL threshold 50",
	} {
		if !strings.Contains(got, frag) {
			t.Errorf("Validate() lacks %q\nfull: %s", frag, got)
		}
	}
}
