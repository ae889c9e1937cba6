// Package sfn is the local, durable Amazon States Language interpreter: it loads and validates
// state machine definitions, runs executions with the semantics and history events AWS Step
// Functions documents, and persists them so that they survive a crash. Expression evaluation
// (JSONPath, payload templates, intrinsic functions, JSONata) lives in the expr sub-package.
package sfn
