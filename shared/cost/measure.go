package cost

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	minidyn "github.com/truora/minidyn/aws-v2/client"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/config"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/lead"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/outbox"
	"github.com/dealflow/dealflow/shared/phone"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/store/dynamo"
	"github.com/dealflow/dealflow/shared/webhook"
	"github.com/dealflow/dealflow/shared/workhours"
)

// LeadPath is what the lead workflow costs per lead in DynamoDB and in events, measured by running
// the AWS code path (the same handlers the Lambda functions run) against the DynamoDB store
// adapter on an in-process DynamoDB (minidyn) with a Meter.
type LeadPath struct {
	Leads        int            `json:"leads"`
	RRUPerLead   float64        `json:"rruPerLead"`
	WRUPerLead   float64        `json:"wruPerLead"`
	CallsPerLead map[string]any `json:"callsPerLead"`
	// EventsPerLead are the events the functions publish (EmitLeadRouted, a Step Functions
	// integration, is counted by the run's usage instead).
	EventsPerLead float64 `json:"eventsPerLead"`
	EmailsPerLead float64 `json:"emailsPerLead"`
	// StoredBytesPerLead is the table and index storage a lead leaves behind for good (lead,
	// dedupe and idempotency keys, counters); ExpiringBytesPerLead what DynamoDB TTL deletes
	// (published outbox events after 7 days).
	StoredBytesPerLead   float64 `json:"storedBytesPerLead"`
	ExpiringBytesPerLead float64 `json:"expiringBytesPerLead"`
}

type countingPublisher struct{ n int }

func (p *countingPublisher) Publish(_ context.Context, es []events.Entry) ([]string, error) {
	ids := make([]string, len(es))
	for i := range ids {
		p.n++
		ids[i] = fmt.Sprintf("ev-%d", p.n)
	}
	return ids, nil
}

type countingSender struct{ n int }

func (s *countingSender) Send(context.Context, notify.Message) (string, error) {
	s.n++
	return fmt.Sprintf("msg-%d", s.n), nil
}

// MeasureLeadPath sends n distinct DACH leads through intake (with its inline outbox relay),
// qualify-lead, route-lead and notify-owner (SES behind the idempotent wrapper), then one outbox
// sweep, and returns the request units and calls per lead.
func MeasureLeadPath(ctx context.Context, orgFile string, n int) (*LeadPath, error) {
	org, err := config.Load(orgFile)
	if err != nil {
		return nil, err
	}
	meter := NewMeter(minidyn.NewClient())
	// A Wednesday morning in Berlin: every rep is working, as during the day a bill is made of.
	clk := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st, err := dynamo.New(meter, "dealflow-cost", dynamo.WithClock(clk))
	if err != nil {
		return nil, err
	}
	if err := st.CreateTable(ctx); err != nil {
		return nil, fmt.Errorf("create table: %w", err)
	}
	pub := &countingPublisher{}
	ses := &countingSender{}
	d := &platform.Deps{Store: st, Org: org, Clock: clk, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Publisher: pub, Available: workhours.Availability(org), PhoneE164: phone.E164}
	d.Mailer = notify.Idempotent{
		Claim: func(ctx context.Context, k, v string) (string, bool, error) {
			return st.PutIdempotencyKey(ctx, k, v, 0)
		},
		Release: st.ReleaseIdempotencyKey,
		Next:    ses,
	}
	in, relay := lead.New(d), outbox.New(d)
	// Intake publishes the events of its write right after it, as the Lambda does (lambdaenv).
	var relayErr error
	st.OnOutboxWritten(func(ctx context.Context, evs []store.OutboxEvent) {
		if _, err := relay.Publish(ctx, pub, evs); err != nil && relayErr == nil {
			relayErr = err
		}
	})
	for i := 0; i < n; i++ {
		body := fmt.Appendf(nil, `{"email":"cost%d@firma%d.de","name":"Cost %d","company":"Firma %d GmbH","country":"DE","employees":"%d"}`, i, i, i, i, 20+i*37%3000)
		norm, err := webhook.ParseLeadJSON(body, "api", in.Normalizer)
		if err != nil {
			return nil, err
		}
		acc, err := in.Accept(ctx, norm.Lead, "")
		if err != nil {
			return nil, fmt.Errorf("lead %d: accept: %w", i, err)
		}
		ref := lead.LeadRef{LeadID: acc.ID}
		if _, err := in.QualifyLead(ctx, ref); err != nil {
			return nil, fmt.Errorf("lead %d: qualify: %w", i, err)
		}
		if _, err := in.RouteLead(ctx, ref); err != nil {
			return nil, fmt.Errorf("lead %d: route: %w", i, err)
		}
		if _, err := in.NotifyOwner(ctx, ref); err != nil {
			return nil, fmt.Errorf("lead %d: notify: %w", i, err)
		}
		clk.Advance(time.Second)
		if i%20 == 19 {
			// Spread the sample over working days, as real leads are: reps' daily caps must not
			// turn a sample into a queue of unassigned leads.
			clk.Advance(24 * time.Hour)
			for wd := clk.Now().Weekday(); wd == time.Saturday || wd == time.Sunday; wd = clk.Now().Weekday() {
				clk.Advance(24 * time.Hour)
			}
		}
	}
	if relayErr != nil {
		return nil, relayErr
	}
	if _, err := relay.SweepOutbox(ctx); err != nil {
		return nil, err
	}
	rru, wru, calls := meter.Units()
	staying, expiring := meter.Stored(ctx)
	lp := &LeadPath{Leads: n, RRUPerLead: rru / float64(n), WRUPerLead: wru / float64(n), CallsPerLead: map[string]any{},
		EventsPerLead: float64(pub.n) / float64(n), EmailsPerLead: float64(ses.n) / float64(n),
		StoredBytesPerLead: float64(staying) / float64(n), ExpiringBytesPerLead: float64(expiring) / float64(n)}
	for op, c := range calls {
		lp.CallsPerLead[op] = float64(c) / float64(n)
	}
	return lp, nil
}
