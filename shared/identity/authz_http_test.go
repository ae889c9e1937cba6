package identity_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/apptest"
	"github.com/dealflow/dealflow/shared/identity"
	"github.com/dealflow/dealflow/shared/webhook"
)

// caller is one principal as a client holds it: a bearer token, a signed-in browser (cookie jar
// and CSRF token), the lead secret, or nothing.
type caller struct {
	name   string
	bearer string
	client *http.Client
	csrf   string
	sign   bool
}

func (c caller) do(t *testing.T, app *apptest.App, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, app.Srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.sign {
		req.Header.Set("Dealflow-Signature", webhook.Sign([]byte(body), app.Clock.Now(), apptest.LeadSecret))
	}
	cl := c.client
	if cl == nil {
		cl = http.DefaultClient
	}
	res, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

var linkRE = regexp.MustCompile(`\S*/v1/auth/signin\?token=\S+`)

// signIn asks for a link, takes it from the mail outbox, opens it and presses Sign in, as a
// person would; it returns the signed-in browser.
func signIn(t *testing.T, app *apptest.App, email string) caller {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Post(app.Srv.URL+"/v1/auth/link", "application/json", strings.NewReader(fmt.Sprintf(`{"email":%q}`, email)))
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("ask for a link: %v %v", res, err)
	}
	res.Body.Close()
	msgs, err := app.Outbox.List(context.Background(), email, 1)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no sign-in mail to %s: %v", email, err)
	}
	link := linkRE.FindString(msgs[0].Message.Text)
	if link == "" {
		t.Fatalf("no link in %q", msgs[0].Message.Text)
	}
	u, _ := url.Parse(link)
	res, err = cl.PostForm(app.Srv.URL+"/v1/auth/signin", url.Values{"token": {u.Query().Get("token")}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", res, err)
	}
	res.Body.Close()
	// The same link a second time is used up.
	if again, _ := http.PostForm(app.Srv.URL+"/v1/auth/signin", url.Values{"token": {u.Query().Get("token")}}); again.StatusCode != http.StatusGone {
		t.Fatalf("second use of a sign-in link answered %d, want 410", again.StatusCode)
	}
	c := caller{name: email, client: cl}
	code, body := c.do(t, app, "GET", "/v1/auth/session", "")
	var s struct{ CSRF string }
	if code != 200 || json.Unmarshal([]byte(body), &s) != nil || s.CSRF == "" {
		t.Fatalf("session: %d %s", code, body)
	}
	c.csrf = s.CSRF
	return c
}

