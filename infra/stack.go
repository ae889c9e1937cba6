package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/store/dynamo"
)

// Settings are the per-deployment choices, from CDK context (see main.go and README.md).
type Settings struct {
	Stage          string   // dev, staging, prod: names every resource; "dev" drops deletion protection
	SenderEmail    string   // From address of every email; an SES identity the stack creates
	AllowedOrigins []string // CORS origins of the HTTP API (empty: no CORS)
	AlarmEmail     string   // subscribed to the alarm topic (empty: subscribe later)
	LambdaDir      string   // <LambdaDir>/<function>/bootstrap, built by `make build-lambdas`
	StagingDir     string   // scratch folder for the org-file layer; must outlive synth
	// Domain is the API's custom domain (e.g. api.northwind.example; empty: the execute-api URL).
	// Its https URL becomes every function's PUBLIC_URL, the base of links in emails.
	Domain string
	// CertificateArn is an ACM certificate in the stack's region covering Domain; empty: the stack
	// requests one validated by DNS (the deploy waits until the CNAME ACM asks for exists).
	CertificateArn string
	// MailDomain, when set, is verified in SES as a domain identity with Easy DKIM (2048-bit); the
	// sender may then be any address at it.
	MailDomain string
	// LogLevel is "ERROR" (default) or "ALL" (-c logLevel=ALL): Express workflows log failed
	// executions only at ERROR, every event at ALL; Lambdas log warnings and errors without the
	// START/END/REPORT lines at ERROR, everything at ALL. Standard workflows always log ALL: they
	// run rarely and their events are the audit trail. `dealflow cost` prices both levels.
	LogLevel string
	// ReservedConcurrency applies functionLimits' reservations (-c reservedConcurrency=false on a
	// new account whose Lambda concurrency quota is still 10).
	ReservedConcurrency bool
}

// tableTTLAttr is the attribute DynamoDB TTL reads (shared/store/dynamo/README.md "Notes for
// AWS": "Enable TTL on the `ttl` attribute"); TestTableAndRetention reads the README.
const tableTTLAttr = "ttl"

// orgLayerPath is where the org file appears inside every function (layers unpack under /opt).
const orgLayerPath = "/opt/dealflow/org.yaml"

type dealflowStack struct {
	stack  awscdk.Stack
	set    Settings
	proj   *Project
	access map[string]Access
	prefix string

	key       awskms.Key
	topic     awssns.Topic
	table     awsdynamodb.Table
	bus       awsevents.EventBus
	secrets   map[string]awssecretsmanager.Secret
	sesConfig awsses.CfnConfigurationSet
	orgLayer  awslambda.LayerVersion
	functions map[string]awslambda.Function
	fnRoles   map[string]awsiam.Role
	machines  map[string]awsstepfunctions.StateMachine
	dlqs      []awssqs.Queue
	routes    []awsapigatewayv2.CfnRoute

	errorLogged    []string            // state machines logging at ERROR (nag suppression)
	stageThrottle  Throttle            // the HTTP API stage's default route throttle
	routeThrottles map[string]Throttle // by route key
}

// NewDealflowStack builds the whole product from proj. access says what each function may do.
func NewDealflowStack(scope constructs.Construct, id string, props *awscdk.StackProps, set Settings, proj *Project, access map[string]Access) (awscdk.Stack, error) {
	if !stageRE.MatchString(set.Stage) {
		return nil, fmt.Errorf("stage %q: use 1-16 lowercase letters, digits or '-', starting with a letter (it prefixes every resource name)", set.Stage)
	}
	if set.LogLevel == "" {
		set.LogLevel = "ERROR"
	}
	if set.LogLevel != "ERROR" && set.LogLevel != "ALL" {
		return nil, fmt.Errorf("logLevel %q: use ERROR or ALL", set.LogLevel)
	}
	if err := proj.Check(); err != nil {
		return nil, err
	}
	// Lambda function names are at most 64 characters.
	// https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
	for _, fn := range proj.Functions {
		if n := len("dealflow-" + set.Stage + "-" + fn); n > 64 {
			return nil, fmt.Errorf("function %s: dealflow-%s-%s is %d characters; Lambda allows 64", fn, set.Stage, fn, n)
		}
	}
	if err := checkAccess(proj, access); err != nil {
		return nil, err
	}
	for _, sm := range proj.StateMachines {
		if _, err := workflowType(sm); err != nil {
			return nil, err
		}
		for _, r := range sm.Resources {
			if err := checkIntegration(sm, r); err != nil {
				return nil, err
			}
		}
	}
	for _, fn := range proj.Functions {
		if access[fn].SendEmail && set.SenderEmail == "" {
			return nil, fmt.Errorf("function %s sends email but no sender is set: set settings.email_from in the org file or -c senderEmail=ADDRESS", fn)
		}
		if _, err := os.Stat(filepath.Join(set.LambdaDir, fn, "bootstrap")); err != nil {
			return nil, fmt.Errorf("function %s: %s/%s/bootstrap is missing: run `make build-lambdas` first", fn, set.LambdaDir, fn)
		}
	}
	stageThrottle, perRoute, err := routeThrottles(proj.Routes, proj.Org.Throttling)
	if err != nil {
		return nil, err
	}
	d := &dealflowStack{
		stageThrottle:  stageThrottle,
		routeThrottles: perRoute,
		stack:          awscdk.NewStack(scope, jsii.String(id), props),
		set:            set,
		proj:           proj,
		access:         access,
		prefix:         "dealflow-" + set.Stage,
		secrets:        map[string]awssecretsmanager.Secret{},
		functions:      map[string]awslambda.Function{},
		fnRoles:        map[string]awsiam.Role{},
		machines:       map[string]awsstepfunctions.StateMachine{},
	}
	awscdk.Tags_Of(d.stack).Add(jsii.String("app"), jsii.String("dealflow"), nil)
	awscdk.Tags_Of(d.stack).Add(jsii.String("stage"), jsii.String(set.Stage), nil)

	d.alarmTopic()
	d.dataTable()
	d.eventBus()
	d.secretsAndEmail()
	if err := d.orgFileLayer(); err != nil {
		return nil, err
	}
	for _, fn := range proj.Functions {
		d.function(fn)
	}
	for _, sm := range proj.StateMachines {
		d.stateMachine(sm)
	}
	d.functionWorkflowGrants()
	for _, r := range proj.Rules {
		if err := d.rule(r); err != nil {
			return nil, err
		}
	}
	if err := d.schedules(); err != nil {
		return nil, err
	}
	d.httpAPI()
	d.suppressStackFindings()
	for k, v := range map[string]*string{"EventBusName": d.bus.EventBusName(), "TableName": d.table.TableName(), "AlarmTopicArn": d.topic.TopicArn()} {
		awscdk.NewCfnOutput(d.stack, jsii.String(k), &awscdk.CfnOutputProps{Value: v})
	}
	return d.stack, nil
}

