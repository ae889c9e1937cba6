package identity

import (
	"net/http"

	"github.com/dealflow/dealflow/shared/httpapi"
)

// Documentation of the identity routes (routes.go).
func init() {
	denied := map[int]httpapi.Response{
		http.StatusUnauthorized: {Description: "No, unknown, revoked or expired credentials (the message says which)."},
		http.StatusForbidden:    {Description: "Known, but the token's scopes or the person's role do not allow this (the message names the rule)."},
	}
	with := func(rs map[int]httpapi.Response) map[int]httpapi.Response {
		for k, v := range denied {
			rs[k] = v
		}
		return rs
	}
	httpapi.Describe(http.MethodPost, "/v1/auth/link", httpapi.Doc{Tags: []string{"identity"},
		Request: &httpapi.Body{Schema: httpapi.Schema{"type": "object", "required": []string{"email"},
			"properties": httpapi.Schema{"email": httpapi.Schema{"type": "string", "format": "email"}, "next": httpapi.Schema{"type": "string", "description": "a /console/ path to open after signing in"}}}},
		Responses: map[int]httpapi.Response{http.StatusAccepted: {Description: "Accepted; a link is mailed if the address is a person of the org file."}}})
	httpapi.Describe(http.MethodGet, "/v1/auth/signin", httpapi.Doc{Tags: []string{"identity"},
		Params:    []httpapi.Param{{Name: "token", In: "query", Required: true, Description: "the link's one-time token"}},
		Responses: map[int]httpapi.Response{http.StatusOK: {Description: "A page with the Sign in button."}, http.StatusGone: {Description: "The link is invalid or expired."}}})
	httpapi.Describe(http.MethodPost, "/v1/auth/signin", httpapi.Doc{Tags: []string{"identity"},
		Responses: map[int]httpapi.Response{http.StatusSeeOther: {Description: "Signed in: the session cookie is set; on to the console."},
			http.StatusGone: {Description: "The link was used already, is invalid or expired."}}})
	httpapi.Describe(http.MethodGet, "/v1/auth/session", httpapi.Doc{Tags: []string{"identity"},
		Responses: with(map[int]httpapi.Response{http.StatusOK: {Description: "The signed-in person: id, email, role, teams and the CSRF token."}})})
	httpapi.Describe(http.MethodPost, "/v1/auth/signout", httpapi.Doc{Tags: []string{"identity"},
		Responses: with(map[int]httpapi.Response{http.StatusNoContent: {Description: "Signed out everywhere."}})})
	httpapi.Describe(http.MethodGet, "/v1/audit", httpapi.Doc{Tags: []string{"identity"},
		Params: []httpapi.Param{{Name: "object", In: "query", Required: true, Description: "kind/id, e.g. deal/deal_123"},
			{Name: "limit", In: "query", Description: "page size (default 100, at most 1000)"},
			{Name: "cursor", In: "query", Description: "the next value of the previous page"}},
		Responses: with(map[int]httpapi.Response{http.StatusOK: {Description: "The object's audit entries, oldest first: {items, next}."}})})
}