func token(t *testing.T, app *apptest.App, name string, scopes ...identity.Scope) caller {
	t.Helper()
	_, secret, err := identity.CreateToken(context.Background(), app.Store, name, scopes, "", app.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return caller{name: name, bearer: secret}
}

// TestAuthorisationMatrix: role × action × own/team/other object, through HTTP. Anna (AE, DACH)
// owns dealOwn; Max (AE, DACH) owns dealTeam; Olivia (AE, North America) owns dealOther. Katrin
// manages DACH; ops@ is an admin of the org file.
func TestAuthorisationMatrix(t *testing.T) {
	org := apptest.SampleOrg(t)
	org.Admins = []string{"ops@northwind.example"}
	app := apptest.New(t, org, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	deal := func(owner string) string {
		code, out := app.Call(t, "POST", "/v1/deals", fmt.Sprintf(`{"name":"Deal of %s","ownerId":%q}`, owner, owner))
		if code != 201 {
			t.Fatalf("create deal: %d %v", code, out)
		}
		return out["id"].(string)
	}
	ids := map[string]string{"own": deal("anna-weber"), "team": deal("max-hoffmann"), "other": deal("olivia-brown")}

	anna := signIn(t, app, "anna.weber@northwind.example")
	katrin := signIn(t, app, "katrin.mueller@northwind.example")
	admin := signIn(t, app, "ops@northwind.example")
	intake := token(t, app, "zapier", identity.ScopeLeadsWrite)
	crm := token(t, app, "crm-sync", identity.ScopeDealsWrite)
	bi := token(t, app, "bi", identity.ScopeRead)
	nobody := caller{name: "nobody"}
	signature := caller{name: "lead secret", sign: true}
	annaNoCSRF := anna
	annaNoCSRF.csrf = ""

	type want struct{ own, team, other int }
	tests := []struct {
		who    caller
		action string // PATCH or GET on the deal
		want   want
	}{
		{anna, "PATCH", want{200, 403, 403}},
		{anna, "GET", want{200, 403, 403}},
		{katrin, "PATCH", want{200, 200, 403}},
		{katrin, "GET", want{200, 200, 403}},
		{admin, "PATCH", want{200, 200, 200}},
		{admin, "GET", want{200, 200, 200}},
		{intake, "PATCH", want{403, 403, 403}},
		{intake, "GET", want{403, 403, 403}},
		{crm, "PATCH", want{200, 200, 200}},
		{crm, "GET", want{403, 403, 403}},
		{bi, "PATCH", want{403, 403, 403}},
		{bi, "GET", want{200, 200, 200}},
		{signature, "PATCH", want{403, 403, 403}},
		{nobody, "PATCH", want{401, 401, 401}},
		{annaNoCSRF, "PATCH", want{403, 403, 403}},
	}
	for _, tc := range tests {
		for _, obj := range []string{"own", "team", "other"} {
			wantCode := map[string]int{"own": tc.want.own, "team": tc.want.team, "other": tc.want.other}[obj]
			name := fmt.Sprintf("%s/%s/%s", tc.who.name, tc.action, obj)
			if tc.who.client != nil && tc.who.csrf == "" {
				name = "no CSRF " + name
			}
			t.Run(name, func(t *testing.T) {
				body := ""
				if tc.action == "PATCH" {
					body = fmt.Sprintf(`{"nextStep":"next step by %s"}`, tc.who.name)
				}
				app.Clock.Advance(time.Second) // the trail is in time order
				code, resp := tc.who.do(t, app, tc.action, "/v1/deals/"+ids[obj], body)
				if code != wantCode {
					t.Fatalf("answered %d %s, want %d", code, resp, wantCode)
				}
				if code >= 400 && !strings.Contains(resp, `"message"`) {
					t.Fatalf("a refusal without a reason: %s", resp)
				}
			})
		}
	}

	// Every allowed write is in the trail with its actor; refused ones are not.
	code, body := admin.do(t, app, "GET", "/v1/audit?object=deal/"+ids["own"], "")
	if code != 200 {
		t.Fatalf("audit: %d %s", code, body)
	}
	var trail struct {
		Items []struct {
			Actor, ActorKind, Action, RequestID string
			Changes                             []struct{ Field string }
		}
	}
	_ = json.Unmarshal([]byte(body), &trail)
	var actors []string
	for _, e := range trail.Items {
		actors = append(actors, e.Actor+":"+e.Action)
		if e.RequestID == "" {
			t.Errorf("entry %+v has no request id", e)
		}
	}
	wantActors := []string{"apptest:create", "anna.weber@northwind.example:update", "katrin.mueller@northwind.example:update",
		"ops@northwind.example:update", "crm-sync:update"}
	if fmt.Sprint(actors) != fmt.Sprint(wantActors) {
		t.Fatalf("audit actors %v, want %v", actors, wantActors)
	}
	if code, _ := anna.do(t, app, "GET", "/v1/audit?object=deal/"+ids["own"], ""); code != 403 {
		t.Fatalf("a rep read the audit trail: %d", code)
	}
	if code, _ := katrin.do(t, app, "GET", "/v1/audit?object=deal/"+ids["team"], ""); code != 200 {
		t.Fatalf("a manager could not read their team's trail: %d", code)
	}
	if code, _ := katrin.do(t, app, "GET", "/v1/audit?object=deal/"+ids["other"], ""); code != 403 {
		t.Fatalf("a manager read another team's trail: %d", code)
	}

	// An intake-only token still takes leads.
	if code, resp := intake.do(t, app, "POST", "/v1/leads", `{"email":"new@firma.de","name":"Neu","company":"Firma GmbH","country":"DE"}`); code != 202 {
		t.Fatalf("intake with a leads:write token: %d %s", code, resp)
	}

	// Signing out ends the session: the browser drops the cookie, and a copy kept elsewhere is
	// refused from then on.
	kept := anna.client.Jar.Cookies(mustURL(app.Srv.URL))
	if code, resp := anna.do(t, app, "POST", "/v1/auth/signout", ""); code != 204 {
		t.Fatalf("sign out: %d %s", code, resp)
	}
	if left := anna.client.Jar.Cookies(mustURL(app.Srv.URL)); len(left) != 0 {
		t.Fatalf("cookies left after sign-out: %v", left)
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(mustURL(app.Srv.URL), kept)
	stale := caller{name: "stale", client: &http.Client{Jar: jar}}
	if code, resp := stale.do(t, app, "GET", "/v1/auth/session", ""); code != 401 || !strings.Contains(resp, "signed out") {
		t.Fatalf("a signed-out session answered %d %s, want 401", code, resp)
	}
}

func mustURL(s string) *url.URL { u, _ := url.Parse(s); return u }
