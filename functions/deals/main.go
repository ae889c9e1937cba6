// Command deals is the Lambda behind the deals routes of the HTTP API (shared/httpapi): wiring only.
package main

import "github.com/dealflow/dealflow/functions/internal/lambdaenv"

func main() { lambdaenv.StartHTTP("deals") }
