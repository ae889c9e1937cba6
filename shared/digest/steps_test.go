package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/dealflow/dealflow/shared/digest/render"
	"github.com/dealflow/dealflow/shared/digest/render/charts"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
)

// stepPayloadLimit is the size limit of a Step Functions state's input and output (and of a
// Lambda result): https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
const stepPayloadLimit = 256 * 1024

// through passes v through JSON into out, as Step Functions hands one step's result to the next,
// and returns the JSON size.
func through(t testing.TB, v, out any) int {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return len(b)
}

// renderDeferred runs the render step as functions/digest-render does: charts left as specs
// (RenderDigest always defers them to the digest-charts step, whatever d.Charts is).
func renderDeferred(t testing.TB, d *Service, in DigestComputed) (DigestRendered, error) {
	t.Helper()
	return d.RenderDigest(context.Background(), in)
}

// digestSteps runs the workflow's compute → render → charts → send on a plan, through JSON
// between the steps like statemachines/manager-digest.asl.json.
func digestSteps(t testing.TB, d *Service, plan DigestPlan) (DigestPlan, error) {
	t.Helper()
	ctx := context.Background()
	computed, err := d.ComputeDigest(ctx, plan)
	if err != nil {
		return DigestPlan{}, err
	}
	var in DigestComputed
	through(t, computed, &in)
	rendered, err := renderDeferred(t, d, in)
	if err != nil {
		return DigestPlan{}, err
	}
	var draw DigestRendered
	through(t, rendered, &draw)
	drawn, err := d.DrawDigestCharts(ctx, draw)
	if err != nil {
		return DigestPlan{}, err
	}
	var send DigestRendered
	through(t, drawn, &send)
	return d.SendDigest(ctx, send)
}

// The render step gets the report as JSON (without its periods, which it recomputes from the
// plan) and, with the charts step, renders the same email, byte for byte, as rendering the
// computed report in process; the payloads of a team with a big stale backlog stay under the
// Step Functions limit.
func TestDigestStepsRenderTheSameEmailWithinPayloadLimits(t *testing.T) {
	f := newFixture(t, benchOrg(t), benchAsOf)
	seedBig(t, f.deps.Store, 5_000, benchAsOf)
	ctx := context.Background()
	plan, err := f.deps.PlanDigest(ctx, DigestRequest{DigestID: "digest-big", Manager: "big-mgr", Period: "week", At: benchAsOf})
	if err != nil {
		t.Fatal(err)
	}
	computed, err := f.deps.ComputeDigest(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	r := *computed.Report
	if r.StaleMore.Count == 0 {
		t.Fatalf("fixture has %d stale deals, want more than the list holds", len(r.Stale))
	}
	mgr, team, _ := f.deps.digestManager("big-mgr")
	want, err := render.Render(r, render.Options{Org: f.deps.Org, Manager: mgr, Team: team, PreferencesURL: f.deps.digestPreferencesURL(mgr), Charts: charts.Draw})
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Images) == 0 {
		t.Fatal("no charts drawn: the payload check would miss them")
	}

	var in DigestComputed
	computedSize := through(t, computed, &in)
	rendered, err := renderDeferred(t, f.deps, in)
	if err != nil {
		t.Fatal(err)
	}
	var pending DigestRendered
	renderedSize := through(t, rendered, &pending)
	// An email whose charts are not drawn yet is not sent.
	if _, err := f.deps.SendDigest(ctx, pending); !errors.As(err, new(platform.ErrBadInput)) {
		t.Errorf("send before the charts step: %v, want ErrBadInput", err)
	}
	drawn, err := f.deps.DrawDigestCharts(ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	var out DigestRendered
	chartsSize := through(t, drawn, &out)
	got := out.Email
	if got.Subject != want.Subject || got.HTML != want.HTML || got.Text != want.Text {
		t.Errorf("email rendered from the JSON report differs from the in-process one")
	}
	if len(got.Images) != len(want.Images) {
		t.Fatalf("%d images, want %d", len(got.Images), len(want.Images))
	}
	pngs := 0
	for i, img := range got.Images {
		w := want.Images[i]
		if img.ContentID != w.ContentID || img.ContentType != w.ContentType || !bytes.Equal(img.Data, w.Data) {
			t.Errorf("image %d (%s) differs", i, w.ContentID)
		}
		pngs += len(img.Data)
	}
	t.Logf("stale: %d listed + %d counted; output of compute %d B, render %d B, charts %d B (%d images, %d B of PNG)",
		len(r.Stale), r.StaleMore.Count, computedSize, renderedSize, chartsSize, len(got.Images), pngs)
	for step, n := range map[string]int{"compute": computedSize, "render": renderedSize, "charts": chartsSize} {
		if n >= stepPayloadLimit {
			t.Errorf("%s step output %d B, want < %d B", step, n, stepPayloadLimit)
		}
	}

	// The send step sends that email, charts inline, and hands the plan on to Record.
	rec := &recordingMailer{next: f.deps.Mailer}
	f.deps.Mailer = rec
	sent, err := f.deps.SendDigest(ctx, out)
	if err != nil || sent.MessageID == "" || sent.PeriodKey != plan.PeriodKey {
		t.Fatalf("send = %+v, %v", sent, err)
	}
	if len(rec.sent) != 1 {
		t.Fatalf("%d messages, want 1", len(rec.sent))
	}
	m := rec.sent[0]
	if m.To[0] != "big-mgr@fixture.example" || m.Subject != want.Subject || m.HTML != want.HTML || m.Text != want.Text ||
		len(m.Inline) != len(want.Images) || !bytes.Equal(m.Inline[0].Data, want.Images[0].Data) || m.IdempotencyKey != "digest:big-mgr:"+plan.PeriodKey {
		t.Errorf("sent message to %v (key %s, %d images) differs from the rendered email", m.To, m.IdempotencyKey, len(m.Inline))
	}
}

// recordingMailer keeps the messages it passes on.
type recordingMailer struct {
	next notify.Mailer
	sent []notify.Message
}

func (r *recordingMailer) Send(ctx context.Context, m notify.Message) (string, error) {
	r.sent = append(r.sent, m)
	return r.next.Send(ctx, m)
}

// A plan that is already sent passes through the three steps untouched: nothing computed, nothing sent.
func TestDigestStepsSkipAnAlreadySentPlan(t *testing.T) {
	f := digestFixture(t)
	plan := DigestPlan{DigestID: "digest-mgr", Manager: "mgr", Period: "week", PeriodKey: "2026-W47", At: f.clock.Now(), AlreadySent: true, MessageID: "m-1"}
	got, err := digestSteps(t, f.deps, plan)
	if err != nil || got != plan {
		t.Fatalf("steps = %+v, %v; want the plan unchanged", got, err)
	}
	if msgs, _ := f.outbox.List(context.Background(), "", 10); len(msgs) != 0 {
		t.Errorf("%d messages sent, want none", len(msgs))
	}
}
