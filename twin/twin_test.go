package twin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/webhook"
)

// Secret values the stories give the stack (set by the operator on AWS, infra/README.md "Secrets").
var storySecrets = map[string]string{
	"lead-signing-keys":  `["lead-secret"]`,
	"hubspot-app-secret": "hs-secret",
	"link-signing-key":   "link-key-0123456789abcdef0123456789abcdef",
}

// inputs finds the cloud assembly and the amd64 bootstraps `make test-aws` prepares and names in
// TWIN_CDK_OUT and TWIN_BOOTSTRAPS. A plain `go test ./...` (without them) skips, saying so: make
// test runs make test-aws. When they are named but missing, the stories fail.
func inputs(t testing.TB) (string, string) {
	cdk, boot := os.Getenv("TWIN_CDK_OUT"), os.Getenv("TWIN_BOOTSTRAPS")
	if cdk == "" && boot == "" {
		t.Skip("the AWS twin runs under make test-aws (TWIN_CDK_OUT and TWIN_BOOTSTRAPS unset)")
	}
	var missing []string
	if m, _ := filepath.Glob(filepath.Join(cdk, "*.template.json")); cdk == "" || len(m) == 0 {
		missing = append(missing, "TWIN_CDK_OUT="+cdk+" holds no *.template.json (make synth)")
	}
	if _, err := os.Stat(boot); boot == "" || err != nil {
		missing = append(missing, "TWIN_BOOTSTRAPS="+boot+" does not exist (make build-lambdas-amd64)")
	}
	if len(missing) > 0 {
		t.Fatal("the AWS twin cannot run: " + strings.Join(missing, "; "))
	}
	return cdk, boot
}

var (
	sharedOnce sync.Once
	sharedTwin *Twin
	sharedErr  error
)

// stack is the twin all stories share (starting bootstraps is the slow part); each story uses
// its own lead, deal and handoff ids so they do not see each other's work.
func stack(t *testing.T) *Twin {
	t.Helper()
	cdk, boot := inputs(t)
	sharedOnce.Do(func() {
		sharedTwin, sharedErr = Start(context.Background(), Options{CDKOut: cdk, BootstrapDir: boot, Secrets: storySecrets})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	tw := sharedTwin
	before := len(tw.Denied())
	t.Cleanup(func() {
		// A call IAM refused fails the story, naming the action, as it would break on AWS.
		for _, c := range tw.Denied()[before:] {
			t.Errorf("IAM denied %s to %s on %s", c.Action, c.Function, c.Resource)
		}
		if t.Failed() {
			tw.dumpLogs(t)
		}
	})
	return tw
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedTwin != nil {
		sharedTwin.Close()
	}
	os.Exit(code)
}

func (tw *Twin) dumpLogs(t *testing.T) {
	seen := map[string]int{}
	for _, c := range tw.Calls() {
		seen[c.Function+" "+c.Action]++
	}
	t.Logf("AWS calls: %v", seen)
	for _, m := range tw.Outbox() {
		t.Logf("mail to %v: %s", m.To, m.Subject)
	}
	for name, f := range tw.Functions {
		lines := f.Logs()
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		for _, l := range lines {
			t.Logf("[%s] %s", name, l)
		}
	}
}

// call sends one request to the HTTP API.
func call(t *testing.T, tw *Twin, method, path string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, tw.APIURL()+path, bytes.NewReader(body))
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func signedLead(t *testing.T, tw *Twin, body string) (int, string) {
	return call(t, tw, http.MethodPost, "/v1/leads", []byte(body), map[string]string{"Dealflow-Signature": webhook.Sign([]byte(body), time.Now(), "lead-secret")})
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if ok() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", d, what)
}

func mailTo(tw *Twin, contains string) []Email {
	var out []Email
	for _, m := range tw.Outbox() {
		if strings.Contains(m.Subject+m.Text+m.HTML, contains) {
			out = append(out, m)
		}
	}
	return out
}

func fnName(tw *Twin, suffix string) string {
	for n := range tw.Functions {
		if strings.HasSuffix(n, "-"+suffix) {
			return n
		}
	}
	return ""
}

func callsBy(tw *Twin, fn, action string) int {
	n := 0
	for _, c := range tw.Calls() {
		if c.Function == fn && c.Action == action && !c.Denied {
			n++
		}
	}
	return n
}

func leadID(t *testing.T, body string) string {
	var v struct {
		ID     string `json:"id"`
		LeadID string `json:"leadId"`
	}
	_ = json.Unmarshal([]byte(body), &v)
	if v.ID == "" && v.LeadID == "" {
		t.Fatalf("no lead id in %s", body)
	}
	return v.ID + v.LeadID
}

// TestStoryLeadRoutedOwnerMailed: a signed lead posted to the API is routed and its owner mailed,
// through intake, the bus rule, the Express qualification workflow and its Lambdas.
func TestStoryLeadRoutedOwnerMailed(t *testing.T) {
	tw := stack(t)
	ctx := context.Background()
	email := fmt.Sprintf("story1-%d@example-gmbh.de", time.Now().UnixNano())
	code, body := signedLead(t, tw, fmt.Sprintf(`{"email":%q,"name":"Erika Muster","company":"Example GmbH","country":"DE","employees":"250"}`, email))
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/leads = %d %s, want 202", code, body)
	}
	// On AWS the outbox-relay schedule publishes within a minute whatever intake did; the story
	// fires it once so that this story checks routing and mail, not the inline relay.
	time.Sleep(300 * time.Millisecond)
	if _, err := tw.FireSchedule(ctx, "outbox-relay"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "the owner's notification mail", func() bool { return len(mailTo(tw, "Erika Muster")) > 0 })
	m := mailTo(tw, "Erika Muster")[0]
	if len(m.To) == 0 || !strings.Contains(m.From, "dealflow@northwind.example") {
		t.Errorf("mail %+v: want From the org's sender and a recipient", m)
	}
}

// TestStoryLeadReceivedPublishedInline: intake publishes Lead Received itself, right after the
// write, so the lead does not wait for the one-a-minute sweeper.
func TestStoryLeadReceivedPublishedInline(t *testing.T) {
	tw := stack(t)
	intake := fnName(tw, "intake")
	before := callsBy(tw, intake, "events:PutEvents")
	email := fmt.Sprintf("story2-%d@example-ag.de", time.Now().UnixNano())
	code, body := signedLead(t, tw, fmt.Sprintf(`{"email":%q,"name":"Inline Relay","company":"Example AG","country":"DE","employees":"80"}`, email))
	if code != http.StatusAccepted {
		t.Fatalf("POST /v1/leads = %d %s, want 202", code, body)
	}
	waitFor(t, 3*time.Second, "intake's own PutEvents of Lead Received", func() bool { return callsBy(tw, intake, "events:PutEvents") > before })
}
