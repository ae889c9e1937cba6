package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store/sqlite"
)

func TestSlackWebhookPostsOnceAndHidesTheURL(t *testing.T) {
	var posts atomic.Int32
	var fail atomic.Bool
	fail.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		var body map[string]string
		json.NewDecoder(r.Body).Decode(&body)
		if body["text"] != "<@U123> New lead: Ada" {
			t.Errorf("text = %q", body["text"])
		}
		posts.Add(1)
	}))
	defer srv.Close()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "db"), sqlite.WithClock(clock.NewFake(time.Now())))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := IdempotentSlack{Claim: func(ctx context.Context, k, v string) (string, bool, error) {
		return st.PutIdempotencyKey(ctx, k, v, 0)
	},
		Release: st.ReleaseIdempotencyKey, Next: SlackWebhook{URL: srv.URL + "/services/T000/B000/secret"}}
	m := SlackMessage{Text: "New lead: Ada", Mention: "U123", IdempotencyKey: "notify-owner:l-1"}
	err = s.Post(context.Background(), m)
	if err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "400") {
		t.Fatalf("failed post: %v", err)
	}
	fail.Store(false)
	for i := 0; i < 3; i++ {
		if err := s.Post(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	if posts.Load() != 1 {
		t.Fatalf("posted %d times, want 1", posts.Load())
	}
}
