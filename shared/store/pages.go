package store

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"iter"
)

// Pages walks every item a paginated list returns, page by page (MaxPageSize each), stopping at
// the first error, which it yields with a zero item.
func Pages[T any](list func(Page) ([]T, string, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		p := Page{Limit: MaxPageSize}
		for {
			items, next, err := list(p)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			p.Cursor = next
		}
	}
}

// AppendAll appends every item of a paginated list to out.
func AppendAll[T any](out []T, list func(Page) ([]T, string, error)) ([]T, error) {
	for it, err := range Pages(list) {
		if err != nil {
			return out, err
		}
		out = append(out, it)
	}
	return out, nil
}

// NewEvent is an outbox event with the detail marshalled to JSON.
func NewEvent(detailType, id string, detail any) OutboxEvent {
	b, _ := json.Marshal(detail)
	return OutboxEvent{ID: id, DetailType: detailType, Detail: b}
}

// NewID is prefix and 20 random hex digits: an id nobody can guess or collide with.
func NewID(prefix string) string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}
