package twin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/dealflow/dealflow/local/sfn"
	"github.com/dealflow/dealflow/shared/events"
)

// Call is one AWS API call a bootstrap made, as the twin recorded it.
type Call struct {
	Time     time.Time
	Function string // the calling function (its execution role)
	Action   string // IAM action, e.g. dynamodb:PutItem
	Resource string
	Denied   bool
}

// Email is one message SES v2 SendEmail accepted.
type Email struct {
	From, Subject, Text, HTML string
	To                        []string
	Function                  string
}

// awsError writes an AWS JSON protocol error.
// https://docs.aws.amazon.com/general/latest/gr/api-retries.html (error shapes per service API reference)
func awsError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// caller identifies the function from the SigV4 credential: each environment has the access key
// id of its own role (Lambda gives each function its execution role's credentials).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
func (tw *Twin) caller(r *http.Request) *Function {
	auth := r.Header.Get("Authorization")
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return nil
	}
	key, _, _ := strings.Cut(rest, "/")
	return tw.byKey[key]
}

// authorize checks one action on one resource against the caller's role and records the call.
func (tw *Twin) authorize(fn *Function, action, resource string) bool {
	ok := allowed(tw.roles[fn.Role], action, resource)
	tw.record(Call{Time: time.Now(), Function: fn.Name, Action: action, Resource: resource, Denied: !ok})
	return ok
}

func (tw *Twin) record(c Call) {
	tw.callsMu.Lock()
	tw.calls = append(tw.calls, c)
	if len(tw.calls) > 200000 {
		tw.calls = tw.calls[len(tw.calls)-100000:]
	}
	tw.callsMu.Unlock()
	tw.countMu.Lock()
	tw.counts[c.Action]++
	tw.countMu.Unlock()
}

// Calls returns the recorded AWS calls.
func (tw *Twin) Calls() []Call {
	tw.callsMu.Lock()
	defer tw.callsMu.Unlock()
	return append([]Call(nil), tw.calls...)
}

// Denied returns the calls IAM refused.
func (tw *Twin) Denied() []Call {
	var out []Call
	for _, c := range tw.Calls() {
		if c.Denied {
			out = append(out, c)
		}
	}
	return out
}

func (tw *Twin) deny(w http.ResponseWriter, fn *Function, action, resource string) {
	// The AccessDeniedException message AWS returns for a missing identity-policy allow.
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
	awsError(w, http.StatusBadRequest, "AccessDeniedException", fmt.Sprintf(
		"User: arn:aws:sts::%s:assumed-role/%s/%s is not authorized to perform: %s on resource: %s because no identity-based policy allows the %s action",
		Account, tw.tmpl.Name(fn.Role), fn.Name, action, resource, action))
}

