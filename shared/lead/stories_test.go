package lead_test

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/apptest"
	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/store"
)

// tuesday is a working day in every team of the sample org, 10:00 in New York.
var tuesday = time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)

func postForm(t *testing.T, a *apptest.App, form, body string) int {
	t.Helper()
	res, err := http.Post(a.Srv.URL+"/v1/forms/"+form, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

func onlyLead(t *testing.T, a *apptest.App, email string) domain.Lead {
	t.Helper()
	_, dom, _ := strings.Cut(email, "@")
	leads, _, err := a.Store.ListLeadsByDomain(context.Background(), dom, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range leads {
		if l.Email == email {
			return l
		}
	}
	t.Fatalf("no lead %s among %d", email, len(leads))
	return domain.Lead{}
}

// qualifyAndRoute runs the lead-qualification workflow's tasks, as the state machine does.
func qualifyAndRoute(t *testing.T, a *apptest.App, id string) domain.Lead {
	t.Helper()
	ctx := context.Background()
	if _, err := a.Caps.Leads.QualifyLead(ctx, lead.LeadRef{LeadID: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Caps.Leads.RouteLead(ctx, lead.LeadRef{LeadID: id}); err != nil {
		t.Fatal(err)
	}
	l, err := a.Store.GetLead(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func repIn(t *testing.T, org *domain.Org, pool, rep string) bool {
	t.Helper()
	p, ok := org.Pool(pool)
	if !ok {
		t.Fatalf("no pool %s", pool)
	}
	return slices.ContainsFunc(p.Members, func(m domain.PoolMember) bool { return m.Rep == rep })
}

func TestDemoFormMapsItsFieldsAndAnEnterpriseDemoRequestReachesAnAE(t *testing.T) {
	org := apptest.SampleOrg(t)
	a := apptest.New(t, org, tuesday)
	body := "work_email=Jane.Roe%40Initech.example&first_name=Jane&last_name=Roe&company=Initech&company_size=5000" +
		"&job_title=Head+of+Data&country=US&industry=software&utm_campaign=q4"
	if code := postForm(t, a, "demo-request", body); code != http.StatusAccepted {
		t.Fatalf("demo-request form: %d, want 202", code)
	}
	l := onlyLead(t, a, "jane.roe@initech.example")
	if l.Employees != 5000 || l.Title != "Head of Data" || l.Name != "Jane Roe" || l.Source != "demo-request" || l.Attributes["utm_campaign"] != "q4" {
		t.Fatalf("lead = %+v; want employees, title, name mapped, source demo-request, utm_campaign kept", l)
	}
	if len(l.Touches) != 1 || l.Touches[0].Kind != "demo_requested" {
		t.Fatalf("touches = %+v; want one demo_requested", l.Touches)
	}
	l = qualifyAndRoute(t, a, l.ID)
	if l.Grade != domain.GradeSQL || l.RoutingRule != "na-enterprise-sql" || !repIn(t, org, "na-ae", l.OwnerID) {
		t.Fatalf("lead scored %d (%s), rule %s, owner %s; want an SQL routed by na-enterprise-sql to an AE\n%+v",
			l.Score, l.Grade, l.RoutingRule, l.OwnerID, l.ScoreExplanation)
	}
	var kinds []string
	for _, s := range l.ScoreExplanation {
		kinds = append(kinds, s.Kind+":"+s.Rule)
	}
	if !slices.Contains(kinds, "fit:target-industry") || !slices.Contains(kinds, "engagement:demo_requested") {
		t.Fatalf("score explanation %v lacks a fit or the engagement line", kinds)
	}

	// The contact form counts as form_submitted; its own field names still work.
	if code := postForm(t, a, "contact-us", "email=max%40example.org&name=Max&country=DE"); code != http.StatusAccepted {
		t.Fatalf("contact-us form: %d", code)
	}
	if c := onlyLead(t, a, "max@example.org"); len(c.Touches) != 1 || c.Touches[0].Kind != "form_submitted" || c.Source != "form:contact-us" {
		t.Fatalf("contact lead = %+v", c)
	}
}

func TestTouchLiftsARoutedLeadToSQLAndReRoutesItOnce(t *testing.T) {
	org := apptest.SampleOrg(t)
	a := apptest.New(t, org, tuesday)
	code, out := a.Call(t, "POST", "/v1/leads", `{"email":"sam@globex.example","company":"Globex","country":"US","employees":2000,"industry":"logistics","title":"Head of Ops"}`)
	if code != http.StatusAccepted {
		t.Fatalf("post lead: %d %v", code, out)
	}
	id := out["id"].(string)
	l := qualifyAndRoute(t, a, id)
	if l.Grade != domain.GradeMQL || l.RoutingRule != "na-inbound" || !repIn(t, org, "na-sdr", l.OwnerID) {
		t.Fatalf("before touches: %d %s rule %s owner %s; want an MQL with an SDR", l.Score, l.Grade, l.RoutingRule, l.OwnerID)
	}
	sdr, before := l.OwnerID, l.Score

	code, out = a.Call(t, "POST", "/v1/leads/"+id+"/touches", `{"activity":"email_clicked"}`)
	if code != http.StatusAccepted || int(out["score"].(float64)) != before+3 || out["rerouted"] == true {
		t.Fatalf("email click: %d %v; want 202, score +3, no re-route", code, out)
	}
	code, out = a.Call(t, "POST", "/v1/leads/"+id+"/touches", `{"touches":[{"activity":"demo_requested","at":"2026-11-24T14:00:00Z"}]}`, "Idempotency-Key", "t-1")
	if code != http.StatusAccepted || out["grade"] != "sql" || out["rerouted"] != true {
		t.Fatalf("demo touch: %d %v; want 202, sql, rerouted", code, out)
	}
	l, _ = a.Store.GetLead(context.Background(), id)
	if l.RoutingRule != "na-enterprise-sql" || !repIn(t, org, "na-ae", l.OwnerID) || l.Rerouted == nil || l.Rerouted.FromOwnerID != sdr {
		t.Fatalf("after demo: rule %s owner %s rerouted %+v; want na-enterprise-sql to an AE, the SDR kept", l.RoutingRule, l.OwnerID, l.Rerouted)
	}
	if !strings.Contains(l.RoutingExplanation, "crossed SQL threshold 70") || !strings.Contains(l.RoutingExplanation, "na-inbound") {
		t.Fatalf("explanation %q should say why and keep the first routing", l.RoutingExplanation)
	}
	ae := l.OwnerID
	// The same request again changes nothing; more touches re-score but never re-route again.
	code, out = a.Call(t, "POST", "/v1/leads/"+id+"/touches", `{"touches":[{"activity":"demo_requested","at":"2026-11-24T14:00:00Z"}]}`, "Idempotency-Key", "t-1")
	if code != http.StatusOK || out["duplicate"] != true {
		t.Fatalf("replay: %d %v", code, out)
	}
	code, out = a.Call(t, "POST", "/v1/leads/"+id+"/touches", `{"activity":"pricing_page_viewed"}`)
	if code != http.StatusAccepted || out["rerouted"] == true || out["ownerId"] != ae {
		t.Fatalf("later touch: %d %v", code, out)
	}
	for _, tc := range []struct{ body, field string }{{`{"at":"2026-11-24T14:00:00Z"}`, "activity"}, {`{"activity":"x","at":"yesterday"}`, "at"}} {
		if code, out := a.Call(t, "POST", "/v1/leads/"+id+"/touches", tc.body); code != 400 || !slices.Contains(apptest.FieldsOf(out), tc.field) {
			t.Fatalf("%s: %d %v; want 400 naming %s", tc.body, code, out, tc.field)
		}
	}
	if code, _ := a.Call(t, "POST", "/v1/leads/lead_unknown/touches", `{"activity":"demo_requested"}`); code != 404 {
		t.Fatalf("unknown lead: %d, want 404", code)
	}
}

func TestMergedSubmissionIsReScored(t *testing.T) {
	a := apptest.New(t, apptest.SampleOrg(t), tuesday)
	_, out := a.Call(t, "POST", "/v1/leads", `{"email":"kim@hooli.example","country":"US","employees":300}`)
	id := out["id"].(string)
	l := qualifyAndRoute(t, a, id)
	first := l.Score
	// The same person fills in the demo form: the form's fields and its touch count.
	if code := postForm(t, a, "demo-request", "work_email=kim%40hooli.example&job_title=Head+of+IT&company_size=300"); code != http.StatusOK {
		t.Fatalf("merged form post: %d, want 200", code)
	}
	l, _ = a.Store.GetLead(context.Background(), id)
	if l.Score != first+10+30 || l.Title != "Head of IT" {
		t.Fatalf("after merge: score %d (was %d), title %q; want +10 decision-maker +30 demo", l.Score, first, l.Title)
	}
}

func TestStateWithCountryMatchesATerritoryOfRegions(t *testing.T) {
	org := apptest.SampleOrg(t)
	org.Territories = append(org.Territories, domain.Territory{ID: "us-west", Regions: []string{"US-CA", "US-WA"}})
	org.Routing.Rules = append([]domain.RoutingRule{{ID: "west-coast", Match: domain.RoutingMatch{Territories: []string{"us-west"}},
		Action: domain.RoutingAction{Rep: "daniel-garcia"}}}, org.Routing.Rules...)
	a := apptest.New(t, org, tuesday)
	for _, tc := range []struct{ body, rule string }{
		{`{"email":"a@west.example","country":"US","state":"CA"}`, "west-coast"},
		{`{"email":"b@west2.example","country":"United States","state":"Washington"}`, "west-coast"},
		{`{"email":"c@east.example","country":"US","state":"NY"}`, "na-inbound"},
	} {
		code, out := a.Call(t, "POST", "/v1/leads", tc.body)
		if code != http.StatusAccepted {
			t.Fatalf("%s: %d %v", tc.body, code, out)
		}
		if l := qualifyAndRoute(t, a, out["id"].(string)); l.RoutingRule != tc.rule {
			t.Fatalf("%s: region %q routed by %s; want %s", tc.body, l.Region, l.RoutingRule, tc.rule)
		}
	}
}
