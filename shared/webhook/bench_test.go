package webhook

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// Benchmarks for the per-request cost of intake (go test -bench . -benchtime 2000x ./shared/webhook/).

func benchBatch(n int) []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"eventId":` + strconv.Itoa(i) + `,"subscriptionId":1,"portalId":62515,"appId":5,"occurredAt":1767225600000,"subscriptionType":"contact.propertyChange","attemptNumber":0,"objectId":` + strconv.Itoa(1000+i) + `,"propertyName":"email","propertyValue":"x@acme.example","changeSource":"CRM_UI"}`)
	}
	b.WriteString("]")
	return []byte(b.String())
}

func BenchmarkHubSpotVerifyV3(b *testing.B) {
	body := benchBatch(10)
	uri := "https://hooks.example.com/v1/webhooks/hubspot?x=%3A"
	r := HubSpotRequest{Version: HubSpotV3, Method: "POST", URI: uri, Body: body, Timestamp: "1767225600000",
		Signature: SignHubSpotV3("k2", "POST", uri, body, "1767225600000")}
	v := HubSpotVerifier{Secrets: []string{"k1", "k2"}}
	now := time.UnixMilli(1767225601000)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(r, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDealflowVerify(b *testing.B) {
	body := []byte(`{"email":"anna@acme.de","first_name":"Anna","company":"Acme","country":"DE","employees":900}`)
	at := time.Unix(1767225600, 0)
	h := Sign(body, at, "k")
	v := DealflowVerifier{Secrets: []string{"old", "k"}}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(h, body, at); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLeadJSON(b *testing.B) {
	body := []byte(`{"email":"Anna@Acme.de","first_name":"Anna","last_name":"Schmidt","company":"Acme GmbH","country":"Deutschland","phone":"030 1234567","employees":"1.200","title":"Head of Sales","utm_source":"ads"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLeadJSON(body, "api", leadNormalizer); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseHubSpotBatch100(b *testing.B) {
	body := benchBatch(100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHubSpotBatch(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseForm(b *testing.B) {
	body := []byte("email=max%40mustermann.de&vorname=Max&nachname=Mustermann&firma=Mustermann+AG&land=%C3%96sterreich&telefon=01+5124567&utm_source=ads&_hp=")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseForm(body, "demo", "", leadNormalizer); err != nil {
			b.Fatal(err)
		}
	}
}
