package notify_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/notify/smtptest"
	_ "modernc.org/sqlite"
)

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSMTPRelayDeliversStoredMailOnceAfterAnOutage(t *testing.T) {
	ctx := context.Background()
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	db := openDB(t)
	fake := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	ob, err := notify.OpenOutbox(db, fake)
	if err != nil {
		t.Fatal(err)
	}
	// Stored before the relay existed: never sent (enabling SMTP must not replay old mail).
	if _, err := ob.Send(ctx, msg("old")); err != nil {
		t.Fatal(err)
	}
	fake.Advance(time.Second)
	relay, err := notify.OpenSMTPRelay(ctx, db, &notify.SMTP{Addr: srv.Addr, TLSConfig: srv.ClientTLS()}, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mailer := relay.Mailer(ob)
	srv.Down()
	for _, k := range []string{"a", "b", "a"} { // "a" twice: the outbox dedupes it
		if _, err := mailer.Send(ctx, msg(k)); err != nil {
			t.Fatalf("storing mail must not depend on the mail server: %v", err)
		}
	}
	for i := 0; i < 5; i++ { // attempts during the outage
		if n, err := relay.RelayOnce(ctx); err != nil || n != 0 {
			t.Fatalf("relay during outage: %d, %v", n, err)
		}
		fake.Advance(time.Minute)
	}
	if st, _ := relay.DeliveryStatus(ctx); st["retry"] != 1 {
		t.Fatalf("status during outage = %v (the first failure ends the round)", st)
	}
	if err := srv.Up(); err != nil {
		t.Fatal(err)
	}
	fake.Advance(5 * time.Minute)
	sent := 0
	for i := 0; i < 3; i++ {
		n, err := relay.RelayOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent += n
	}
	if sent != 2 || len(srv.Messages()) != 2 {
		t.Fatalf("sent %d, server has %d, want 2", sent, len(srv.Messages()))
	}
	if st, _ := relay.DeliveryStatus(ctx); st["sent"] != 2 || st["retry"] != 0 {
		t.Fatalf("status = %v", st)
	}
}

func TestSMTPRelayGivesUpOnPermanentRefusal(t *testing.T) {
	ctx := context.Background()
	srv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.Reject = "550 no such user"
	db := openDB(t)
	fake := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	ob, _ := notify.OpenOutbox(db, fake)
	relay, err := notify.OpenSMTPRelay(ctx, db, &notify.SMTP{Addr: srv.Addr, TLSConfig: srv.ClientTLS()}, fake, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := relay.Mailer(ob).Send(ctx, msg("x")); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		relay.RelayOnce(ctx)
		fake.Advance(time.Hour)
	}
	if st, _ := relay.DeliveryStatus(ctx); st["dead"] != 1 || srv.Sessions() != 1 {
		t.Fatalf("status = %v after %d sessions; want dead after one attempt", st, srv.Sessions())
	}
}
