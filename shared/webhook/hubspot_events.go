package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/qualify"
)

// HubSpotEvent is one notification of a HubSpot webhook batch. Field names follow HubSpot's
// webhook payload reference (developers.hubspot.com/docs/api/webhooks, "Webhook payloads").
type HubSpotEvent struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	AppID            int64  `json:"appId"`
	OccurredAtMS     int64  `json:"occurredAt"` // Unix milliseconds
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int64  `json:"attemptNumber"`
	ObjectID         int64  `json:"objectId"`
	ObjectTypeID     string `json:"objectTypeId,omitempty"` // generic (object.*) subscriptions: "0-1" is contact
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
	ChangeSource     string `json:"changeSource,omitempty"`
	ChangeFlag       string `json:"changeFlag,omitempty"`
	SourceID         string `json:"sourceId,omitempty"`
	// Merge events: the surviving record and the ones merged into it.
	PrimaryObjectID int64   `json:"primaryObjectId,omitempty"`
	MergedObjectIDs []int64 `json:"mergedObjectIds,omitempty"`
}

// OccurredAt is when the change happened in HubSpot.
func (e HubSpotEvent) OccurredAt() time.Time { return time.UnixMilli(e.OccurredAtMS).UTC() }

// DedupeKey identifies one HubSpot event across redeliveries. HubSpot documents eventId as "not
// guaranteed to be unique", so it is scoped to the portal and subscription that sent it; a retry
// of the same event (higher attemptNumber) has the same key.
func (e HubSpotEvent) DedupeKey() string {
	return fmt.Sprintf("hubspot:%d:%d:%d", e.PortalID, e.SubscriptionID, e.EventID)
}

// IsContact reports whether the event concerns a contact, in either subscription format
// ("contact.creation" or "object.creation" with objectTypeId 0-1).
func (e HubSpotEvent) IsContact() bool {
	return strings.HasPrefix(e.SubscriptionType, "contact.") || e.ObjectTypeID == "0-1"
}

// Action is the part after the dot: creation, propertyChange, deletion, merge, ...
func (e HubSpotEvent) Action() string {
	_, a, _ := strings.Cut(e.SubscriptionType, ".")
	return a
}

// maxHubSpotBatch bounds one request. HubSpot sends at most 100 events per request; the margin
// keeps us tolerant of a change without letting one request fan out without limit.
const maxHubSpotBatch = 1000

// ParseHubSpotBatch reads a HubSpot webhook body: a JSON array of events. Every event needs an
// eventId, a subscriptionType and (for object events) an objectId; unknown fields are ignored
// because HubSpot adds fields over time. Events repeated inside the batch (same DedupeKey) are
// returned once. The error is qualify.FieldErrors with paths such as "[2].eventId".
func ParseHubSpotBatch(body []byte) ([]HubSpotEvent, error) {
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		if _, isType := err.(*json.UnmarshalTypeError); isType {
			return nil, qualify.FieldErrors{{Field: "body", Reason: "must be a JSON array of HubSpot events"}}
		}
		return nil, qualify.FieldErrors{{Field: "body", Reason: jsonReason(err, "a JSON array of HubSpot events")}}
	}
	if raw == nil {
		return nil, qualify.FieldErrors{{Field: "body", Reason: "must be a JSON array of HubSpot events"}}
	}
	if len(bytes.TrimSpace(body[dec.InputOffset():])) > 0 {
		return nil, qualify.FieldErrors{{Field: "body", Reason: "unexpected data after the JSON array"}}
	}
	if len(raw) > maxHubSpotBatch {
		return nil, qualify.FieldErrors{{Field: "body", Reason: fmt.Sprintf("%d events in one request; at most %d are accepted", len(raw), maxHubSpotBatch)}}
	}
	var errs qualify.FieldErrors
	events := make([]HubSpotEvent, 0, len(raw))
	seen := make(map[string]bool, len(raw))
	for i, m := range raw {
		p := fmt.Sprintf("[%d].", i)
		if m == nil {
			errs.Add(fmt.Sprintf("[%d]", i), "must be an event object")
			continue
		}
		var e HubSpotEvent
		g := fieldGetter{m: m, path: p, errs: &errs}
		e.EventID = g.int("eventId", true)
		e.SubscriptionType = g.str("subscriptionType", true)
		isObject := !strings.HasPrefix(e.SubscriptionType, "conversation.") && e.SubscriptionType != "contact.privacyDeletion"
		e.ObjectID = g.int("objectId", isObject)
		e.SubscriptionID = g.int("subscriptionId", false)
		e.PortalID = g.int("portalId", false)
		e.AppID = g.int("appId", false)
		e.OccurredAtMS = g.int("occurredAt", false)
		e.AttemptNumber = g.int("attemptNumber", false)
		e.ObjectTypeID = g.str("objectTypeId", false)
		e.PropertyName = g.str("propertyName", false)
		e.PropertyValue = g.str("propertyValue", false)
		e.ChangeSource = g.str("changeSource", false)
		e.ChangeFlag = g.str("changeFlag", false)
		e.SourceID = g.str("sourceId", false)
		e.PrimaryObjectID = g.int("primaryObjectId", false)
		e.MergedObjectIDs = g.ints("mergedObjectIds")
		if seen[e.DedupeKey()] {
			continue
		}
		seen[e.DedupeKey()] = true
		events = append(events, e)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return events, nil
}

