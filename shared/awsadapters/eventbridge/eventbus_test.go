package eventbridge

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/dealflow/dealflow/shared/events"
)

type fakeEB struct{ in []PutEventsEntry }

func (f *fakeEB) PutEvents(_ context.Context, in []PutEventsEntry) (PutEventsOutput, error) {
	f.in = in
	return PutEventsOutput{FailedEntryCount: 1, Entries: []PutEventsResult{
		{EventID: "e-1"}, {ErrorCode: "InternalFailure", ErrorMessage: "try again"}}}, nil
}

func TestPublisherReportsPerEntryFailures(t *testing.T) {
	f := &fakeEB{}
	p := Publisher{Client: f, Bus: "dealflow-prod"}
	ids, err := p.Publish(context.Background(), []events.Entry{
		{Source: "dealflow", DetailType: "Lead Received", Detail: `{}`, EventBusName: "dealflow"},
		{Source: "dealflow", DetailType: "Lead Routed", Detail: `{}`},
	})
	if err == nil || !strings.Contains(err.Error(), "entry 1: InternalFailure: try again") || ids[0] != "e-1" {
		t.Fatalf("ids %v err %v", ids, err)
	}
	if f.in[0].EventBusName != "dealflow-prod" {
		t.Fatalf("the logical bus name must map to the deployed bus, got %s", f.in[0].EventBusName)
	}
}

func TestHTTPClientCallsPutEvents(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body struct{ Entries []map[string]any }
		_ = json.Unmarshal(b, &body)
		if r.Header.Get("X-Amz-Target") != "AWSEvents.PutEvents" || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" ||
			!strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/events/aws4_request") || len(body.Entries) != 1 ||
			body.Entries[0]["DetailType"] != "Lead Received" || body.Entries[0]["EventBusName"] != "dealflow-prod" || body.Entries[0]["Time"] != 1.7e9 {
			t.Errorf("request %v %s", r.Header, b)
		}
		_, _ = io.WriteString(w, `{"FailedEntryCount":0,"Entries":[{"EventId":"e-9"}]}`)
	}))
	defer srv.Close()
	c := NewHTTPClient(aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")})
	if c.Endpoint != "https://events.eu-west-1.amazonaws.com" {
		t.Errorf("endpoint %s", c.Endpoint)
	}
	c.Endpoint = srv.URL
	p := Publisher{Client: c, Bus: "dealflow-prod"}
	ids, err := p.Publish(context.Background(), []events.Entry{{Source: "dealflow", DetailType: "Lead Received", Detail: `{"id":"l-1"}`, Time: time.Unix(1.7e9, 0)}})
	if err != nil || len(ids) != 1 || ids[0] != "e-9" {
		t.Fatal(ids, err)
	}
}