func (d *dealflowStack) name(s string) *string { return jsii.String(d.prefix + "-" + s) }

// stateMachineArn is built from the name, not a reference, so state machines and functions can
// point at each other (handoff starts onboarding, a function answers a task) without a cycle.
func (d *dealflowStack) stateMachineArn(name string) *string {
	return d.stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("states"), Resource: jsii.String("stateMachine"),
		ResourceName: d.name(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// alarmTopic: every alarm goes to one SNS topic, encrypted with a customer key that CloudWatch may
// use (the AWS-managed SNS key does not allow CloudWatch alarms to publish).
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html
func (d *dealflowStack) alarmTopic() {
	d.key = awskms.NewKey(d.stack, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("dealflow " + d.set.Stage + ": encrypts the alarm topic"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     d.removalPolicy(),
	})
	// CloudWatch publishes as its service principal; both grants are limited to this stage's
	// alarms in this account (confused-deputy protection).
	// https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
	fromOurAlarms := &map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": d.stack.Account()},
		"ArnLike": map[string]any{"aws:SourceArn": d.stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String(d.prefix + "-*"),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}
	cloudwatch := &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)}
	d.key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublishToEncryptedTopic"),
		Principals: cloudwatch,
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"), // in a key policy "*" means this key
		Conditions: fromOurAlarms,
	}), nil)
	d.topic = awssns.NewTopic(d.stack, jsii.String("Alarms"), &awssns.TopicProps{
		TopicName:  d.name("alarms"),
		MasterKey:  d.key,
		EnforceSSL: jsii.Bool(true),
	})
	d.topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchAlarmsPublish"),
		Principals: cloudwatch,
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{d.topic.TopicArn()},
		Conditions: fromOurAlarms,
	}))
	if d.set.AlarmEmail != "" {
		d.topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(d.set.AlarmEmail), nil))
	}
}

func (d *dealflowStack) removalPolicy() awscdk.RemovalPolicy {
	if d.set.Stage == "dev" {
		return awscdk.RemovalPolicy_DESTROY
	}
	return awscdk.RemovalPolicy_RETAIN
}

func (d *dealflowStack) alarm(id string, metric awscloudwatch.IMetric, desc string) {
	a := awscloudwatch.NewAlarm(d.stack, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmName:          d.name(id), // the alarm topic's policy admits dealflow-<stage>-* alarms only
		Metric:             metric,
		AlarmDescription:   jsii.String(desc),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	a.AddAlarmAction(awscloudwatchactions.NewSnsAction(d.topic))
}

func sum5m() *awscloudwatch.MetricOptions {
	return &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))}
}

// dataTable is the single table of shared/store/dynamo, built from the same CreateTable input
// the store uses locally (keys and GSIs), on-demand, with point-in-time recovery, TTL, and
// deletion protection everywhere but dev.
func (d *dealflowStack) dataTable() {
	def := dynamo.TableDefinition("unused")
	attrType := map[string]awsdynamodb.AttributeType{}
	for _, a := range def.AttributeDefinitions {
		attrType[*a.AttributeName] = map[ddbtypes.ScalarAttributeType]awsdynamodb.AttributeType{
			ddbtypes.ScalarAttributeTypeS: awsdynamodb.AttributeType_STRING,
			ddbtypes.ScalarAttributeTypeN: awsdynamodb.AttributeType_NUMBER,
			ddbtypes.ScalarAttributeTypeB: awsdynamodb.AttributeType_BINARY,
		}[a.AttributeType]
	}
	keys := func(ks []ddbtypes.KeySchemaElement) (pk, sk *awsdynamodb.Attribute) {
		for _, k := range ks {
			a := &awsdynamodb.Attribute{Name: k.AttributeName, Type: attrType[*k.AttributeName]}
			if k.KeyType == ddbtypes.KeyTypeHash {
				pk = a
			} else {
				sk = a
			}
		}
		return pk, sk
	}
	pk, sk := keys(def.KeySchema)
	d.table = awsdynamodb.NewTable(d.stack, jsii.String("Table"), &awsdynamodb.TableProps{
		TableName:           d.name("data"),
		PartitionKey:        pk,
		SortKey:             sk,
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(tableTTLAttr),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(d.set.Stage != "dev"),
		RemovalPolicy:      d.removalPolicy(),
	})
	for _, g := range def.GlobalSecondaryIndexes {
		gpk, gsk := keys(g.KeySchema)
		d.table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      g.IndexName,
			PartitionKey:   gpk,
			SortKey:        gsk,
			ProjectionType: awsdynamodb.ProjectionType(g.Projection.ProjectionType),
		})
	}
}

