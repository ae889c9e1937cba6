// Package cost is the AWS bill of dealflow: a dated table of published us-east-1 prices with
// their sources, a meter that counts DynamoDB request units the way DynamoDB bills them, and the
// model that turns the counts of a local run into dollars per 1,000 leads.
package cost

// Prices are on-demand list prices in USD for us-east-1, first pricing tier, without free tiers
// (a bill per 1,000 leads should not depend on what else the account runs).
type Prices struct {
	CheckedOn string            `json:"checkedOn"`
	Region    string            `json:"region"`
	Sources   map[string]string `json:"sources"`

	StandardTransition float64 `json:"standardTransition"` // per state transition
	ExpressRequest     float64 `json:"expressRequest"`     // per execution started
	ExpressGBSecond    float64 `json:"expressGBSecond"`    // duration, 64 MB chunks, 100 ms rounding
	LambdaRequest      float64 `json:"lambdaRequest"`
	LambdaGBSecondARM  float64 `json:"lambdaGBSecondArm64"`
	DynamoWRU          float64 `json:"dynamoWRU"` // on-demand write request unit
	DynamoRRU          float64 `json:"dynamoRRU"` // on-demand read request unit
	EventBridgeEvent   float64 `json:"eventBridgeEvent"`
	SchedulerInvoke    float64 `json:"schedulerInvocation"`
	HTTPAPIRequest     float64 `json:"httpApiRequest"`
	SESEmail           float64 `json:"sesEmail"`
	LogsIngestGB       float64 `json:"logsIngestGB"`
}

// USEast1 is the table the model uses. Re-check the sources and the date when prices change.
var USEast1 = Prices{
	CheckedOn: "2026-11-26",
	Region:    "us-east-1",
	Sources: map[string]string{
		"stepFunctions": "https://aws.amazon.com/step-functions/pricing/",
		"lambda":        "https://aws.amazon.com/lambda/pricing/",
		"dynamodb":      "https://aws.amazon.com/dynamodb/pricing/on-demand/",
		"eventbridge":   "https://aws.amazon.com/eventbridge/pricing/",
		"apiGateway":    "https://aws.amazon.com/api-gateway/pricing/",
		"ses":           "https://aws.amazon.com/ses/pricing/",
		"cloudwatch":    "https://aws.amazon.com/cloudwatch/pricing/",
	},
	StandardTransition: 0.025 / 1000, // $0.025 per 1,000 state transitions
	ExpressRequest:     1.00 / 1e6,   // $1.00 per 1M requests
	ExpressGBSecond:    0.06 / 3600,  // $0.06 per GB-hour (first 1,000 GB-hours)
	LambdaRequest:      0.20 / 1e6,   // $0.20 per 1M requests
	LambdaGBSecondARM:  0.0000133334, // Arm, first 7.5B GB-seconds
	DynamoWRU:          0.625 / 1e6,  // $0.625 per 1M write request units (since Nov 2024)
	DynamoRRU:          0.125 / 1e6,  // $0.125 per 1M read request units
	EventBridgeEvent:   1.00 / 1e6,   // custom events, $1.00 per 1M (64 KB chunks)
	SchedulerInvoke:    1.00 / 1e6,   // after 14M free invocations a month
	HTTPAPIRequest:     1.00 / 1e6,   // HTTP API, first 300M requests
	SESEmail:           0.10 / 1000,  // $0.10 per 1,000 outbound emails
	LogsIngestGB:       0.50,         // CloudWatch Logs standard ingestion per GB
}
