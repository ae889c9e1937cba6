// Command floor is the least a Go Lambda bootstrap can be: the aws-lambda-go runtime client and
// a handler that does nothing. `make lambda-init` measures it first, so each function's cold
// start can be read against what this machine needs to start any bootstrap at that moment.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context) error { return nil })
}
