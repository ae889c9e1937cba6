//go:build !unix

package server

// lockInstance is a no-op where flock(2) is missing; run one runtime per file.
func lockInstance(string) (func(), error) { return func() {}, nil }
