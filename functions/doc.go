// Package functions holds one Lambda entry point per handler (functions/<name>/main.go, wiring only).
package functions
