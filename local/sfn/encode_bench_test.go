package sfn

import "testing"

// BenchmarkEncodeDetails renders the details of a task's events the way Commit persists them:
// a lead-sized document with remembered key orders, nested once.
func BenchmarkEncodeDetails(b *testing.B) {
	ko := newKeyOrders(newKeyOrders(nil))
	ko.learn([]byte(`{"leadId":"L1","qualification":{"status":"qualified","grade":"mql","score":42,"reason":""},"route":{"ownerId":"r1","queue":"","rule":"emea","explanation":"rule emea → pool emea-ae"}}`))
	doc, err := decodeJSON([]byte(`{"leadId":"01JDEADBEEF","qualification":{"status":"qualified","grade":"mql","score":42,"reason":""},"route":{"ownerId":"rep-anna","queue":"","rule":"emea-enterprise","explanation":"rule emea-enterprise → pool emea-ae; skipped Anna (out of office until 2026-12-01); Ben has 3/5 today at weight 2"}}`))
	if err != nil {
		b.Fatal(err)
	}
	details := docDetails("output", doc)
	attachKeyOrders(details, ko)
	b.ReportAllocs()
	for range b.N {
		_ = encodeJSON(details)
	}
}