// ServeHTTP is every fake AWS endpoint, chosen by host as the SDK resolves it.
func (tw *Twin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	fn := tw.caller(r)
	if fn == nil {
		awsError(w, http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid.")
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		awsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	svc, _, _ := strings.Cut(host, ".")
	switch svc {
	case "dynamodb":
		tw.dynamo(w, r, fn, op, body)
	case "events":
		tw.putEvents(w, fn, op, body)
	case "states":
		tw.states(w, r.Context(), fn, op, body)
	case "email":
		tw.sendEmail(w, r, fn, body)
	case "secretsmanager":
		tw.getSecret(w, fn, op, body)
	default:
		tw.record(Call{Time: time.Now(), Function: fn.Name, Action: svc + ":" + op, Resource: host, Denied: true})
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "the twin does not fake "+host)
	}
}

// putEvents is EventBridge PutEvents into the local bus.
// https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
func (tw *Twin) putEvents(w http.ResponseWriter, fn *Function, op string, body []byte) {
	if op != "PutEvents" {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", op)
		return
	}
	tw.sleep(context.Background(), tw.opts.Latency.EventBridge)
	var in struct {
		Entries []struct {
			Source, DetailType, Detail, EventBusName string
			Resources                                []string
			Time                                     *float64
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsError(w, http.StatusBadRequest, "ValidationException", err.Error())
		return
	}
	var entries []events.Entry
	for _, e := range in.Entries {
		if e.DetailType == "Lead Received" {
			tw.leadReceived(e.Detail)
		}
		bus := e.EventBusName
		if bus == "" {
			bus = "default"
		}
		if !strings.HasPrefix(bus, "arn:") {
			bus = arn("events", "event-bus/"+bus)
		}
		if !tw.authorize(fn, "events:PutEvents", bus) {
			tw.deny(w, fn, "events:PutEvents", bus)
			return
		}
		if bus != tw.busARN {
			awsError(w, http.StatusBadRequest, "ResourceNotFoundException", "Event bus "+bus+" does not exist.")
			return
		}
		ent := events.Entry{Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, Resources: e.Resources}
		if e.Time != nil {
			ent.Time = time.Unix(int64(*e.Time), 0).UTC()
		}
		entries = append(entries, ent)
		tw.published.Add(1)
	}
	res, err := tw.bus.PutEvents(context.Background(), entries)
	if err != nil {
		awsError(w, http.StatusInternalServerError, "InternalException", err.Error())
		return
	}
	out := map[string]any{"FailedEntryCount": res.FailedEntryCount, "Entries": res.Entries}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// states is Step Functions StartExecution and the task-token callbacks into local/sfn.
// https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskSuccess.html
func (tw *Twin) states(w http.ResponseWriter, ctx context.Context, fn *Function, op string, body []byte) {
	tw.sleep(ctx, tw.opts.Latency.StepFunctions)
	var in struct {
		StateMachineArn, Name, Input, TaskToken, Output, Error, Cause string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	action := "states:" + op
	resource := in.StateMachineArn
	if in.TaskToken != "" {
		// A callback authorises against the state machine the token belongs to; the twin does not
		// track tokens to machines, so it asks whether the role may answer tokens of any machine.
		resource = arn("states", "stateMachine:*")
		ok := false
		for _, m := range tw.machines {
			if allowed(tw.roles[fn.Role], action, m) {
				ok = true
				resource = m
				break
			}
		}
		tw.record(Call{Time: time.Now(), Function: fn.Name, Action: action, Resource: resource, Denied: !ok})
		if !ok {
			tw.deny(w, fn, action, resource)
			return
		}
	} else if !tw.authorize(fn, action, resource) {
		tw.deny(w, fn, action, resource)
		return
	}
	var err error
	var out any = struct{}{}
	switch op {
	case "StartExecution":
		var o *sfn.StartExecutionOutput
		o, err = tw.Engine.StartExecution(ctx, sfn.StartExecutionInput{StateMachineArn: in.StateMachineArn, Name: in.Name, Input: in.Input})
		if err == nil {
			out = map[string]any{"executionArn": o.ExecutionArn, "startDate": float64(o.StartDate.UnixMilli()) / 1000}
		}
	case "SendTaskSuccess":
		err = tw.Engine.SendTaskSuccess(ctx, in.TaskToken, in.Output)
	case "SendTaskFailure":
		err = tw.Engine.SendTaskFailure(ctx, in.TaskToken, in.Error, in.Cause)
	case "SendTaskHeartbeat":
		err = tw.Engine.SendTaskHeartbeat(ctx, in.TaskToken)
	default:
		awsError(w, http.StatusBadRequest, "UnknownOperationException", op)
		return
	}
	if err != nil {
		code := "InternalFailure"
		for _, e := range []error{sfn.ErrExecutionAlreadyExists, sfn.ErrStateMachineDoesNotExist, sfn.ErrTaskDoesNotExist, sfn.ErrInvalidToken, sfn.ErrTaskTimedOut, sfn.ErrInvalidExecutionInput} {
			if errors.Is(err, e) {
				code = e.Error()
			}
		}
		awsError(w, http.StatusBadRequest, code, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

// sendEmail is SES v2 SendEmail into the outbox. SES authorises the sending identity and the
// configuration set. https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
func (tw *Twin) sendEmail(w http.ResponseWriter, r *http.Request, fn *Function, body []byte) {
	if r.URL.Path != "/v2/email/outbound-emails" {
		awsError(w, http.StatusNotFound, "NotFoundException", r.URL.Path)
		return
	}
	tw.sleep(r.Context(), tw.opts.Latency.SES)
	var in struct {
		FromEmailAddress     string
		ConfigurationSetName string
		Destination          struct{ ToAddresses []string }
		Content              struct {
			Simple struct {
				Subject struct{ Data string }
				Body    struct{ Text, Html struct{ Data string } }
			}
			Raw struct{ Data []byte }
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		awsError(w, http.StatusBadRequest, "BadRequestException", err.Error())
		return
	}
	from := in.FromEmailAddress
	if i := strings.LastIndexByte(from, '<'); i >= 0 {
		from = strings.TrimSuffix(from[i+1:], ">")
	}
	resources := []string{arn("ses", "identity/"+from)}
	if in.ConfigurationSetName != "" {
		resources = append(resources, arn("ses", "configuration-set/"+in.ConfigurationSetName))
	}
	for _, res := range resources {
		if !tw.authorize(fn, "ses:SendEmail", res) {
			tw.deny(w, fn, "ses:SendEmail", res)
			return
		}
	}
	m := Email{From: in.FromEmailAddress, To: in.Destination.ToAddresses, Subject: in.Content.Simple.Subject.Data,
		Text: in.Content.Simple.Body.Text.Data, HTML: in.Content.Simple.Body.Html.Data, Function: fn.Name}
	if len(in.Content.Raw.Data) > 0 {
		parseRaw(in.Content.Raw.Data, &m)
	}
	tw.outboxMu.Lock()
	tw.outbox = append(tw.outbox, m)
	tw.outboxMu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": newID()})
}

// Outbox returns the mail SES accepted.
func (tw *Twin) Outbox() []Email {
	tw.outboxMu.Lock()
	defer tw.outboxMu.Unlock()
	return append([]Email(nil), tw.outbox...)
}

// getSecret is Secrets Manager GetSecretValue from the twin's secret values.
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html
func (tw *Twin) getSecret(w http.ResponseWriter, fn *Function, op string, body []byte) {
	if op != "GetSecretValue" {
		awsError(w, http.StatusBadRequest, "UnknownOperationException", op)
		return
	}
	var in struct{ SecretId string }
	_ = json.Unmarshal(body, &in)
	if !tw.authorize(fn, "secretsmanager:GetSecretValue", in.SecretId) {
		tw.deny(w, fn, "secretsmanager:GetSecretValue", in.SecretId)
		return
	}
	id, ok := tw.secretIDs[in.SecretId]
	if !ok {
		awsError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	// Options name a secret by its full Name or by its last path part (stage-independent).
	v, ok := tw.opts.Secrets[id]
	if !ok {
		v = tw.opts.Secrets[id[strings.LastIndexByte(id, '/')+1:]]
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": id, "SecretString": v, "VersionId": "twin"})
}

// dynamo checks IAM for a DynamoDB call, counts writes per partition key and forwards to minidyn.
// Transactions authorise each item's action. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
func (tw *Twin) dynamo(w http.ResponseWriter, r *http.Request, fn *Function, op string, body []byte) {
	tw.sleep(r.Context(), tw.opts.Latency.DynamoDB)
	var in map[string]json.RawMessage
	_ = json.Unmarshal(body, &in)
	type check struct{ action, table, index string }
	var checks []check
	str := func(raw json.RawMessage) string {
		var s string
		_ = json.Unmarshal(raw, &s)
		return s
	}
	switch op {
	case "TransactWriteItems":
		var tx struct {
			TransactItems []map[string]struct {
				TableName string
				Key       map[string]map[string]any
				Item      map[string]map[string]any
			}
		}
		_ = json.Unmarshal(body, &tx)
		for _, it := range tx.TransactItems {
			for kind, x := range it {
				a := map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}[kind]
				checks = append(checks, check{action: a, table: x.TableName})
				if kind != "ConditionCheck" {
					tw.countWrite(x.TableName, x.Key, x.Item)
				}
			}
		}
	case "TransactGetItems":
		var tx struct {
			TransactItems []struct{ Get struct{ TableName string } }
		}
		_ = json.Unmarshal(body, &tx)
		for _, it := range tx.TransactItems {
			checks = append(checks, check{action: "GetItem", table: it.Get.TableName})
		}
	case "BatchGetItem", "BatchWriteItem":
		var b struct{ RequestItems map[string]json.RawMessage }
		_ = json.Unmarshal(body, &b)
		for t, reqs := range b.RequestItems {
			checks = append(checks, check{action: op, table: t})
			if op == "BatchWriteItem" {
				var ws []struct {
					PutRequest    *struct{ Item map[string]map[string]any }
					DeleteRequest *struct{ Key map[string]map[string]any }
				}
				_ = json.Unmarshal(reqs, &ws)
				for _, wr := range ws {
					if wr.PutRequest != nil {
						tw.countWrite(t, nil, wr.PutRequest.Item)
					}
					if wr.DeleteRequest != nil {
						tw.countWrite(t, wr.DeleteRequest.Key, nil)
					}
				}
			}
		}
	default:
		c := check{action: op, table: str(in["TableName"]), index: str(in["IndexName"])}
		checks = append(checks, c)
		switch op {
		case "PutItem", "UpdateItem", "DeleteItem":
			var x struct {
				Key  map[string]map[string]any
				Item map[string]map[string]any
			}
			_ = json.Unmarshal(body, &x)
			tw.countWrite(c.table, x.Key, x.Item)
		case "Query", "GetItem":
			tw.countRead(c.table, c.index, op, body)
		}
	}
	for _, c := range checks {
		res := arn("dynamodb", "table/"+c.table)
		if c.index != "" {
			res += "/index/" + c.index
		}
		if !tw.authorize(fn, "dynamodb:"+c.action, res) {
			tw.deny(w, fn, "dynamodb:"+c.action, res)
			return
		}
	}
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	tw.dynMu.RLock() // minidyn is safe per call; transactions are serialised by it
	tw.dyn.ServeHTTP(w, r2)
	tw.dynMu.RUnlock()
}

// keyCounter counts writes per partition key, for hot-key detection in the load report.
type keyCounter struct {
	mu sync.Mutex
	m  map[string]int64
}

func (k *keyCounter) add(key string) {
	k.mu.Lock()
	k.m[key]++
	k.mu.Unlock()
}

func (k *keyCounter) snapshot() map[string]int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]int64, len(k.m))
	for a, b := range k.m {
		out[a] = b
	}
	return out
}

func attrString(v map[string]any) string {
	for _, x := range v {
		return fmt.Sprint(x)
	}
	return ""
}

// countWrite counts one item write against its table partition key and, for a put, the
// partition keys of the GSIs the item lands in.
func (tw *Twin) countWrite(table string, key, item map[string]map[string]any) {
	ks := tw.tables[table]
	if ks == nil {
		return
	}
	src := key
	if src == nil {
		src = item
	}
	if v, ok := src[ks.pk]; ok {
		tw.writes.add(table + " " + ks.pk + "=" + attrString(v))
	}
	for idx, gpk := range ks.gsiPK {
		if v, ok := item[gpk]; ok {
			tw.writes.add(table + "/" + idx + " " + gpk + "=" + attrString(v))
		}
	}
}

// countRead counts a Query's partition key (GSI queries included): a key queried far more than
// others is where a sweeper reads.
func (tw *Twin) countRead(table, index, op string, body []byte) {
	if op != "Query" {
		return
	}
	var q struct {
		ExpressionAttributeValues map[string]map[string]any
		KeyConditionExpression    string
	}
	_ = json.Unmarshal(body, &q)
	first := strings.Fields(q.KeyConditionExpression)
	for _, f := range first {
		if strings.HasPrefix(f, ":") {
			if v, ok := q.ExpressionAttributeValues[strings.TrimRight(f, ")")]; ok {
				name := table
				if index != "" {
					name += "/" + index
				}
				tw.reads.add(name + " " + attrString(v))
				return
			}
		}
	}
}
