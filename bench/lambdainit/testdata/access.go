package main

// The access table of lambdainit's tests, in the form of infra/access.go.

const SecretLinkSigning = "link-signing-key"

var functionAccess = map[string]Access{
	"crash":   {},
	"fast":    {},
	"secrets": {Table: ReadWriteTable, Secrets: []string{SecretLinkSigning}},
	"slow":    {Table: ReadTable, AnswerTasks: []string{"sdr-ae-handoff"}},
}
