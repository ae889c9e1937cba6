package metrics

import (
	"reflect"
	"testing"

	"github.com/dealflow/dealflow/shared/domain"
)

// TestForecast: the fixture week's digest forecasts Q4 2026 (Berlin) and judges the call for Q3.
// Stage defaults: proposal commit, demo best case, discovery pipeline.
func TestForecast(t *testing.T) {
	org := loadOrg(t)
	for i, s := range org.Pipelines[0].Stages {
		switch s.ID {
		case "proposal":
			org.Pipelines[0].Stages[i].ForecastCategory = domain.ForecastCommit
		case "demo":
			org.Pipelines[0].Stages[i].ForecastCategory = domain.ForecastBestCase
		}
	}
	open := func(id, owner, stage string, amt domain.Money, closeDate string, h ...domain.ForecastChange) domain.Deal {
		return domain.Deal{ID: id, Name: id, TeamID: "t1", OwnerID: owner, Pipeline: "main", Stage: stage, Status: domain.DealOpen, Amount: amt,
			CreatedAt: at("2026-10-05T09:00:00Z"), CloseDate: ptr(at(closeDate + "T00:00:00Z")), StageHistory: history(stage + "@2026-10-05T09:00:00Z"), ForecastHistory: h}
	}
	change := func(cat domain.ForecastCategory, when string) domain.ForecastChange {
		return domain.ForecastChange{Category: cat, Note: "why", By: "mgr", At: at(when)}
	}
	call := func(major int64, submitted, period string) domain.ForecastCall {
		return domain.ForecastCall{TeamID: "t1", PeriodKey: period, ManagerID: "mgr", Amount: eur(major), SubmittedAt: at(submitted)}
	}
	f4 := open("f4", "ae2", "demo", eur(5000), "2026-12-01", change(domain.ForecastOmitted, "2026-11-20T10:00:00Z"))
	f4.ForecastCategory = domain.ForecastOmitted
	in := Input{Org: org, TeamID: "t1", Members: []string{"ae1", "ae2", "sdr1"}, Period: week, AsOf: asOf,
		Deals: []domain.Deal{
			open("f1", "ae1", "proposal", eur(20000), "2026-12-10"),
			open("f2", "ae1", "demo", usd(8000), "2026-12-20"),
			open("f3", "ae2", "discovery", eur(1000), "2026-11-30"),
			f4,
			// Committed by the manager before the snapshot, reset to the stage's default after it.
			open("f5", "ae1", "discovery", eur(3000), "2026-12-05", change(domain.ForecastCommit, "2026-11-21T10:00:00Z"), change("", "2026-11-23T06:30:00Z")),
			open("f6", "ae1", "proposal", eur(50000), "2027-01-15"), // closes next quarter
			closedDeal("w1", "ae1", domain.DealWon, eur(10000), "2026-10-01T09:00:00Z", "2026-10-15T10:00:00Z"),
			closedDeal("q1", "ae1", domain.DealWon, eur(30000), "2026-07-01T09:00:00Z", "2026-08-10T10:00:00Z"),
			closedDeal("q2", "ae2", domain.DealWon, usd(5000), "2026-07-01T09:00:00Z", "2026-09-30T21:00:00Z"), // 23:00 on 30 Sep in Berlin: Q3
			closedDeal("q3", "ae2", domain.DealWon, eur(2000), "2026-07-01T09:00:00Z", "2026-09-30T22:30:00Z"), // 00:30 on 1 Oct in Berlin: Q4
		},
		ForecastCalls: []domain.ForecastCall{
			call(40000, "2026-07-05T09:00:00Z", "2026-Q3"),
			call(38000, "2026-09-15T09:00:00Z", "2026-Q3"), // the latest call before Q3 ended
			call(50000, "2026-10-02T09:00:00Z", "2026-Q3"), // made after Q3 ended: not a forecast
			call(60000, "2026-11-20T09:00:00Z", "2026-Q4"),
		},
	}
	f := Compute(in).Forecast
	if f.Key != "2026-Q4" || f.Accuracy.Key != "2026-Q3" {
		t.Fatalf("forecast %s, accuracy %s; want 2026-Q4, 2026-Q3", f.Key, f.Accuracy.Key)
	}
	type line struct {
		closed, commit, best, pipe, omitted, weighted int64
		deals                                         int
	}
	got := func(l ForecastLine) line {
		return line{l.Closed.AmountMinor, l.Commit.AmountMinor, l.BestCase.AmountMinor, l.Pipeline.AmountMinor, l.Omitted.AmountMinor, l.Weighted.AmountMinor, l.Deals}
	}
	// Team: closed w1 10,000 + q3 2,000 = 12,000 EUR. Commit = 12,000 + f1 20,000 + f5 3,000 =
	// 35,000. Best case = 35,000 + f2 8,000 USD (7,200 EUR) = 42,200. Pipeline f3 1,000; omitted
	// f4 5,000. Weighted (not omitted) = 20,000×60% + 8,000 USD×40% (2,880 EUR) + 1,000×10% +
	// 3,000×10% = 15,280 EUR. f6 closes in 2027.
	if want := (line{1200000, 3500000, 4220000, 100000, 500000, 1528000, 5}); got(f.Team) != want {
		t.Errorf("team = %+v, want %+v", got(f.Team), want)
	}
	if want := (line{1000000, 3300000, 4020000, 0, 0, 1518000, 3}); got(f.Reps[0]) != want || f.Reps[0].RepID != "ae1" {
		t.Errorf("ae1 = %+v, want %+v", got(f.Reps[0]), want)
	}
	if want := (line{200000, 200000, 200000, 100000, 500000, 10000, 2}); got(f.Reps[1]) != want {
		t.Errorf("ae2 = %+v, want %+v", got(f.Reps[1]), want)
	}
	cats := map[string][2]any{}
	for _, d := range f.Deals {
		cats[d.ID] = [2]any{d.Category, d.Override}
	}
	if want := map[string][2]any{"f1": {domain.ForecastCommit, false}, "f2": {domain.ForecastBestCase, false}, "f3": {domain.ForecastPipeline, false},
		"f4": {domain.ForecastOmitted, true}, "f5": {domain.ForecastCommit, true}}; !reflect.DeepEqual(cats, want) {
		t.Errorf("categories = %v, want %v", cats, want)
	}
	if f.Call == nil || f.Call.Amount != eur(60000) {
		t.Errorf("Q4 call = %+v, want 60,000 EUR", f.Call)
	}
	// Q3: won q1 30,000 EUR + q2 5,000 USD (4,500 EUR) = 34,500 EUR against the call of
	// 38,000 EUR → variance −3,500 EUR, accuracy 34,500 ÷ 38,000.
	a := f.Accuracy
	if a.Actual.Money != money(3450000, "EUR") || a.Call != Some(money(3800000, "EUR")) || a.Variance != Some(money(-350000, "EUR")) {
		t.Errorf("accuracy = %+v", a)
	}
	wantMaybe(t, "accuracy", a.Accuracy, 34500.0/38000, true)

	// Without a call for Q3 the accuracy is not available.
	in.ForecastCalls = in.ForecastCalls[3:]
	if a := Compute(in).Forecast.Accuracy; a.Accuracy.OK || a.Accuracy.Why != WhyNoCall || a.Actual.Money != money(3450000, "EUR") {
		t.Errorf("no call: %+v", a)
	}
}
