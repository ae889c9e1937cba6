package qualify

import (
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

func BenchmarkScore(b *testing.B) {
	m := testModel()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	lead := domain.Lead{Email: "vp@acme.de", Domain: "acme.de", Country: "DE", Employees: 1200, Title: "VP Sales"}
	var touches []Touch
	for i := 0; i < 20; i++ {
		touches = append(touches, Touch{Kind: "page_view", At: now.Add(-time.Duration(i) * 24 * time.Hour)})
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Score(lead, touches, now)
	}
}

func BenchmarkMatchAccount(b *testing.B) {
	cands := []domain.Account{{ID: "a", Domain: "acme.com", Name: "Acme Inc"}, {ID: "b", Domain: "acme.com", Name: "Acme Holdings"},
		{ID: "c", Domain: "emea.acme.com", Name: "Acme EMEA"}}
	lead := domain.Lead{Domain: "emea.acme.com", Company: "ACME Europe GmbH"}
	b.ReportAllocs()
	for b.Loop() {
		MatchAccount(lead, cands)
	}
}
