// Command qualify-lead is the Lambda entry point of the qualify-lead handler (shared/lead): wiring only.
// It names its handler and the clients its role allows (infra/access.go), so it links nothing else.
package main

import (
	"github.com/dealflow/dealflow/functions/internal/lambdaenv"
	"github.com/dealflow/dealflow/functions/internal/lambdaenv/dynamodb"
	"github.com/dealflow/dealflow/shared/lead"
)

func main() {
	lambdaenv.Start("qualify-lead", lead.New, lead.Functions, dynamodb.Client)
}
