package webhook

import (
	"reflect"
	"testing"
	"time"
)

func TestParseHubSpotBatch(t *testing.T) {
	// Shapes from HubSpot's webhook payload reference: creation, propertyChange, a retry of the
	// same event (higher attemptNumber), a generic object.* event and a merge.
	body := `[
	 {"eventId":100,"subscriptionId":1234,"portalId":62515,"appId":54321,"occurredAt":1767225600000,
	  "subscriptionType":"contact.creation","attemptNumber":0,"objectId":501,"changeFlag":"CREATED","changeSource":"CRM_UI","sourceId":"userId:7"},
	 {"eventId":101,"subscriptionId":1235,"portalId":62515,"appId":54321,"occurredAt":1767225601000,
	  "subscriptionType":"contact.propertyChange","attemptNumber":0,"objectId":501,"propertyName":"email","propertyValue":"anna@acme.de","changeSource":"FORM"},
	 {"eventId":100,"subscriptionId":1234,"portalId":62515,"appId":54321,"occurredAt":1767225600000,
	  "subscriptionType":"contact.creation","attemptNumber":1,"objectId":501},
	 {"eventId":"102","subscriptionId":1236,"portalId":62515,"occurredAt":1767225602000,
	  "subscriptionType":"object.creation","objectTypeId":"0-1","objectId":502,"newField":{"ignored":true}},
	 {"eventId":103,"subscriptionId":1237,"portalId":62515,"subscriptionType":"contact.merge","objectId":503,
	  "primaryObjectId":503,"mergedObjectIds":[504,505]}
	]`
	events, err := ParseHubSpotBatch([]byte(body))
	if err != nil {
		t.Fatalf("ParseHubSpotBatch: %v", err)
	}
	want := []HubSpotEvent{
		{EventID: 100, SubscriptionID: 1234, PortalID: 62515, AppID: 54321, OccurredAtMS: 1767225600000,
			SubscriptionType: "contact.creation", ObjectID: 501, ChangeFlag: "CREATED", ChangeSource: "CRM_UI", SourceID: "userId:7"},
		{EventID: 101, SubscriptionID: 1235, PortalID: 62515, AppID: 54321, OccurredAtMS: 1767225601000,
			SubscriptionType: "contact.propertyChange", ObjectID: 501, PropertyName: "email", PropertyValue: "anna@acme.de", ChangeSource: "FORM"},
		{EventID: 102, SubscriptionID: 1236, PortalID: 62515, OccurredAtMS: 1767225602000,
			SubscriptionType: "object.creation", ObjectTypeID: "0-1", ObjectID: 502},
		{EventID: 103, SubscriptionID: 1237, PortalID: 62515, SubscriptionType: "contact.merge", ObjectID: 503,
			PrimaryObjectID: 503, MergedObjectIDs: []int64{504, 505}},
	}
	if !reflect.DeepEqual(events, want) {
		t.Fatalf("events\n got %+v\nwant %+v", events, want)
	}
	for _, e := range events {
		if !e.IsContact() {
			t.Errorf("event %d is a contact event", e.EventID)
		}
	}
	if got := events[0].DedupeKey(); got != "hubspot:62515:1234:100" {
		t.Errorf("DedupeKey = %q", got)
	}
	if got := events[1].Action(); got != "propertyChange" {
		t.Errorf("Action = %q", got)
	}
	if got := events[0].OccurredAt(); !got.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("OccurredAt = %v", got)
	}
}

func TestParseHubSpotBatchErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"object instead of array", `{"eventId":1}`, "body: must be a JSON array of HubSpot events"},
		{"not json", `eventId=1`, "body: not valid JSON (invalid character 'e' looking for beginning of value at byte 1)"},
		{"empty", ``, "body: empty; send a JSON array of HubSpot events"},
		{"trailing data", `[] []`, "body: unexpected data after the JSON array"},
		{"missing ids", `[{"subscriptionType":"contact.creation"}]`, "[0].eventId: required; [0].objectId: required"},
		{"wrong types", `[{"eventId":1.5,"subscriptionType":7,"objectId":true}]`, "[0].eventId: must be a whole number; [0].objectId: must be a whole number"},
		{"element not an object", `[null]`, "[0]: must be an event object"},
		{"merged ids not numbers", `[{"eventId":1,"subscriptionType":"contact.merge","objectId":2,"mergedObjectIds":["a"]}]`, "[0].mergedObjectIds: must be an array of whole numbers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseHubSpotBatch([]byte(tc.body))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
		})
	}
	if ev, err := ParseHubSpotBatch([]byte(`[]`)); err != nil || len(ev) != 0 {
		t.Fatalf("empty batch: %v %v", ev, err)
	}
}

func TestHubSpotContactInput(t *testing.T) {
	in := HubSpotContactInput(501, map[string]string{"email": "anna@acme.de", "firstname": "Anna", "lastname": "Schmidt",
		"jobtitle": "CFO", "mobilephone": "+49 171 1234567", "phone": "+49 30 1234567", "numberofemployees": "250",
		"hs_lead_status": "NEW"})
	if in.Source != "hubspot" || in.ExternalID != "501" || in.Email != "anna@acme.de" || in.FirstName != "Anna" ||
		in.Title != "CFO" || in.Phone != "+49 30 1234567" || in.Employees != "250" || in.Attributes["hubspot.hs_lead_status"] != "NEW" {
		t.Fatalf("HubSpotContactInput = %+v", in)
	}
}
