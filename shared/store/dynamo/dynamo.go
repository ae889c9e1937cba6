// Package dynamo is the Store adapter for AWS: one DynamoDB table in single-table design (PK/SK
// plus five overloaded GSIs). Creates are conditional puts, updates are optimistic
// (a version attribute, retried a bounded number of times), writes that carry outbox events or
// claim a unique key use TransactWriteItems. Every read is a GetItem, BatchGetItem or Query:
// DynamoAPI has no Scan, so a Scan cannot creep onto a request path. README.md lists every
// access pattern; a test keeps it in step with the code.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dealflow/dealflow/shared/clock"
	"github.com/dealflow/dealflow/shared/store"
)

// DynamoAPI is the subset of the DynamoDB client the adapter uses. *dynamodb.Client and the
// in-process github.com/truora/minidyn client both satisfy it. Scan is deliberately absent.
type DynamoAPI interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Store is the DynamoDB implementation of store.Store.
type Store struct {
	db          DynamoAPI
	table       string
	clock       clock.Clock
	maxAttempts int
	// afterEvents runs after every committed write that stored outbox events (OnOutboxWritten).
	afterEvents func(ctx context.Context, evs []store.OutboxEvent)
}

// OnOutboxWritten sets f to run after every committed write that stored outbox events, with
// exactly those events (ids and times assigned) — all of them pass through one transaction path,
// so no write can be missed. A Lambda publishes them to EventBridge with it right away, without
// reading the pending index (the scheduled sweep is only the repair path). Call it before the
// store is shared.
func (s *Store) OnOutboxWritten(f func(ctx context.Context, evs []store.OutboxEvent)) {
	s.afterEvents = f
}

var _ store.Store = (*Store)(nil)

// Option configures New.
type Option func(*Store) error

// WithClock sets the clock for outbox timestamps and idempotency-key expiry.
func WithClock(c clock.Clock) Option {
	return func(s *Store) error {
		if c == nil {
			return errors.New("dynamo: nil clock")
		}
		s.clock = c
		return nil
	}
}

// WithMaxAttempts bounds how often an update is retried after losing an optimistic-lock race
// (default 100) before it fails with store.ErrConflict.
func WithMaxAttempts(n int) Option {
	return func(s *Store) error {
		if n < 1 {
			return fmt.Errorf("dynamo: max attempts %d < 1", n)
		}
		s.maxAttempts = n
		return nil
	}
}

// New returns a store on table, which must exist (see CreateTable).
func New(client DynamoAPI, table string, opts ...Option) (*Store, error) {
	if client == nil || table == "" {
		return nil, errors.New("dynamo: client and table name are required")
	}
	s := &Store{db: client, table: table, clock: clock.Real{}, maxAttempts: 100}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Close does nothing: the client is owned by the caller.
func (s *Store) Close() error { return nil }

func (s *Store) now() time.Time { return s.clock.Now() }

// backoff sleeps before retry attempt n with full jitter, so racing writers spread out. It uses
// real time on purpose: it paces calls to DynamoDB, not business time.
func backoff(ctx context.Context, n int) error {
	capDur := time.Millisecond << min(n, 5) // 1ms … 32ms
	t := time.NewTimer(time.Duration(rand.Int64N(int64(capDur)) + 1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// conditionFailed reports a failed ConditionExpression on a single-item write.
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// txCancelled reports whether a transaction was cancelled and, if so, the index of the first
// item whose condition failed (-1 when the reason was something else, such as a conflict with
// another transaction).
func txCancelled(err error) (cancelled bool, failedIndex int) {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		var tcf *types.TransactionConflictException
		return errors.As(err, &tcf), -1
	}
	for i, r := range tce.CancellationReasons {
		if r.Code != nil && *r.Code == "ConditionalCheckFailed" {
			return true, i
		}
	}
	return true, -1
}
