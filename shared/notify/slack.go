package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// SlackMessage is one message to a Slack incoming webhook. Mention is a Slack member id that is
// @-mentioned at the start (the rep's slack_id from the org file).
type SlackMessage struct {
	Text           string
	Mention        string
	IdempotencyKey string
}

// Slack is the port for Slack notifications.
type Slack interface {
	Post(ctx context.Context, m SlackMessage) error
}

// SlackWebhook posts to a Slack incoming webhook URL.
// https://api.slack.com/messaging/webhooks
type SlackWebhook struct {
	URL    string
	Client *http.Client
}

func (s SlackWebhook) Post(ctx context.Context, m SlackMessage) error {
	text := m.Text
	if m.Mention != "" {
		text = "<@" + m.Mention + "> " + text
	}
	body, _ := json.Marshal(map[string]string{"text": text})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("slack: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("slack: post: %w", err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	if res.StatusCode != http.StatusOK {
		// The webhook URL is a secret: never put it in the error.
		return fmt.Errorf("slack: webhook answered %d: %s", res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}

// IdempotentSlack posts each IdempotencyKey once (claim before posting, release on failure).
type IdempotentSlack struct {
	Claim   func(ctx context.Context, key, value string) (existing string, created bool, err error)
	Release func(ctx context.Context, key, value string) error
	Next    Slack
}

func (s IdempotentSlack) Post(ctx context.Context, m SlackMessage) error {
	if m.IdempotencyKey == "" {
		return fmt.Errorf("slack message: idempotency key is required")
	}
	key, claim := "slack:"+m.IdempotencyKey, "posting:"+NewMessageID("")
	_, created, err := s.Claim(ctx, key, claim)
	if err != nil || !created {
		return err
	}
	if err := s.Next.Post(ctx, m); err != nil {
		_ = s.Release(ctx, key, claim)
		return err
	}
	return nil
}
