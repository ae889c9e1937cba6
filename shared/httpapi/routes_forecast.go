package httpapi

import "net/http"

// Forecast calls: a manager's call for their team's month or quarter (shared/deal/forecast_call.go).
func init() {
	errs := map[int]Response{
		http.StatusUnauthorized:       {Description: "Missing, stale or wrong Dealflow-Signature."},
		http.StatusServiceUnavailable: {Description: "Temporarily unavailable; nothing was changed, retry."},
	}
	call := Schema{"type": "object", "properties": Schema{
		"teamId": Schema{"type": "string"}, "periodKey": Schema{"type": "string"}, "managerId": Schema{"type": "string"},
		"amount":      Schema{"type": "object", "properties": Schema{"amountMinor": Schema{"type": "integer"}, "currency": Schema{"type": "string"}}},
		"note":        Schema{"type": "string"},
		"submittedAt": Schema{"type": "string", "format": "date-time"}}}
	put := map[int]Response{
		http.StatusOK:                   {Description: "The call as stored; every submission is kept.", Body: &Body{Schema: call}},
		http.StatusBadRequest:           {Description: "Unknown team, not its manager, a bad period or amount (see error.fields)."},
		http.StatusUnsupportedMediaType: {Description: "Content-Type is not application/json."},
	}
	for k, v := range errs {
		put[k] = v
	}
	Describe(http.MethodPut, "/v1/forecast-calls/{teamId}/{period}", Doc{Tags: []string{"forecast"},
		Description: "period is a quarter (2026-Q4) or a month (2026-11), the digest's forecast period.",
		Request: &Body{Schema: Schema{"type": "object", "required": []string{"managerId", "amount"}, "additionalProperties": false, "properties": Schema{
			"managerId": Schema{"type": "string", "description": "the team's manager"},
			"amount":    Schema{"type": []string{"string", "number"}, "description": "decimal amount in major units"},
			"currency":  Schema{"type": "string", "description": "default: the team's report currency"},
			"note":      Schema{"type": "string"}}}, Example: map[string]any{"managerId": "katrin-mueller", "amount": "250000", "note": "two renewals at risk"}},
		Responses: put})
	list := map[int]Response{http.StatusOK: {Description: "The calls, oldest first.", Body: &Body{Schema: Schema{"type": "object",
		"properties": Schema{"calls": Schema{"type": "array", "items": call}}}}}}
	for k, v := range errs {
		list[k] = v
	}
	Describe(http.MethodGet, "/v1/forecast-calls/{teamId}/{period}", Doc{Tags: []string{"forecast"}, Responses: list})
}