// fieldGetter reads typed fields from one event, collecting errors instead of stopping.
type fieldGetter struct {
	m    map[string]json.RawMessage
	path string
	errs *qualify.FieldErrors
}

func (g fieldGetter) int(name string, required bool) int64 {
	raw, ok := g.m[name]
	if !ok || isJSONNull(raw) {
		if required {
			g.errs.Add(g.path+name, "required")
		}
		return 0
	}
	s, scalar := jsonScalar(raw)
	n, err := strconv.ParseInt(s, 10, 64) // numbers, or numeric strings some proxies produce
	if !scalar || isJSONBool(raw) || err != nil {
		g.errs.Add(g.path+name, "must be a whole number")
		return 0
	}
	return n
}

func (g fieldGetter) str(name string, required bool) string {
	raw, ok := g.m[name]
	if !ok || isJSONNull(raw) {
		if required {
			g.errs.Add(g.path+name, "required")
		}
		return ""
	}
	s, scalar := jsonScalar(raw)
	if !scalar {
		g.errs.Add(g.path+name, "must be a string")
		return ""
	}
	if required && s == "" {
		g.errs.Add(g.path+name, "required")
	}
	return s
}

func (g fieldGetter) ints(name string) []int64 {
	raw, ok := g.m[name]
	if !ok || isJSONNull(raw) {
		return nil
	}
	var list []json.Number
	if err := json.Unmarshal(raw, &list); err != nil {
		g.errs.Add(g.path+name, "must be an array of whole numbers")
		return nil
	}
	out := make([]int64, 0, len(list))
	for _, n := range list {
		v, err := n.Int64()
		if err != nil {
			g.errs.Add(g.path+name, "must be an array of whole numbers")
			return nil
		}
		out = append(out, v)
	}
	return out
}

// hubspotContactProperties maps HubSpot's default contact property names to lead fields.
var hubspotContactProperties = map[string]string{
	"email": "email", "firstname": "firstName", "lastname": "lastName", "company": "company",
	"website": "website", "jobtitle": "title", "phone": "phone", "mobilephone": "phone",
	"country": "country", "state": "state", "numberofemployees": "employees", "industry": "industry",
}

// HubSpotContactInput builds a LeadInput from a contact's HubSpot properties (as a CRM client
// returns them, or as propertyChange events carry them one at a time). Properties without a lead
// field are kept as attributes prefixed "hubspot.". contactID becomes the external id.
func HubSpotContactInput(contactID int64, props map[string]string) qualify.LeadInput {
	in := qualify.LeadInput{Source: "hubspot", ExternalID: strconv.FormatInt(contactID, 10)}
	for k, v := range props {
		if canon, ok := hubspotContactProperties[strings.ToLower(k)]; ok {
			if canon == "phone" && in.Phone != "" {
				continue // "phone" wins over "mobilephone" whatever the map order
			}
			setLeadField(&in, canon, v)
			continue
		}
		if in.Attributes == nil {
			in.Attributes = map[string]string{}
		}
		in.Attributes["hubspot."+k] = v
	}
	if v, ok := props["phone"]; ok && v != "" {
		in.Phone = v
	}
	return in
}
