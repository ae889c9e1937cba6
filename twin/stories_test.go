package twin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/webhook"
)

const bantNotes = `{"fields":{"budget":"40k EUR","authority":"CFO signs","need":"replace spreadsheets","timeline":"Q1"},"text":"Demo went well."}`

func signed(t *testing.T, tw *Twin, method, path, body string) (int, map[string]any) {
	t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + apiToken(t, tw)}
	if method == http.MethodPost && path == "/v1/leads" {
		hdr = map[string]string{"Dealflow-Signature": webhook.Sign([]byte(body), time.Now(), "lead-secret")}
	}
	code, raw := call(t, tw, method, path, []byte(body), hdr)
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	if out == nil {
		out = map[string]any{"raw": raw}
	}
	return code, out
}

// routedLead posts a DACH lead and waits until its owner is mailed (the sweeper fired once).
func routedLead(t *testing.T, tw *Twin, tag string) string {
	t.Helper()
	n := time.Now().UnixNano()
	name := fmt.Sprintf("Kontakt %s %d", tag, n)
	code, out := signed(t, tw, http.MethodPost, "/v1/leads", fmt.Sprintf(`{"email":"k%d@firma%d.de","name":%q,"company":"Firma %d GmbH","country":"DE","employees":80}`, n, n, name, n))
	if code != http.StatusAccepted {
		t.Fatalf("lead answered %d %v", code, out)
	}
	id, _ := out["id"].(string)
	waitFor(t, 20*time.Second, "the lead routed and its owner mailed", func() bool {
		if len(mailTo(tw, name)) > 0 {
			return true
		}
		_, _ = tw.FireSchedule(context.Background(), "outbox-relay")
		time.Sleep(200 * time.Millisecond)
		return false
	})
	return id
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+/v1/handoffs/[^\s"<>]+/(accept|decline)\?[^\s"<>]+`)

// askLink waits for the AE's ask mail of a handoff and returns its Accept link's path and query.
func askLink(t *testing.T, tw *Twin, handoffID string) string {
	t.Helper()
	var link string
	waitFor(t, 20*time.Second, "the AE's handoff mail with an Accept link", func() bool {
		for _, m := range tw.Outbox() {
			for _, u := range linkRE.FindAllString(m.Text, -1) {
				if strings.Contains(u, handoffID) && strings.Contains(u, "/accept?") {
					link = u
				}
			}
		}
		return link != ""
	})
	u, err := url.Parse(strings.ReplaceAll(link, "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func handoff(t *testing.T, tw *Twin, leadID string) string {
	t.Helper()
	code, out := signed(t, tw, http.MethodPost, "/v1/leads/"+leadID+"/handoff", `{"sdrId":"jonas-becker","notes":`+bantNotes+`}`)
	if code != http.StatusAccepted {
		t.Fatalf("handoff answered %d %v", code, out)
	}
	id, _ := out["id"].(string)
	return id
}

// executionOf finds the execution of a machine whose input mentions id.
func executionOf(t *testing.T, tw *Twin, machineSuffix, id string) string {
	t.Helper()
	var arn string
	waitFor(t, 10*time.Second, "the "+machineSuffix+" execution for "+id, func() bool {
		for name, m := range tw.Machines {
			if !strings.HasSuffix(name, machineSuffix) {
				continue
			}
			xs, _ := tw.Engine.ListExecutions(context.Background(), m, "")
			for _, x := range xs {
				d, err := tw.Engine.DescribeExecution(context.Background(), x.ExecutionArn)
				if err == nil && strings.Contains(d.Input, id) {
					arn = x.ExecutionArn
					return true
				}
			}
		}
		return false
	})
	return arn
}

// entered reports whether an execution entered a state.
func entered(tw *Twin, arn, state string) bool {
	h, _ := tw.Engine.GetExecutionHistory(context.Background(), arn, false)
	for _, e := range h {
		if strings.HasSuffix(e.Type, "StateEntered") && fmt.Sprint(e.Details["name"]) == state {
			return true
		}
	}
	return false
}

func finished(tw *Twin, arn string) (string, bool) {
	d, err := tw.Engine.DescribeExecution(context.Background(), arn)
	if err != nil {
		return "", false
	}
	return d.Status, d.Status != sfn.StatusRunning
}

// TestStoryHandoffAcceptedBecomesDeal: an SDR hands a routed lead off; the AE gets a mail with an
// Accept link; clicking it creates the deal and ends the handoff workflow.
func TestStoryHandoffAcceptedBecomesDeal(t *testing.T) {
	tw := stack(t)
	lead := routedLead(t, tw, "handoff")
	id := handoff(t, tw, lead)
	accept := askLink(t, tw, id)
	code, body := call(t, tw, http.MethodPost, accept, nil, nil)
	if code != http.StatusOK {
		t.Fatalf("POST accept: %d %s", code, body)
	}
	if !strings.Contains(body, "angenommen") {
		t.Errorf("the accept page does not tell Max he accepted: %s", body)
	}
	x := executionOf(t, tw, "handoff", id)
	waitFor(t, 15*time.Second, "the handoff workflow to finish after the accept", func() bool { _, done := finished(tw, x); return done })
	if st, _ := finished(tw, x); st != sfn.StatusSucceeded {
		t.Fatalf("handoff workflow ended %s", st)
	}
	code, body = signed2(t, tw, http.MethodGet, "/v1/handoffs/"+id)
	var h map[string]any
	_ = json.Unmarshal([]byte(body), &h)
	dealID, _ := h["dealId"].(string)
	if code != http.StatusOK || dealID == "" {
		t.Fatalf("GET /v1/handoffs/%s = %d %s, want the deal it became", id, code, body)
	}
	code, body = signed2(t, tw, http.MethodGet, "/v1/deals/"+dealID)
	if code != http.StatusOK || !strings.Contains(body, lead) {
		t.Fatalf("GET /v1/deals/%s = %d %s, want the deal of lead %s", dealID, code, body, lead)
	}
}

func signed2(t *testing.T, tw *Twin, method, path string) (int, string) {
	return call(t, tw, method, path, nil, map[string]string{"Authorization": "Bearer " + apiToken(t, tw)})
}

// TestStoryWithdrawnHandoffEndsInSeconds: an SDR withdraws a handoff right after sending it,
// before the AE's ask is out; handoff-notify finds it withdrawn and must end its own wait, so the
// workflow ends within seconds, not after the SLA window.
func TestStoryWithdrawnHandoffEndsInSeconds(t *testing.T) {
	tw := stack(t)
	lead := routedLead(t, tw, "withdraw")
	release := tw.Functions[fnName(tw, "handoff-notify")].Hold()
	defer release()
	id := handoff(t, tw, lead)
	x := executionOf(t, tw, "handoff", id)
	waitFor(t, 10*time.Second, "the workflow to ask the AE", func() bool { return entered(tw, x, "AskAE") })
	if code, out := signed(t, tw, http.MethodPost, "/v1/handoffs/"+id+"/withdraw", `{"sdrId":"jonas-becker","reason":"paused"}`); code != http.StatusOK {
		t.Fatalf("withdraw: %d %v", code, out)
	}
	release()
	waitFor(t, 10*time.Second, "the withdrawn handoff's workflow to finish", func() bool { _, done := finished(tw, x); return done })
}

// TestStoryHubSpotWebhookAccepted: HubSpot signs v3 over the URL it called (the API's own
// endpoint: the stack creates no domain); the webhook is accepted.
// https://developers.hubspot.com/docs/api/webhooks/validating-requests
func TestStoryHubSpotWebhookAccepted(t *testing.T) {
	tw := stack(t)
	n := time.Now().UnixNano() % 1e9
	batch := fmt.Sprintf(`[{"eventId":%d,"subscriptionId":1,"portalId":7,"occurredAt":%d,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":%d}]`, n, time.Now().UnixMilli(), n)
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	code, body := call(t, tw, http.MethodPost, "/v1/webhooks/hubspot", []byte(batch), map[string]string{
		webhook.HeaderHubSpotTimestamp:   ts,
		webhook.HeaderHubSpotSignatureV3: webhook.SignHubSpotV3("hs-secret", http.MethodPost, tw.PublicURL()+"/v1/webhooks/hubspot", []byte(batch), ts),
	})
	if code != http.StatusOK {
		t.Fatalf("HubSpot webhook signed over %s: %d %s, want 200", tw.PublicURL()+"/v1/webhooks/hubspot", code, body)
	}
}

// TestStoryClosedWonStartsOnboarding: a deal moved to Closed Won starts Customer Success
// onboarding through the bus rule and the onboarding workflow.
func TestStoryClosedWonStartsOnboarding(t *testing.T) {
	tw := stack(t)
	name := fmt.Sprintf("Gewinn %d AG", time.Now().UnixNano())
	code, out := signed(t, tw, http.MethodPost, "/v1/deals", fmt.Sprintf(`{"name":%q,"ownerId":"max-hoffmann","stage":"negotiation","amount":"30000"}`, name))
	if code != http.StatusCreated && code != http.StatusOK && code != http.StatusAccepted {
		t.Fatalf("POST /v1/deals: %d %v", code, out)
	}
	id, _ := out["id"].(string)
	if code, out := signed(t, tw, http.MethodPatch, "/v1/deals/"+id, `{"stage":"closed-won"}`); code != http.StatusOK {
		t.Fatalf("PATCH closed-won: %d %v", code, out)
	}
	// The Deal Closed Won event leaves through the outbox like every event.
	x := ""
	waitFor(t, 20*time.Second, "an onboarding execution for the won deal", func() bool {
		for n, m := range tw.Machines {
			if !strings.Contains(n, "onboarding") {
				continue
			}
			xs, _ := tw.Engine.ListExecutions(context.Background(), m, "")
			for _, e := range xs {
				d, err := tw.Engine.DescribeExecution(context.Background(), e.ExecutionArn)
				if err == nil && strings.Contains(d.Input, id) {
					x = e.ExecutionArn
					return true
				}
			}
		}
		_, _ = tw.FireSchedule(context.Background(), "outbox-relay")
		time.Sleep(200 * time.Millisecond)
		return false
	})
	waitFor(t, 20*time.Second, "the CSM's onboarding mail", func() bool { return len(mailTo(tw, name)) > 0 })
	if st, done := finished(tw, x); done && st != sfn.StatusSucceeded {
		t.Fatalf("onboarding workflow ended %s", st)
	}
}

// TestStoryManagerDigest: the weekly digest schedule of a manager runs the digest workflow and
// mails the manager.
func TestStoryManagerDigest(t *testing.T) {
	tw := stack(t)
	before := len(tw.Outbox())
	x, err := tw.FireSchedule(context.Background(), "digest-katrin-mueller")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "the digest workflow to finish", func() bool { _, done := finished(tw, x); return done })
	if st, _ := finished(tw, x); st != sfn.StatusSucceeded {
		d, _ := tw.Engine.DescribeExecution(context.Background(), x)
		t.Fatalf("digest workflow ended %s: %v %v", st, ptr(d.Error), ptr(d.Cause))
	}
	got := false
	for _, m := range tw.Outbox()[before:] {
		for _, to := range m.To {
			if strings.Contains(to, "katrin") {
				got = true
			}
		}
	}
	if !got {
		t.Fatalf("no digest mail to Katrin Müller among %d new mails", len(tw.Outbox())-before)
	}
}

func ptr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestIAMRemovedStatementIsDenied proves the IAM check is real: the same lead story on a stack
// whose notify-owner role lacks its ses:SendEmail Statement mails nobody, and the twin reports
// the denied action, as AWS would answer AccessDeniedException.
func TestIAMRemovedStatementIsDenied(t *testing.T) {
	cdk, boot := inputs(t)
	var victim string
	tw, err := Start(context.Background(), Options{CDKOut: cdk, BootstrapDir: boot, Secrets: storySecrets,
		PolicyEdit: func(role string, stmts []Statement) []Statement {
			if !strings.HasPrefix(role, "FnNotifyOwnerRole") {
				return stmts
			}
			var out []Statement
			for _, s := range stmts {
				if len(s.Actions) > 0 && s.Actions[0] == "ses:SendEmail" {
					victim = role
					continue
				}
				out = append(out, s)
			}
			return out
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	if victim == "" {
		t.Fatal("the template has no ses:SendEmail Statement on the notify-owner role to remove")
	}
	name := fmt.Sprintf("IAM Probe %d", time.Now().UnixNano())
	code, body := signedLead(t, tw, fmt.Sprintf(`{"email":"iam%d@example.de","name":%q,"company":"Probe GmbH","country":"DE","employees":"50"}`, time.Now().UnixNano(), name))
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/leads = %d %s", code, body)
	}
	waitFor(t, 20*time.Second, "a denied ses:SendEmail", func() bool {
		for _, c := range tw.Denied() {
			if c.Action == "ses:SendEmail" && strings.HasSuffix(c.Function, "notify-owner") {
				return true
			}
		}
		_, _ = tw.FireSchedule(context.Background(), "outbox-relay")
		time.Sleep(200 * time.Millisecond)
		return false
	})
	if m := mailTo(tw, name); len(m) > 0 {
		t.Fatalf("mail went out although the role may not send: %+v", m[0])
	}
	for _, c := range tw.Denied() {
		if c.Action != "ses:SendEmail" {
			t.Errorf("only ses:SendEmail should be denied, also got %s by %s on %s", c.Action, c.Function, c.Resource)
		}
	}
}
