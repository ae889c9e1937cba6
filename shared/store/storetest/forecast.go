package storetest

import (
	"time"

	"github.com/dealflow/dealflow/shared/domain"
)

func init() {
	digestCases = append(digestCases, testCase{"ForecastCall/EverySubmissionKept", func(e *env) {
		call := func(team, period string, after time.Duration, major int64) domain.ForecastCall {
			return domain.ForecastCall{TeamID: team, PeriodKey: period, ManagerID: "mgr-1", SubmittedAt: Base.Add(after),
				Amount: domain.Money{AmountMinor: major * 100, Currency: "EUR"}, Note: "call"}
		}
		for _, c := range []domain.ForecastCall{
			call("t1", "2026-Q4", 2*time.Hour, 60000),
			call("t1", "2026-Q4", time.Hour, 50000),
			call("t1", "2026-Q4", 2*time.Hour, 60000), // the same submission again
			call("t1", "2027-Q1", time.Hour, 1),
			call("t2", "2026-Q4", time.Hour, 2),
		} {
			_, err := e.s.PutForecastCall(e.ctx, c)
			e.ok(err, "put forecast call")
		}
		got, err := e.s.ListForecastCalls(e.ctx, "t1", "2026-Q4")
		e.ok(err, "list forecast calls")
		if len(got) != 2 || got[0].Amount.AmountMinor != 5000000 || got[1].Amount.AmountMinor != 6000000 || !got[1].SubmittedAt.Equal(Base.Add(2*time.Hour)) || got[0].ManagerID != "mgr-1" {
			e.t.Fatalf("calls = %+v, want the two submissions for t1/2026-Q4, oldest first", got)
		}
		none, err := e.s.ListForecastCalls(e.ctx, "t3", "2026-Q4")
		e.ok(err, "list forecast calls of a team without any")
		if len(none) != 0 {
			e.t.Fatalf("calls of t3 = %+v, want none", none)
		}
		_, err = e.s.PutForecastCall(e.ctx, domain.ForecastCall{TeamID: "t1", PeriodKey: "2026-Q4"})
		e.fails(err, "put a call without a submission time")
	}})
}
