// Package twin runs the synthesised CloudFormation template of the AWS stack on this machine: the
// real Lambda bootstraps behind a Lambda Runtime API, the template's state machines on local/sfn,
// its rules and schedules on local/eventbus and local/schedule, its HTTP API routes, and loopback
// fakes of the AWS services the bootstraps call, each call checked against the caller's IAM
// policy in the template. It reads the template, never the source files, so what it runs is what
// `cdk deploy` would deploy (infra/README.md "The AWS twin").
package twin

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Fake account, region and partition the template's pseudo parameters resolve to.
const (
	Region    = "us-east-1"
	Account   = "123456789012"
	Partition = "aws"
	StackName = "dealflow-twin"
)

// Resource is one template resource.
type Resource struct {
	ID         string
	Type       string                     `json:"Type"`
	Properties map[string]json.RawMessage `json:"Properties"`
	Metadata   map[string]any             `json:"Metadata"`
	raw        map[string]any
}

// Template is a loaded CloudFormation template with its intrinsic functions resolvable to local
// fake names and ARNs.
type Template struct {
	Dir       string // the cloud assembly folder (cdk.out), where assets live
	Resources map[string]*Resource
	props     map[string]map[string]any // decoded properties by logical id
}

// LoadTemplate reads the single *.template.json in dir (a cdk.out folder).
func LoadTemplate(dir string) (*Template, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if len(files) != 1 {
		return nil, fmt.Errorf("twin: want exactly one *.template.json in %s, found %d (run make synth)", dir, len(files))
	}
	raw, err := os.ReadFile(files[0])
	if err != nil {
		return nil, err
	}
	return ParseTemplate(dir, raw)
}

