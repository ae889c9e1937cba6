package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/dealflow/dealflow/shared/account"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
)

// AccountResult is one account of an import: stored (created or updated) or why not.
type AccountResult struct {
	Line    int                   `json:"line,omitempty"`
	Account *domain.Account       `json:"account,omitempty"`
	Created bool                  `json:"created,omitempty"`
	Errors  []domain.FieldProblem `json:"errors,omitempty"`
}

// PutAccounts checks and stores accounts (an import or POST /v1/accounts); each row is stored or
// reported on its own, so one bad line does not hold back the others.
func (s *Service) PutAccounts(ctx context.Context, rows []account.Row, source string) ([]AccountResult, error) {
	out := make([]AccountResult, 0, len(rows))
	for _, r := range rows {
		a, probs := account.Check(s.Org, r.Input)
		if len(probs) > 0 {
			out = append(out, AccountResult{Line: r.Line, Errors: probs})
			continue
		}
		got, created, err := account.Put(ctx, s.Store, a, source, s.Clock.Now())
		if err != nil {
			return out, err
		}
		out = append(out, AccountResult{Line: r.Line, Account: &got, Created: created})
	}
	return out, nil
}

// postAccounts takes one account {"domain", "name", "ownerId", "segment", "territory"} or
// {"accounts": [...]} (at most 500).
func (s *Service) postAccounts(w http.ResponseWriter, r *http.Request) {
	body, herr := httpapi.ReadBody(r, "application/json")
	if herr != nil {
		httpapi.WriteError(w, herr)
		return
	}
	var in struct {
		account.Input
		Accounts []account.Input `json:"accounts"`
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidAccount", "the body must be an account object or {\"accounts\": [...]}: "+err.Error()))
		return
	}
	list, single := in.Accounts, len(in.Accounts) == 0
	if single {
		list = []account.Input{in.Input}
	}
	if len(list) > 500 {
		httpapi.WriteError(w, httpapi.BadRequest("InvalidAccount", "at most 500 accounts per request; import more with dealflow accounts import"))
		return
	}
	rows := make([]account.Row, len(list))
	for i, a := range list {
		rows[i] = account.Row{Input: a}
	}
	res, err := s.PutAccounts(r.Context(), rows, "api")
	if err != nil {
		httpapi.AnswerError(w, s.Log, "put accounts", err)
		return
	}
	if single {
		x := res[0]
		if len(x.Errors) > 0 {
			fe := make([]httpapi.FieldError, len(x.Errors))
			for i, p := range x.Errors {
				fe[i] = httpapi.FieldError{Field: p.Field, Reason: p.Reason}
			}
			httpapi.WriteError(w, httpapi.BadRequest("InvalidAccount", "the account has invalid fields", fe...))
			return
		}
		status := http.StatusOK
		if x.Created {
			status = http.StatusCreated
		}
		httpapi.WriteJSON(w, status, x.Account)
		return
	}
	for i := range res {
		res[i].Line = i // the index in "accounts"
	}
	status := http.StatusOK
	for _, x := range res {
		if len(x.Errors) > 0 {
			status = http.StatusMultiStatus
		}
	}
	httpapi.WriteJSON(w, status, map[string]any{"results": res})
}

// accountLine is the matched account as a rep reads it on the lead.
func accountLine(a domain.Account, why string) string {
	owner := "no owner"
	if a.OwnerID != "" {
		owner = "owner " + a.OwnerID
	}
	return fmt.Sprintf("account %s (%s), %s: %s", a.Name, a.Domain, owner, why)
}