// eventBus is the custom "dealflow" bus with an archive of every event (replay after an incident).
func (d *dealflowStack) eventBus() {
	d.bus = awsevents.NewEventBus(d.stack, jsii.String("Bus"), &awsevents.EventBusProps{EventBusName: d.name("bus")})
	awsevents.NewCfnArchive(d.stack, jsii.String("BusArchive"), &awsevents.CfnArchiveProps{
		SourceArn:     d.bus.EventBusArn(),
		ArchiveName:   d.name("archive"),
		Description:   jsii.String("every event on the dealflow bus, for replay"),
		RetentionDays: jsii.Number(365),
	})
}

func (d *dealflowStack) secretsAndEmail() {
	ids := make([]string, 0, len(secretSpecs))
	for id := range secretSpecs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		spec := secretSpecs[id]
		props := &awssecretsmanager.SecretProps{
			SecretName:    jsii.String("dealflow/" + d.set.Stage + "/" + id),
			Description:   jsii.String(spec.Description),
			RemovalPolicy: d.removalPolicy(),
		}
		if spec.Generated {
			props.GenerateSecretString = &awssecretsmanager.SecretStringGenerator{PasswordLength: jsii.Number(64), ExcludePunctuation: jsii.Bool(true)}
		}
		d.secrets[id] = awssecretsmanager.NewSecret(d.stack, jsii.String("Secret"+events.PascalCase(id)), props)
	}

	d.sesConfig = awsses.NewCfnConfigurationSet(d.stack, jsii.String("EmailConfig"), &awsses.CfnConfigurationSetProps{
		Name:              d.name("email"),
		DeliveryOptions:   &awsses.CfnConfigurationSet_DeliveryOptionsProperty{TlsPolicy: jsii.String("REQUIRE")},
		ReputationOptions: &awsses.CfnConfigurationSet_ReputationOptionsProperty{ReputationMetricsEnabled: jsii.Bool(true)},
		SendingOptions:    &awsses.CfnConfigurationSet_SendingOptionsProperty{SendingEnabled: jsii.Bool(true)},
		SuppressionOptions: &awsses.CfnConfigurationSet_SuppressionOptionsProperty{
			SuppressedReasons: jsii.Strings("BOUNCE", "COMPLAINT"),
		},
	})
	if d.set.MailDomain != "" {
		// Easy DKIM: SES signs with a key it rotates; the three CNAMEs (outputs) go into DNS.
		// https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html
		dom := awsses.NewCfnEmailIdentity(d.stack, jsii.String("MailDomainIdentity"), &awsses.CfnEmailIdentityProps{
			EmailIdentity:         jsii.String(d.set.MailDomain),
			DkimAttributes:        &awsses.CfnEmailIdentity_DkimAttributesProperty{SigningEnabled: jsii.Bool(true)},
			DkimSigningAttributes: &awsses.CfnEmailIdentity_DkimSigningAttributesProperty{NextSigningKeyLength: jsii.String("RSA_2048_BIT")},
			ConfigurationSetAttributes: &awsses.CfnEmailIdentity_ConfigurationSetAttributesProperty{
				ConfigurationSetName: d.sesConfig.Ref(),
			},
		})
		dom.AddResourceDependency(d.sesConfig, jsii.String("the identity names the configuration set"))
		for i, pair := range [][2]*string{
			{dom.AttrDkimDnsTokenName1(), dom.AttrDkimDnsTokenValue1()},
			{dom.AttrDkimDnsTokenName2(), dom.AttrDkimDnsTokenValue2()},
			{dom.AttrDkimDnsTokenName3(), dom.AttrDkimDnsTokenValue3()},
		} {
			awscdk.NewCfnOutput(d.stack, jsii.String(fmt.Sprintf("DkimCname%d", i+1)), &awscdk.CfnOutputProps{
				Description: jsii.String("DNS: CNAME this name to the value so SES can sign mail from " + d.set.MailDomain),
				Value:       awscdk.Fn_Join(jsii.String(" CNAME "), &[]*string{pair[0], pair[1]}),
			})
		}
	}
	// An address at the verified mail domain needs no identity of its own.
	if d.set.SenderEmail != "" && !strings.HasSuffix(d.set.SenderEmail, "@"+d.set.MailDomain) {
		id := awsses.NewCfnEmailIdentity(d.stack, jsii.String("SenderIdentity"), &awsses.CfnEmailIdentityProps{
			EmailIdentity: jsii.String(d.set.SenderEmail),
			ConfigurationSetAttributes: &awsses.CfnEmailIdentity_ConfigurationSetAttributesProperty{
				ConfigurationSetName: d.sesConfig.Ref(),
			},
		})
		id.AddResourceDependency(d.sesConfig, jsii.String("the identity names the configuration set"))
	}
}

// orgFileLayer ships the validated org file to every function as a layer, so a change to the
// org file is a normal deploy and every function reads the same version.
func (d *dealflowStack) orgFileLayer() error {
	dir := filepath.Join(d.set.StagingDir, "org-layer")
	if err := os.MkdirAll(filepath.Join(dir, "dealflow"), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "dealflow", "org.yaml"), d.proj.Org.Content, 0o644); err != nil {
		return err
	}
	d.orgLayer = awslambda.NewLayerVersion(d.stack, jsii.String("OrgFile"), &awslambda.LayerVersionProps{
		Description:             jsii.String("dealflow org file (" + filepath.Base(d.proj.Org.File) + ") at " + orgLayerPath),
		Code:                    awslambda.Code_FromAsset(jsii.String(dir), nil),
		CompatibleArchitectures: &[]awslambda.Architecture{awslambda.Architecture_ARM_64()},
		CompatibleRuntimes:      &[]awslambda.Runtime{awslambda.Runtime_PROVIDED_AL2023()},
		RemovalPolicy:           d.removalPolicy(),
	})
	return nil
}

