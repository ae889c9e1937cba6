// Package eventbridge is events.Publisher on EventBridge (functions/ wire it; business code never
// imports it). It is one of the shared/awsadapters packages, one per AWS service, so a Lambda
// bootstrap links only the AWS clients its function uses (infra/README.md).
package eventbridge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/dealflow/dealflow/shared/awsadapters/awsjson"
	"github.com/dealflow/dealflow/shared/events"
)

// PutEventsEntry is one entry of a PutEvents request.
type PutEventsEntry struct {
	Source       string   `json:"Source"`
	DetailType   string   `json:"DetailType"`
	Detail       string   `json:"Detail"`
	EventBusName string   `json:"EventBusName"`
	Resources    []string `json:"Resources,omitempty"`
	// Time is epoch seconds (the JSON protocol's timestamp); 0 = the time of the call.
	Time float64 `json:"Time,omitempty"`
}

// PutEventsResult is the answer for one entry: an event id, or an error code and message.
type PutEventsResult struct {
	EventID      string `json:"EventId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// PutEventsOutput is the answer of PutEvents, one result per entry in order.
type PutEventsOutput struct {
	FailedEntryCount int               `json:"FailedEntryCount"`
	Entries          []PutEventsResult `json:"Entries"`
}

// EventBridgeAPI puts events on a bus.
type EventBridgeAPI interface {
	PutEvents(ctx context.Context, entries []PutEventsEntry) (PutEventsOutput, error)
}

// HTTPClient is EventBridgeAPI on the EventBridge JSON API, signed with SigV4
// (shared/awsadapters/awsjson; the SDK's eventbridge package would add ~0.4 MB).
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
type HTTPClient struct{ awsjson.Client }

// NewHTTPClient returns the EventBridge client of cfg's region.
func NewHTTPClient(cfg aws.Config) HTTPClient {
	return HTTPClient{awsjson.Client{Config: cfg, Service: "events", Endpoint: awsjson.Endpoint("events", cfg.Region)}}
}

func (c HTTPClient) PutEvents(ctx context.Context, entries []PutEventsEntry) (PutEventsOutput, error) {
	var out PutEventsOutput
	err := c.Do(ctx, "POST", "/", map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"},
		struct {
			Entries []PutEventsEntry `json:"Entries"`
		}{entries}, &out)
	return out, err
}

// Publisher sends entries to the dealflow bus.
type Publisher struct {
	Client EventBridgeAPI
	Bus    string
}

// Publish puts entries (at most 10) and fails if any entry failed: PutEvents answers 200 with
// per-entry errors, which must not pass as success.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
func (p Publisher) Publish(ctx context.Context, entries []events.Entry) ([]string, error) {
	in := make([]PutEventsEntry, 0, len(entries))
	for _, e := range entries {
		bus := p.Bus
		if e.EventBusName != "" && e.EventBusName != events.BusName {
			bus = e.EventBusName
		}
		ent := PutEventsEntry{Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, EventBusName: bus, Resources: e.Resources}
		if !e.Time.IsZero() {
			ent.Time = float64(e.Time.UnixNano()) / float64(time.Second)
		}
		in = append(in, ent)
	}
	out, err := p.Client.PutEvents(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("put events: %w", err)
	}
	ids := make([]string, len(entries))
	var errs []string
	for i, r := range out.Entries {
		if i >= len(ids) {
			break
		}
		if r.ErrorCode != "" {
			errs = append(errs, fmt.Sprintf("entry %d: %s: %s", i, r.ErrorCode, r.ErrorMessage))
			continue
		}
		ids[i] = r.EventID
	}
	if len(errs) > 0 {
		return ids, fmt.Errorf("put events: %d failed: %s", out.FailedEntryCount, strings.Join(errs, "; "))
	}
	return ids, nil
}
