package groupcommit

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// insertThen inserts k and registers an AfterCommit that records whether k was visible to the
// other pool (committed) when it ran.
func insertThen(k string, r *sql.DB, mu *sync.Mutex, ran map[string]bool) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		if err := insert(k)(tx); err != nil {
			return err
		}
		AfterCommit(tx, func() {
			var n int
			_ = r.QueryRow(`SELECT COUNT(*) FROM t WHERE k = ?`, k).Scan(&n)
			mu.Lock()
			ran[k] = n == 1
			mu.Unlock()
		})
		return nil
	}
}

// AfterCommit work runs once per caller whose writes committed, after the commit and before its
// Tx returns; a failing neighbour's never runs.
func TestAfterCommitRunsForCommittedCallersOnly(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	if err := w.Tx(context.Background(), insert("dup")); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	ran := map[string]bool{}
	release := hold(t, w, 3)
	a := goTx(context.Background(), w, insertThen("a", r, &mu, ran))
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	failing := goTx(context.Background(), w, func(tx *sql.Tx) error {
		AfterCommit(tx, func() { mu.Lock(); ran["failing"] = true; mu.Unlock() })
		return insert("dup")(tx)
	})
	for len(w.reqs) < 2 {
		time.Sleep(time.Millisecond)
	}
	b := goTx(context.Background(), w, insertThen("b", r, &mu, ran))
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []<-chan error{a, b} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		n := len(ran)
		mu.Unlock()
		if n == 0 {
			t.Fatal("Tx returned before its AfterCommit ran")
		}
	}
	if err := <-failing; err == nil {
		t.Fatal("the duplicate insert succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if !ran["a"] || !ran["b"] || len(ran) != 2 {
		t.Fatalf("after-commit runs = %v; want a and b, each after its row was committed", ran)
	}
}

// A failed COMMIT runs nobody's AfterCommit.
func TestAfterCommitNotRunWhenCommitFails(t *testing.T) {
	db, r := open(t)
	w := New(db, WithMaxWork(time.Second))
	defer w.Close()
	var mu sync.Mutex
	ran := map[string]bool{}
	release := hold(t, w, 2)
	ok := goTx(context.Background(), w, insertThen("innocent", r, &mu, ran))
	for len(w.reqs) < 1 {
		time.Sleep(time.Millisecond)
	}
	orphan := goTx(context.Background(), w, func(tx *sql.Tx) error {
		AfterCommit(tx, func() { mu.Lock(); ran["orphan"] = true; mu.Unlock() })
		_, err := tx.Exec(`INSERT INTO child (id, parent) VALUES (1, 42)`)
		return err
	})
	if err := release(); err == nil || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Fatalf("holder got %v", err)
	}
	<-ok
	<-orphan
	if len(ran) != 0 {
		t.Fatalf("after-commit ran %v after a failed COMMIT", ran)
	}
}

// Single keeps the same contract.
func TestAfterCommitWithSingle(t *testing.T) {
	db, r := open(t)
	s := Single{DB: db}
	var mu sync.Mutex
	ran := map[string]bool{}
	if err := s.Tx(context.Background(), insertThen("one", r, &mu, ran)); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := s.Tx(context.Background(), func(tx *sql.Tx) error {
		AfterCommit(tx, func() { ran["rolled back"] = true })
		return boom
	}); err != boom {
		t.Fatal(err)
	}
	if !ran["one"] || len(ran) != 1 {
		t.Fatalf("after-commit runs = %v; want one, after its commit", ran)
	}
}

func TestAfterCommitOutsideATransactionPanics(t *testing.T) {
	db, _ := open(t)
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	defer func() {
		if recover() == nil {
			t.Fatal("AfterCommit on a foreign transaction did not panic")
		}
	}()
	AfterCommit(tx, func() {})
}