// envName turns "lead-signing-keys" into "LEAD_SIGNING_KEYS".
func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// function creates one Lambda with its own role, log group and alarms. Grants follow its Access
// entry only; workflow grants are added once state machines exist (functionWorkflowGrants).
func (d *dealflowStack) function(name string) {
	acc := d.access[name]
	pascal := events.PascalCase(name)
	fnName := d.prefix + "-" + name
	logs := awslogs.NewLogGroup(d.stack, jsii.String("Fn"+pascal+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + fnName),
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: d.removalPolicy(),
	})
	role := awsiam.NewRole(d.stack, jsii.String("Fn"+pascal+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("dealflow function " + name + ": only what its handler uses (infra/access.go)"),
	})
	allow := func(actions []string, resources ...*string) {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(actions...), Resources: &resources,
		}))
	}
	allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logs.LogGroupArn())

	env := map[string]*string{
		"DEALFLOW_STAGE": jsii.String(d.set.Stage),
		"ORG_FILE":       jsii.String(orgLayerPath),
	}
	if d.set.Domain != "" {
		env["PUBLIC_URL"] = jsii.String("https://" + d.set.Domain)
	}
	if acc.Table != NoTable {
		actions := []string{"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"}
		if acc.Table == ReadWriteTable {
			actions = append(actions, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
		}
		allow(actions, d.table.TableArn(), jsii.String(*d.table.TableArn()+"/index/*"))
		env["TABLE_NAME"] = d.table.TableName()
	}
	if acc.PublishEvents {
		allow([]string{"events:PutEvents"}, d.bus.EventBusArn())
		env["EVENT_BUS_NAME"] = d.bus.EventBusName()
	}
	if acc.SendEmail {
		// SES v2 SendEmail authorises against the sending identity and the configuration set.
		// https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
		allow([]string{"ses:SendEmail", "ses:SendRawEmail"}, d.sesResources()...)
		env["SENDER_EMAIL"] = jsii.String(d.set.SenderEmail)
		env["SES_CONFIGURATION_SET"] = d.sesConfig.Ref()
	}
	for _, s := range acc.Secrets {
		sec := d.secrets[s]
		allow([]string{"secretsmanager:GetSecretValue"}, sec.SecretArn())
		env["SECRET_"+envName(s)+"_ARN"] = sec.SecretArn()
	}
	for _, sm := range acc.StartWorkflows {
		env["STATE_MACHINE_"+envName(sm)+"_ARN"] = d.stateMachineArn(sm)
	}

	appLevel, sysLevel := awslambda.ApplicationLogLevel_WARN, awslambda.SystemLogLevel_WARN
	if d.set.LogLevel == "ALL" {
		appLevel, sysLevel = awslambda.ApplicationLogLevel_INFO, awslambda.SystemLogLevel_INFO
	}
	lim := limitsFor(name)
	var reserved *float64
	if lim.Reserved > 0 && d.set.ReservedConcurrency {
		reserved = jsii.Number(float64(lim.Reserved))
	}
	fn := awslambda.NewFunction(d.stack, jsii.String("Fn"+pascal), &awslambda.FunctionProps{
		ReservedConcurrentExecutions: reserved,
		FunctionName:                 jsii.String(fnName),
		Description:                  jsii.String("dealflow " + name),
		Runtime:                      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:                 awslambda.Architecture_ARM_64(),
		Handler:                      jsii.String("bootstrap"),
		Code:                         awslambda.Code_FromAsset(jsii.String(filepath.Join(d.set.LambdaDir, name)), nil),
		Role:                         role,
		MemorySize:                   jsii.Number(float64(lim.MemoryMB)),
		Timeout:                      awscdk.Duration_Seconds(jsii.Number(float64(lim.TimeoutSeconds))),
		Tracing:                      awslambda.Tracing_ACTIVE,
		LoggingFormat:                awslambda.LoggingFormat_JSON,
		// Lambda filters JSON log lines by their "level" (slog's JSON handler writes it); system
		// WARN drops the platform START/END/REPORT lines.
		// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html#monitoring-cloudwatchlogs-log-level
		ApplicationLogLevelV2: appLevel,
		SystemLogLevelV2:      sysLevel,
		LogGroup:              logs,
		Environment:           &env,
		Layers:                &[]awslambda.ILayerVersion{d.orgLayer},
	})
	d.functions[name] = fn
	d.fnRoles[name] = role
	d.alarm("Fn"+pascal+"Errors", fn.MetricErrors(sum5m()), "function "+name+" returned errors")
	d.alarm("Fn"+pascal+"Throttles", fn.MetricThrottles(sum5m()), "function "+name+" was throttled")
}

func (d *dealflowStack) sesResources() []*string {
	identity := func(id string) *string {
		return d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(id)})
	}
	res := []*string{
		d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("configuration-set"), ResourceName: d.sesConfig.Ref()}),
		identity(d.set.SenderEmail),
	}
	// Sending from an address of a verified domain authorises against the domain identity.
	if at := strings.LastIndex(d.set.SenderEmail, "@"); at >= 0 {
		res = append(res, identity(d.set.SenderEmail[at+1:]))
	}
	return res
}

// functionWorkflowGrants lets functions start or answer the state machines their Access names.
func (d *dealflowStack) functionWorkflowGrants() {
	for _, name := range d.proj.Functions {
		acc := d.access[name]
		role := d.fnRoles[name]
		for _, sm := range acc.StartWorkflows {
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("states:StartExecution"), Resources: &[]*string{d.stateMachineArn(sm)},
			}))
		}
		for _, sm := range acc.AnswerTasks {
			// Callback APIs authorise against the state machine that issued the token.
			// https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"),
				Resources: &[]*string{d.stateMachineArn(sm)},
			}))
		}
	}
}

