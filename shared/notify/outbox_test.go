package notify

import (
	"context"
	"database/sql"
	"io"
	"mime"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/dealflow/dealflow/shared/clock"
)

func TestOutboxStoresOncePerKeyAndExportsAReadableEML(t *testing.T) {
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "db")+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ob, err := OpenOutbox(db, clock.NewFake(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m := Message{From: "dealflow <noreply@example.com>", To: []string{"ben@example.com"}, Subject: "Neuer Lead: Müller GmbH",
		Text: "Hallo Ben,\nein neuer Lead.", HTML: "<p>Hallo Ben, ein <b>neuer</b> Lead.</p>", IdempotencyKey: "notify-owner:l-1",
		Inline: []Attachment{{ContentID: "chart1", ContentType: "image/png", Data: []byte("\x89PNG fake")}}}
	id1, err := ob.Send(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := ob.Send(ctx, m)
	if err != nil || id2 != id1 {
		t.Fatalf("second send: id %q err %v; want the first id %q", id2, err, id1)
	}
	if n, _ := ob.Count(ctx); n != 1 {
		t.Fatalf("outbox holds %d messages, want 1", n)
	}
	list, err := ob.List(ctx, "ben@example.com", 10)
	if err != nil || len(list) != 1 || list[0].Message.Subject != m.Subject {
		t.Fatalf("list = %+v, %v", list, err)
	}
	eml, err := ob.EML(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(string(eml)))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	if subj, _ := dec.DecodeHeader(parsed.Header.Get("Subject")); subj != m.Subject {
		t.Fatalf("subject = %q", subj)
	}
	body, _ := io.ReadAll(parsed.Body)
	for _, want := range []string{"multipart/related", "Content-ID: <chart1>", "text/plain; charset=utf-8"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("eml body lacks %q", want)
		}
	}
	if _, err := ob.Send(ctx, Message{From: "x@example.com", Subject: "s", IdempotencyKey: "k"}); err == nil {
		t.Fatal("a message without recipients must be refused")
	}
}
