package deal

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
)

// forecastPeriod is a forecast period key: a quarter ("2026-Q4") or a month ("2026-11"), the
// digest's quota periods.
var forecastPeriod = regexp.MustCompile(`^\d{4}-(Q[1-4]|(0[1-9]|1[0-2]))$`)

var forecastCallFields = []string{"managerId", "amount", "currency", "note"}

// SubmitForecastCall records the manager's call for their team's forecast period: only the
// team's manager calls it; each submission is kept (the digest judges the last one made before
// the period ended).
func (d *Service) SubmitForecastCall(ctx context.Context, teamID, period, managerID, amount, currency, note string) (domain.ForecastCall, error) {
	var errs []domain.FieldProblem
	team, ok := d.Org.Team(teamID)
	if !ok {
		return domain.ForecastCall{}, domain.Invalid("InvalidForecastCall", fmt.Sprintf("no team %q in the org file", teamID), domain.FieldProblem{Field: "teamId", Reason: "unknown team"})
	}
	if !forecastPeriod.MatchString(period) {
		errs = append(errs, domain.FieldProblem{Field: "period", Reason: fmt.Sprintf("%q is no forecast period (a quarter 2026-Q4 or a month 2026-11)", period)})
	}
	if managerID != team.Manager {
		errs = append(errs, domain.FieldProblem{Field: "managerId", Reason: fmt.Sprintf("only the team's manager (%s) submits its forecast call", team.Manager)})
	}
	if currency == "" {
		currency = d.Org.Settings.Currency
		if team.Currency != "" {
			currency = team.Currency
		}
	}
	m, err := domain.ParseMoney(strings.TrimSpace(amount), currency)
	if err != nil || amount == "" {
		errs = append(errs, domain.FieldProblem{Field: "amount", Reason: "a decimal amount in major units is required, e.g. \"250000\""})
	} else if m.AmountMinor < 0 {
		errs = append(errs, domain.FieldProblem{Field: "amount", Reason: "must not be negative"})
	}
	if len(errs) > 0 {
		return domain.ForecastCall{}, domain.Invalid("InvalidForecastCall", "the forecast call has invalid fields", errs...)
	}
	c := domain.ForecastCall{TeamID: team.ID, PeriodKey: period, ManagerID: managerID, Amount: m, Note: strings.TrimSpace(note), SubmittedAt: d.Clock.Now().UTC()}
	return d.Store.PutForecastCall(ctx, c)
}

func (ds *Service) putForecastCall(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	m, herr := httpapi.JSONFields(body, forecastCallFields...)
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	f := &httpapi.Fields{M: m}
	mgr, amount, cur, note := f.Str("managerId"), f.Amount("amount"), f.Str("currency"), f.Str("note")
	if len(f.Errs) > 0 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidForecastCall", "the forecast call has invalid fields", f.Errs...))
		return
	}
	c, err := ds.SubmitForecastCall(r.Context(), r.PathValue("teamId"), r.PathValue("period"), mgr, amount, cur, note)
	if err != nil {
		httpapi.AnswerError(w, ds.Log, "submit forecast call", err)
		return
	}
	ds.Log.Info("forecast call submitted", "team_id", c.TeamID, "period", c.PeriodKey, "manager_id", c.ManagerID)
	httpapi.WriteJSON(w, http.StatusOK, c)
}

func (ds *Service) listForecastCalls(w http.ResponseWriter, r *http.Request) {
	calls, err := ds.Store.ListForecastCalls(r.Context(), r.PathValue("teamId"), r.PathValue("period"))
	if err != nil {
		httpapi.AnswerError(w, ds.Log, "list forecast calls", err)
		return
	}
	if calls == nil {
		calls = []domain.ForecastCall{}
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"calls": calls})
}