// Integrations a definition may use; anything else needs its IAM grant added here first.
// https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html
var integrationRE = regexp.MustCompile(`^(arn:aws:states:::(lambda:invoke|events:putEvents|states:startExecution)(\.waitForTaskToken|\.sync|\.sync:2)?|\$\{[A-Za-z0-9]+FunctionArn\})$`)

func checkIntegration(sm StateMachineFile, resource string) error {
	if !integrationRE.MatchString(resource) {
		return fmt.Errorf("%s: Resource %q: the stack grants lambda:invoke, events:putEvents and states:startExecution only; add the IAM grant for this integration to infra/stack.go", sm.File, resource)
	}
	return nil
}

// stateMachine deploys one statemachines/*.asl.json verbatim, with DefinitionSubstitutions for
// every placeholder and a role that can reach exactly the functions, workflows and bus it names.
func (d *dealflowStack) stateMachine(sm StateMachineFile) {
	pascal := events.PascalCase(sm.Name)
	wt, _ := workflowType(sm) // checked in NewDealflowStack
	role := awsiam.NewRole(d.stack, jsii.String("Sm"+pascal+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		Description: jsii.String("dealflow workflow " + sm.Name + ": the functions, workflows and bus its definition names"),
	})
	subs := map[string]*string{}
	sync := false
	for _, r := range sm.Resources {
		sync = sync || strings.Contains(r, ".sync")
	}
	for _, ph := range sm.Placeholders {
		p, _ := d.proj.resolvePlaceholder(ph) // checked in Project.Check
		switch p.Kind {
		case phFunction:
			arn := d.functions[p.Name].FunctionArn()
			subs[ph] = arn
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("lambda:InvokeFunction"), Resources: &[]*string{arn},
			}))
		case phStateMachine:
			arn := d.stateMachineArn(p.Name)
			subs[ph] = arn
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("states:StartExecution"), Resources: &[]*string{arn},
			}))
			if sync {
				// .sync needs to watch the child execution and its managed rule.
				// https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html
				role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("states:DescribeExecution", "states:StopExecution"),
					Resources: &[]*string{d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("states"), Resource: jsii.String("execution"),
						ResourceName: jsii.String(d.prefix + "-" + p.Name + ":*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})},
				}))
				role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
					Actions: jsii.Strings("events:PutTargets", "events:PutRule", "events:DescribeRule"),
					Resources: &[]*string{d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("events"), Resource: jsii.String("rule"),
						ResourceName: jsii.String("StepFunctionsGetEventsForStepFunctionsExecutionRule")})},
				}))
			}
		case phEventBus:
			subs[ph] = d.bus.EventBusName()
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("events:PutEvents"), Resources: &[]*string{d.bus.EventBusArn()},
			}))
		}
	}
	typ := awsstepfunctions.StateMachineType_STANDARD
	if wt.Express {
		typ = awsstepfunctions.StateMachineType_EXPRESS
	}
	logs := awslogs.NewLogGroup(d.stack, jsii.String("Sm"+pascal+"Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + d.prefix + "-" + sm.Name),
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: d.removalPolicy(),
	})
	var subsPtr *map[string]*string
	if len(subs) > 0 {
		subsPtr = &subs
	}
	// An Express workflow runs once per lead; logging every state of every execution is most of
	// what its logs would cost, so it logs failures only unless -c logLevel=ALL.
	// https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html#cloudwatch-log-level
	level := awsstepfunctions.LogLevel_ALL
	if wt.Express && d.set.LogLevel != "ALL" {
		level = awsstepfunctions.LogLevel_ERROR
		d.errorLogged = append(d.errorLogged, sm.Name)
	}
	m := awsstepfunctions.NewStateMachine(d.stack, jsii.String("Sm"+pascal), &awsstepfunctions.StateMachineProps{
		StateMachineName:        d.name(sm.Name),
		DefinitionBody:          awsstepfunctions.DefinitionBody_FromString(jsii.String(sm.Definition)),
		DefinitionSubstitutions: subsPtr,
		StateMachineType:        typ,
		Role:                    role,
		TracingEnabled:          jsii.Bool(true),
		// Execution data (lead emails, notes) stays out of logs; Standard history keeps it under IAM.
		Logs: &awsstepfunctions.LogOptions{Destination: logs, Level: level, IncludeExecutionData: jsii.Bool(false)},
	})
	d.machines[sm.Name] = m
	d.alarm("Sm"+pascal+"Failed", m.MetricFailed(sum5m()), "workflow "+sm.Name+" had failed executions")
	d.alarm("Sm"+pascal+"TimedOut", m.MetricTimedOut(sum5m()), "workflow "+sm.Name+" had timed-out executions")
}

// deadLetterQueue is an SSE-SQS queue (EventBridge and Scheduler can write to it without a key
// policy) with an alarm as soon as one message lands in it.
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
func (d *dealflowStack) deadLetterQueue(id, name string) awssqs.Queue {
	q := awssqs.NewQueue(d.stack, jsii.String(id), &awssqs.QueueProps{
		QueueName:       d.name(name + "-dlq"),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	d.dlqs = append(d.dlqs, q)
	d.alarm(id+"Depth", q.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
	}), "dead-letter queue "+name+" has messages: deliveries failed after all retries")
	return q
}

func compactJSON(raw json.RawMessage) *string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return jsii.String(string(raw))
	}
	return jsii.String(b.String())
}

func retryPolicy(rp *events.RetryPolicy) (attempts, age *float64) {
	if rp == nil {
		return nil, nil
	}
	if rp.MaximumRetryAttempts != nil {
		attempts = jsii.Number(*rp.MaximumRetryAttempts)
	}
	if rp.MaximumEventAgeInSeconds != nil {
		age = jsii.Number(*rp.MaximumEventAgeInSeconds)
	}
	return attempts, age
}

