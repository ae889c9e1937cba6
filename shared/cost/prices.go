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
	LogsStorageGBMonth float64 `json:"logsStorageGBMonth"`
	XRayTrace          float64 `json:"xrayTraceRecorded"`
	ArchiveGB          float64 `json:"eventArchiveGB"`             // events archived
	ArchiveGBMonth     float64 `json:"eventArchiveStorageGBMonth"` // archive storage
	SecretMonth        float64 `json:"secretMonth"`
	SecretAPICall      float64 `json:"secretApiCall"`
	KMSKeyMonth        float64 `json:"kmsKeyMonth"`
	AlarmMonth         float64 `json:"alarmMonth"` // standard-resolution metric alarm
	DynamoGBMonth      float64 `json:"dynamoStorageGBMonth"`
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
		"xray":          "https://aws.amazon.com/xray/pricing/",
		"archive":       "https://aws.amazon.com/eventbridge/pricing/ (Archive and Replay)",
		"secrets":       "https://aws.amazon.com/secrets-manager/pricing/",
		"kms":           "https://aws.amazon.com/kms/pricing/",
		"dynamoStorage": "https://aws.amazon.com/dynamodb/pricing/on-demand/ (Data storage, Standard table class)",
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
	LogsIngestGB:       0.50,         // CloudWatch Logs standard ingestion per GB (vended logs start at the same price)
	LogsStorageGBMonth: 0.03,         // CloudWatch Logs storage (archived) per GB-month
	XRayTrace:          5.00 / 1e6,   // $5.00 per 1M traces recorded
	ArchiveGB:          0.10,         // EventBridge archive: $0.10 per GB of events archived
	ArchiveGBMonth:     0.023,        // and $0.023 per GB-month stored
	SecretMonth:        0.40,         // Secrets Manager: $0.40 per secret per month
	SecretAPICall:      0.05 / 10000, // $0.05 per 10,000 API calls
	KMSKeyMonth:        1.00,         // customer managed key, per month
	AlarmMonth:         0.10,         // per standard-resolution alarm metric per month
	DynamoGBMonth:      0.25,         // DynamoDB Standard storage per GB-month (first 25 GB free ignored)
}