// ParseTemplate decodes a template's JSON.
func ParseTemplate(dir string, raw []byte) (*Template, error) {
	var doc struct {
		Resources map[string]map[string]any `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("twin: template: %w", err)
	}
	t := &Template{Dir: dir, Resources: map[string]*Resource{}, props: map[string]map[string]any{}}
	for id, r := range doc.Resources {
		res := &Resource{ID: id, raw: r}
		res.Type, _ = r["Type"].(string)
		p, _ := r["Properties"].(map[string]any)
		if p == nil {
			p = map[string]any{}
		}
		t.props[id] = p
		if md, ok := r["Metadata"].(map[string]any); ok {
			res.Metadata = md
		}
		t.Resources[id] = res
	}
	return t, nil
}

// Of returns the logical ids of every resource of a type, sorted.
func (t *Template) Of(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// Prop returns a resource property with every intrinsic function resolved.
func (t *Template) Prop(id, name string) (any, error) {
	v, ok := t.props[id][name]
	if !ok {
		return nil, nil
	}
	return t.Resolve(v)
}

// PropString is Prop for a string property ("" when absent).
func (t *Template) PropString(id, name string) (string, error) {
	v, err := t.Prop(id, name)
	if err != nil || v == nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("twin: %s.%s is %T, not a string", id, name, v)
	}
	return s, nil
}

// RawProp is a property as written, intrinsics unresolved.
func (t *Template) RawProp(id, name string) any { return t.props[id][name] }

// arn builds an ARN in the fake account and region.
func arn(service, resource string) string {
	return fmt.Sprintf("arn:%s:%s:%s:%s:%s", Partition, service, Region, Account, resource)
}

// Name is what Ref returns for resources whose Ref is a name: the explicit name property if the
// template sets one, else one CloudFormation would generate (stack-id-suffix).
func (t *Template) Name(id string) string {
	r := t.Resources[id]
	if r == nil {
		return id
	}
	for _, k := range []string{"FunctionName", "TableName", "Name", "StateMachineName", "RoleName", "QueueName", "LogGroupName", "TopicName", "LayerName", "ConfigurationSetName"} {
		if v, ok := t.props[id][k]; ok {
			if s, err := t.Resolve(v); err == nil {
				if str, ok := s.(string); ok && str != "" {
					return str
				}
			}
		}
	}
	return StackName + "-" + id
}

// ref resolves {"Ref": id}. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-ref.html
func (t *Template) ref(id string) (string, error) {
	switch id {
	case "AWS::Region":
		return Region, nil
	case "AWS::AccountId":
		return Account, nil
	case "AWS::Partition":
		return Partition, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	case "AWS::StackName":
		return StackName, nil
	case "AWS::StackId":
		return arn("cloudformation", "stack/"+StackName+"/00000000-0000-0000-0000-000000000000"), nil
	case "AWS::NoValue":
		return "", nil
	}
	r := t.Resources[id]
	if r == nil {
		return "", fmt.Errorf("twin: Ref to unknown resource %q", id)
	}
	switch r.Type {
	case "AWS::StepFunctions::StateMachine", "AWS::SecretsManager::Secret", "AWS::SNS::Topic", "AWS::Lambda::LayerVersion":
		return t.attArn(id), nil
	case "AWS::SQS::Queue":
		return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", Region, Account, t.Name(id)), nil
	case "AWS::ApiGatewayV2::Api":
		return "twinapi", nil
	}
	return t.Name(id), nil
}

// attArn is Fn::GetAtt id.Arn.
func (t *Template) attArn(id string) string {
	r := t.Resources[id]
	n := t.Name(id)
	switch r.Type {
	case "AWS::Lambda::Function":
		return arn("lambda", "function:"+n)
	case "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable":
		return arn("dynamodb", "table/"+n)
	case "AWS::Events::EventBus":
		return arn("events", "event-bus/"+n)
	case "AWS::Events::Rule":
		return arn("events", "rule/"+n)
	case "AWS::StepFunctions::StateMachine":
		return arn("states", "stateMachine:"+n)
	case "AWS::SecretsManager::Secret":
		return arn("secretsmanager", "secret:"+n+"-AbCdEf")
	case "AWS::IAM::Role":
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", Partition, Account, n)
	case "AWS::SQS::Queue":
		return arn("sqs", n)
	case "AWS::SNS::Topic":
		return arn("sns", n)
	case "AWS::Logs::LogGroup":
		return arn("logs", "log-group:"+n+":*")
	case "AWS::KMS::Key":
		return arn("kms", "key/"+id)
	case "AWS::Scheduler::ScheduleGroup":
		return arn("scheduler", "schedule-group/"+n)
	case "AWS::Scheduler::Schedule":
		return arn("scheduler", "schedule/default/"+n)
	case "AWS::Lambda::LayerVersion":
		return arn("lambda", "layer:"+n+":1")
	case "AWS::Events::Archive":
		return arn("events", "archive/"+n)
	case "AWS::SES::ConfigurationSet":
		return arn("ses", "configuration-set/"+n)
	}
	svc := strings.ToLower(strings.Split(r.Type, "::")[1])
	return arn(svc, id)
}

// getAtt resolves Fn::GetAtt. https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-getatt.html
func (t *Template) getAtt(id, att string) (string, error) {
	r := t.Resources[id]
	if r == nil {
		return "", fmt.Errorf("twin: Fn::GetAtt on unknown resource %q", id)
	}
	switch att {
	case "Arn":
		return t.attArn(id), nil
	case "Name", "StateMachineName", "QueueName", "TopicName":
		return t.Name(id), nil
	case "RoleId":
		return "AROA" + strings.ToUpper(id), nil
	case "ApiEndpoint":
		return "https://twinapi.execute-api." + Region + ".amazonaws.com", nil
	case "StreamArn":
		return t.attArn(id) + "/stream/twin", nil
	case "QueueUrl":
		return t.ref(id)
	}
	return "", fmt.Errorf("twin: Fn::GetAtt %s.%s is not modelled", id, att)
}

var subRE = regexp.MustCompile(`\$\{([^}!][^}]*)\}`)

// Resolve evaluates intrinsic functions in a decoded JSON value.
func (t *Template) Resolve(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			r, err := t.Resolve(e)
			if err != nil {
				return nil, err
			}
			if m, ok := e.(map[string]any); ok && m["Ref"] == "AWS::NoValue" {
				continue
			}
			out = append(out, r)
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return t.intrinsic(k, arg)
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			if m, ok := e.(map[string]any); ok && m["Ref"] == "AWS::NoValue" {
				continue
			}
			r, err := t.Resolve(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	}
	return v, nil
}

func (t *Template) resolveString(v any) (string, error) {
	r, err := t.Resolve(v)
	if err != nil {
		return "", err
	}
	switch s := r.(type) {
	case string:
		return s, nil
	case float64:
		return fmt.Sprint(s), nil
	}
	return "", fmt.Errorf("twin: want a string, got %T", r)
}

func (t *Template) intrinsic(fn string, arg any) (any, error) {
	switch fn {
	case "Ref":
		id, _ := arg.(string)
		return t.ref(id)
	case "Fn::GetAtt":
		var id, att string
		switch a := arg.(type) {
		case []any:
			if len(a) == 2 {
				id, _ = a[0].(string)
				att, _ = a[1].(string)
			}
		case string:
			id, att, _ = strings.Cut(a, ".")
		}
		return t.getAtt(id, att)
	case "Fn::Join":
		a, _ := arg.([]any)
		if len(a) != 2 {
			return nil, fmt.Errorf("twin: Fn::Join wants [sep, list]")
		}
		sep, _ := a[0].(string)
		list, err := t.Resolve(a[1])
		if err != nil {
			return nil, err
		}
		items, _ := list.([]any)
		parts := make([]string, len(items))
		for i, it := range items {
			s, err := t.resolveString(it)
			if err != nil {
				return nil, err
			}
			parts[i] = s
		}
		return strings.Join(parts, sep), nil
	case "Fn::Select":
		a, _ := arg.([]any)
		if len(a) != 2 {
			return nil, fmt.Errorf("twin: Fn::Select wants [index, list]")
		}
		idx, err := t.Resolve(a[0])
		if err != nil {
			return nil, err
		}
		list, err := t.Resolve(a[1])
		if err != nil {
			return nil, err
		}
		var i int
		switch n := idx.(type) {
		case float64:
			i = int(n)
		case string:
			fmt.Sscan(n, &i)
		}
		items, _ := list.([]any)
		if i < 0 || i >= len(items) {
			return nil, fmt.Errorf("twin: Fn::Select index %d out of range", i)
		}
		return items[i], nil
	case "Fn::Split":
		a, _ := arg.([]any)
		if len(a) != 2 {
			return nil, fmt.Errorf("twin: Fn::Split wants [sep, string]")
		}
		sep, _ := a[0].(string)
		s, err := t.resolveString(a[1])
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, sep) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::Sub":
		var text string
		vars := map[string]any{}
		switch a := arg.(type) {
		case string:
			text = a
		case []any:
			if len(a) != 2 {
				return nil, fmt.Errorf("twin: Fn::Sub wants [text, vars]")
			}
			text, _ = a[0].(string)
			vars, _ = a[1].(map[string]any)
		}
		var firstErr error
		out := subRE.ReplaceAllStringFunc(text, func(m string) string {
			name := m[2 : len(m)-1]
			if v, ok := vars[name]; ok {
				s, err := t.resolveString(v)
				if err != nil && firstErr == nil {
					firstErr = err
				}
				return s
			}
			var s string
			var err error
			if id, att, ok := strings.Cut(name, "."); ok {
				s, err = t.getAtt(id, att)
			} else {
				s, err = t.ref(name)
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			return s
		})
		// ${!Literal} stands for the text ${Literal}.
		out = strings.ReplaceAll(out, "${!", "${")
		return out, firstErr
	case "Fn::Base64":
		return t.resolveString(arg)
	}
	return nil, fmt.Errorf("twin: intrinsic %s is not modelled", fn)
}

// LogicalIDOf finds the logical id of the resource a Ref/GetAtt expression points at (used to
// connect integrations, targets and roles without resolving them to strings).
func LogicalIDOf(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	switch a := m["Fn::GetAtt"].(type) {
	case []any:
		if len(a) > 0 {
			s, _ := a[0].(string)
			return s
		}
	case string:
		id, _, _ := strings.Cut(a, ".")
		return id
	}
	if j, ok := m["Fn::Join"].([]any); ok && len(j) == 2 {
		if parts, ok := j[1].([]any); ok {
			for _, p := range parts {
				if id := LogicalIDOf(p); id != "" {
					return id
				}
			}
		}
	}
	return ""
}