// rule deploys one events/rules/*.json on the bus as written: pattern, targets, input shaping,
// retry policy, and a dead-letter queue when a target asks for one.
func (d *dealflowStack) rule(r events.Rule) error {
	// The pattern goes to CloudFormation as the file's JSON text, not a converted object: jsii
	// drops null (a valid match value) and would turn 300.0 into 300, while EventBridge matches
	// numbers by their text. AWS::Events::Rule EventPattern accepts a JSON string; the override
	// bypasses the L1 prop check that wants an object.
	// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html
	if !json.Valid(r.EventPattern) {
		return fmt.Errorf("%s: EventPattern: invalid JSON", r.File)
	}
	pattern := compactJSON(r.EventPattern)
	id := "Rule" + events.PascalCase(strings.NewReplacer(".", "-", "_", "-").Replace(r.Name))
	var dlq awssqs.Queue
	var role awsiam.Role
	for _, t := range r.Targets {
		if t.DeadLetter && dlq == nil {
			dlq = d.deadLetterQueue(id+"Dlq", "rule-"+r.Name)
		}
		if t.StateMachine != "" && role == nil {
			role = awsiam.NewRole(d.stack, jsii.String(id+"Role"), &awsiam.RoleProps{
				AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
					Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": d.stack.Account()}},
				}),
				Description: jsii.String("EventBridge rule " + r.Name + ": starts its target workflows"),
			})
		}
	}
	var targets []any
	var fnTargets []string
	for _, t := range r.Targets {
		tp := &awsevents.CfnRule_TargetProperty{Id: jsii.String(t.ID)}
		if t.StateMachine != "" {
			m := d.machines[t.StateMachine]
			tp.Arn = m.StateMachineArn()
			tp.RoleArn = role.RoleArn()
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("states:StartExecution"), Resources: &[]*string{m.StateMachineArn()},
			}))
		} else {
			tp.Arn = d.functions[t.Function].FunctionArn()
			fnTargets = append(fnTargets, t.Function)
		}
		if len(t.Input) > 0 {
			tp.Input = compactJSON(t.Input)
		}
		if t.InputPath != "" {
			tp.InputPath = jsii.String(t.InputPath)
		}
		if it := t.InputTransformer; it != nil {
			paths := map[string]*string{}
			for k, v := range it.InputPathsMap {
				paths[k] = jsii.String(v)
			}
			tp.InputTransformer = &awsevents.CfnRule_InputTransformerProperty{InputTemplate: jsii.String(it.InputTemplate), InputPathsMap: &paths}
		}
		if a, age := retryPolicy(t.RetryPolicy); a != nil || age != nil {
			tp.RetryPolicy = &awsevents.CfnRule_RetryPolicyProperty{MaximumRetryAttempts: a, MaximumEventAgeInSeconds: age}
		}
		if t.DeadLetter {
			tp.DeadLetterConfig = &awsevents.CfnRule_DeadLetterConfigProperty{Arn: dlq.QueueArn()}
		}
		targets = append(targets, tp)
	}
	state := r.State
	if state == "" {
		state = "ENABLED"
	}
	rule := awsevents.NewCfnRule(d.stack, jsii.String(id), &awsevents.CfnRuleProps{
		Name:         jsii.String(r.Name),
		Description:  optString(r.Description),
		EventBusName: d.bus.EventBusName(),
		State:        jsii.String(state),
		Targets:      &targets,
	})
	rule.AddPropertyOverride(jsii.String("EventPattern"), pattern)
	if dlq != nil {
		// EventBridge writes to the DLQ as itself, limited to this rule.
		// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html#eb-dlq-perms
		dlq.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
			Actions:    jsii.Strings("sqs:SendMessage"),
			Resources:  &[]*string{dlq.QueueArn()},
			Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.AttrArn()}},
		}))
	}
	for i, fn := range fnTargets {
		awslambda.NewCfnPermission(d.stack, jsii.String(fmt.Sprintf("%sInvoke%d", id, i)), &awslambda.CfnPermissionProps{
			Action:       jsii.String("lambda:InvokeFunction"),
			FunctionName: d.functions[fn].FunctionName(),
			Principal:    jsii.String("events.amazonaws.com"),
			SourceArn:    rule.AttrArn(),
		})
	}
	d.alarm(id+"FailedInvocations", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/Events"), MetricName: jsii.String("FailedInvocations"),
		DimensionsMap: &map[string]*string{"EventBusName": d.bus.EventBusName(), "RuleName": jsii.String(r.Name)},
		Statistic:     jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
	}), "rule "+r.Name+" failed to deliver events to a target")
	return nil
}

// schedules deploys events/schedules/*.json and one digest schedule per manager of the org file
// into one schedule group, through one role that can start exactly their targets.
func (d *dealflowStack) schedules() error {
	if len(d.proj.Schedules) == 0 && len(d.proj.Org.Digests) == 0 {
		return nil
	}
	group := awsscheduler.NewCfnScheduleGroup(d.stack, jsii.String("ScheduleGroup"), &awsscheduler.CfnScheduleGroupProps{Name: jsii.String(d.prefix)})
	role := awsiam.NewRole(d.stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": d.stack.Account()}},
		}),
		Description: jsii.String("EventBridge Scheduler: starts the scheduled workflows and functions"),
	})
	var dlq awssqs.Queue
	granted := map[string]bool{}
	target := func(sm, fn string) *string {
		if sm != "" {
			arn := d.machines[sm].StateMachineArn()
			if !granted["sm:"+sm] {
				granted["sm:"+sm] = true
				role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("states:StartExecution"), Resources: &[]*string{arn}}))
			}
			return arn
		}
		arn := d.functions[fn].FunctionArn()
		if !granted["fn:"+fn] {
			granted["fn:"+fn] = true
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("lambda:InvokeFunction"), Resources: &[]*string{arn}}))
		}
		return arn
	}
	deadLetter := func() *awsscheduler.CfnSchedule_DeadLetterConfigProperty {
		if dlq == nil {
			dlq = d.deadLetterQueue("SchedulesDlq", "schedules")
			// Scheduler delivers dead letters with the schedule's execution role.
			// https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("sqs:SendMessage"), Resources: &[]*string{dlq.QueueArn()}}))
		}
		return &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: dlq.QueueArn()}
	}
	add := func(id string, props *awsscheduler.CfnScheduleProps) {
		props.GroupName = group.Name()
		s := awsscheduler.NewCfnSchedule(d.stack, jsii.String(id), props)
		s.AddResourceDependency(group, jsii.String("schedules live in the group"))
	}
	for _, s := range d.proj.Schedules {
		tp := &awsscheduler.CfnSchedule_TargetProperty{Arn: target(s.Target.StateMachine, s.Target.Function), RoleArn: role.RoleArn()}
		if len(s.Target.Input) > 0 {
			tp.Input = compactJSON(s.Target.Input)
		}
		if a, age := retryPolicy(s.Target.RetryPolicy); a != nil || age != nil {
			tp.RetryPolicy = &awsscheduler.CfnSchedule_RetryPolicyProperty{MaximumRetryAttempts: a, MaximumEventAgeInSeconds: age}
		}
		if s.Target.DeadLetter {
			tp.DeadLetterConfig = deadLetter()
		}
		ftw := &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String(s.FlexibleTimeWindow.Mode)}
		if s.FlexibleTimeWindow.Mode == "FLEXIBLE" {
			ftw.MaximumWindowInMinutes = jsii.Number(s.FlexibleTimeWindow.MaximumWindowInMinutes)
		}
		props := &awsscheduler.CfnScheduleProps{
			Name:               jsii.String(s.Name),
			Description:        optString(s.Description),
			ScheduleExpression: jsii.String(s.ScheduleExpression),
			FlexibleTimeWindow: ftw,
			State:              jsii.String(orDefault(s.State, "ENABLED")),
			Target:             tp,
		}
		if s.ScheduleExpressionTimezone != "" {
			props.ScheduleExpressionTimezone = jsii.String(s.ScheduleExpressionTimezone)
		}
		if s.StartDate != nil {
			props.StartDate = jsii.String(s.StartDate.UTC().Format(time.RFC3339))
		}
		if s.EndDate != nil {
			props.EndDate = jsii.String(s.EndDate.UTC().Format(time.RFC3339))
		}
		add("Schedule"+events.PascalCase(strings.NewReplacer(".", "-", "_", "-").Replace(s.Name)), props)
	}
	for _, dg := range d.proj.Org.Digests {
		add("Schedule"+events.PascalCase(strings.NewReplacer(".", "-", "_", "-").Replace(dg.ScheduleName())), &awsscheduler.CfnScheduleProps{
			Name:                       jsii.String(dg.ScheduleName()),
			Description:                jsii.String(dg.Period + "ly digest for manager " + dg.Manager + " (org file)"),
			ScheduleExpression:         jsii.String(dg.Cron),
			ScheduleExpressionTimezone: jsii.String(dg.TimeZone),
			FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
			State:                      jsii.String("ENABLED"),
			Target: &awsscheduler.CfnSchedule_TargetProperty{
				Arn: target(DigestStateMachine, ""), RoleArn: role.RoleArn(), Input: jsii.String(dg.Input()),
				DeadLetterConfig: deadLetter(),
			},
		})
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// httpAPI serves the shared route table through API Gateway HTTP API (payload 2.0), with stage
// throttling, JSON access logs and a 5xx alarm.
func (d *dealflowStack) httpAPI() {
	if len(d.proj.Routes) == 0 {
		return
	}
	props := &awsapigatewayv2.CfnApiProps{Name: d.name("api"), ProtocolType: jsii.String("HTTP"), Description: jsii.String("dealflow webhooks and API")}
	if len(d.set.AllowedOrigins) > 0 {
		props.CorsConfiguration = &awsapigatewayv2.CfnApi_CorsProperty{
			AllowOrigins: jsii.Strings(d.set.AllowedOrigins...),
			AllowMethods: jsii.Strings("GET", "POST", "PATCH", "OPTIONS"),
			AllowHeaders: jsii.Strings("content-type", "idempotency-key", "dealflow-signature"),
			MaxAge:       jsii.Number(600),
		}
	}
	api := awsapigatewayv2.NewCfnApi(d.stack, jsii.String("HttpApi"), props)
	logs := awslogs.NewLogGroup(d.stack, jsii.String("HttpApiAccessLogs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + d.prefix + "-api"),
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: d.removalPolicy(),
	})
	format, _ := json.Marshal(map[string]string{
		"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTime",
		"method": "$context.httpMethod", "routeKey": "$context.routeKey", "status": "$context.status",
		"latencyMs": "$context.responseLatency", "integrationError": "$context.integrationErrorMessage",
		"responseLength": "$context.responseLength",
	})
	integrations := map[string]awsapigatewayv2.CfnIntegration{}
	for _, r := range d.proj.Routes {
		fn := d.functions[r.Function]
		pascal := events.PascalCase(r.Function)
		integ, ok := integrations[r.Function]
		if !ok {
			integ = awsapigatewayv2.NewCfnIntegration(d.stack, jsii.String("HttpApiIntegration"+pascal), &awsapigatewayv2.CfnIntegrationProps{
				ApiId: api.Ref(), IntegrationType: jsii.String("AWS_PROXY"), IntegrationUri: fn.FunctionArn(),
				PayloadFormatVersion: jsii.String("2.0"), TimeoutInMillis: jsii.Number(30000),
			})
			integrations[r.Function] = integ
		}
		rid := "HttpRoute" + routeID(r)
		d.routes = append(d.routes, awsapigatewayv2.NewCfnRoute(d.stack, jsii.String(rid), &awsapigatewayv2.CfnRouteProps{
			ApiId: api.Ref(), RouteKey: jsii.String(r.RouteKey()), AuthorizationType: jsii.String("NONE"),
			Target: jsii.String("integrations/" + *integ.Ref()),
		}))
		// The function may be invoked by this route only.
		// https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
		method := r.Method
		if method == "ANY" {
			method = "*"
		}
		awslambda.NewCfnPermission(d.stack, jsii.String(rid+"Invoke"), &awslambda.CfnPermissionProps{
			Action: jsii.String("lambda:InvokeFunction"), FunctionName: fn.FunctionName(),
			Principal: jsii.String("apigateway.amazonaws.com"),
			SourceArn: d.stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("execute-api"), Resource: api.Ref(),
				ResourceName: jsii.String("*/" + method + pathParamRE.ReplaceAllString(r.Path, "*"))}),
		})
	}
	// Throttling per route from the org file (api_throttling) over the built-in defaults; the
	// stage default covers the rest. Route settings are keyed by route key and need the routes.
	// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-stage-routesettings.html
	routeSettings := map[string]any{}
	for k, t := range d.routeThrottles {
		routeSettings[k] = map[string]any{"ThrottlingRateLimit": t.Rate, "ThrottlingBurstLimit": t.Burst, "DetailedMetricsEnabled": true}
	}
	stage := awsapigatewayv2.NewCfnStage(d.stack, jsii.String("HttpApiStage"), &awsapigatewayv2.CfnStageProps{
		ApiId:      api.Ref(),
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		DefaultRouteSettings: &awsapigatewayv2.CfnStage_RouteSettingsProperty{
			ThrottlingRateLimit: jsii.Number(d.stageThrottle.Rate), ThrottlingBurstLimit: jsii.Number(d.stageThrottle.Burst),
			DetailedMetricsEnabled: jsii.Bool(true),
		},
		RouteSettings:     routeSettings,
		AccessLogSettings: &awsapigatewayv2.CfnStage_AccessLogSettingsProperty{DestinationArn: logs.LogGroupArn(), Format: jsii.String(string(format))},
	})
	for _, r := range d.routes {
		stage.AddResourceDependency(r, jsii.String("route settings name the routes"))
	}
	if d.set.Domain != "" {
		d.customDomain(api, stage)
	}
	d.alarm("HttpApi5xx", awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/ApiGateway"), MetricName: jsii.String("5xx"),
		DimensionsMap: &map[string]*string{"ApiId": api.Ref()},
		Statistic:     jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
	}), "HTTP API answered 5xx")
	awscdk.NewCfnOutput(d.stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: api.AttrApiEndpoint()})
}

// customDomain serves the API at https://<Domain> (regional endpoint, TLS 1.2) and outputs the
// name to point the domain's CNAME (or alias) at.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-custom-domain-names.html
func (d *dealflowStack) customDomain(api awsapigatewayv2.CfnApi, stage awsapigatewayv2.CfnStage) {
	certArn := jsii.String(d.set.CertificateArn)
	if d.set.CertificateArn == "" {
		cert := awscertificatemanager.NewCertificate(d.stack, jsii.String("ApiCertificate"), &awscertificatemanager.CertificateProps{
			DomainName: jsii.String(d.set.Domain),
			Validation: awscertificatemanager.CertificateValidation_FromDns(nil),
		})
		certArn = cert.CertificateArn()
	}
	dn := awsapigatewayv2.NewCfnDomainName(d.stack, jsii.String("ApiDomain"), &awsapigatewayv2.CfnDomainNameProps{
		DomainName: jsii.String(d.set.Domain),
		DomainNameConfigurations: &[]any{&awsapigatewayv2.CfnDomainName_DomainNameConfigurationProperty{
			CertificateArn: certArn, EndpointType: jsii.String("REGIONAL"), SecurityPolicy: jsii.String("TLS_1_2"),
		}},
	})
	m := awsapigatewayv2.NewCfnApiMapping(d.stack, jsii.String("ApiDomainMapping"), &awsapigatewayv2.CfnApiMappingProps{
		ApiId: api.Ref(), DomainName: dn.Ref(), Stage: stage.Ref(),
	})
	m.AddResourceDependency(dn, jsii.String("the mapping names the domain"))
	awscdk.NewCfnOutput(d.stack, jsii.String("PublicUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("public_url of the org file: links in emails and the HubSpot webhook target use it"),
		Value:       jsii.String("https://" + d.set.Domain),
	})
	awscdk.NewCfnOutput(d.stack, jsii.String("ApiDomainTarget"), &awscdk.CfnOutputProps{
		Description: jsii.String("DNS: CNAME " + d.set.Domain + " to this name"),
		Value:       dn.AttrRegionalDomainName(),
	})
}

var (
	pathParamRE = regexp.MustCompile(`\{[^}]+\}`)
	stageRE     = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)
)

// routeID is a stable construct id for a route: "POST /v1/forms/{formId}" → "PostV1FormsFormid".
func routeID(r Route) string {
	parts := regexp.MustCompile(`[^A-Za-z0-9]+`).Split(strings.ToLower(r.Method+" "+r.Path), -1)
	var b strings.Builder
	for _, p := range parts {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}

// optString leaves an empty optional property out of the template instead of sending "".
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
