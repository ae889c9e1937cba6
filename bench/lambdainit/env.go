package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
)

// access is one function's entry of infra/access.go functionAccess: what decides the variables
// the stack sets (infra/stack.go function).
type access struct {
	table          bool
	publishEvents  bool
	sendEmail      bool
	secrets        []string
	startWorkflows []string
}

// readAccess reads functionAccess from infra/access.go. infra is its own module (CDK, jsii), so
// the table is read as source, not imported; an entry this cannot read is an error, never a
// function measured with less environment than it gets on Lambda.
func readAccess(path string) (map[string]access, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("access table: %w", err)
	}
	consts := map[string]string{}
	var table *ast.CompositeLit
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range g.Specs {
			vs, ok := s.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, n := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && g.Tok == token.CONST && lit.Kind == token.STRING {
					consts[n.Name], _ = strconv.Unquote(lit.Value)
				}
				if cl, ok := vs.Values[i].(*ast.CompositeLit); ok && n.Name == "functionAccess" {
					table = cl
				}
			}
		}
	}
	if table == nil {
		return nil, fmt.Errorf("%s: no functionAccess table", path)
	}
	str := func(e ast.Expr) (string, error) {
		switch v := e.(type) {
		case *ast.BasicLit:
			if v.Kind == token.STRING {
				return strconv.Unquote(v.Value)
			}
		case *ast.Ident:
			if s, ok := consts[v.Name]; ok {
				return s, nil
			}
		}
		return "", fmt.Errorf("not a string or string constant: %T", e)
	}
	strs := func(e ast.Expr) ([]string, error) {
		cl, ok := e.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("not a []string literal: %T", e)
		}
		var out []string
		for _, el := range cl.Elts {
			s, err := str(el)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	out := map[string]access{}
	for _, el := range table.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("%s: functionAccess entry is not key: value", path)
		}
		name, err := str(kv.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: functionAccess key: %w", path, err)
		}
		cl, ok := kv.Value.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("%s: functionAccess[%q] is not an Access literal", path, name)
		}
		var a access
		for _, fe := range cl.Elts {
			fkv, ok := fe.(*ast.KeyValueExpr)
			if !ok {
				return nil, fmt.Errorf("%s: functionAccess[%q]: fields must be named", path, name)
			}
			field, _ := fkv.Key.(*ast.Ident)
			val, _ := fkv.Value.(*ast.Ident)
			var err error
			switch {
			case field == nil:
				err = fmt.Errorf("unnamed field")
			case field.Name == "Table" && val != nil:
				a.table = val.Name != "NoTable"
			case field.Name == "PublishEvents" && val != nil:
				a.publishEvents = val.Name == "true"
			case field.Name == "SendEmail" && val != nil:
				a.sendEmail = val.Name == "true"
			case field.Name == "Secrets":
				a.secrets, err = strs(fkv.Value)
			case field.Name == "StartWorkflows":
				a.startWorkflows, err = strs(fkv.Value)
			case field.Name == "AnswerTasks":
				// Sets no variable: answering a task token needs only the token.
			default:
				err = fmt.Errorf("field %s: lambdainit does not know which variable it sets", field.Name)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: functionAccess[%q]: %w", path, name, err)
			}
		}
		out[name] = a
	}
	return out, nil
}

// Plausible values for a dev stage; any well-formed value does, since nothing at init checks
// them against AWS except the secrets, which the fake answers.
const (
	fakeRegion  = "eu-west-1"
	fakeAccount = "123456789012"
	fakeStage   = "dev"
)

func envName(s string) string { return strings.ToUpper(strings.ReplaceAll(s, "-", "_")) }

// lambdaEnv is the environment of function name on Lambda: what the runtime sets
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime),
// with fake role credentials, and what infra/stack.go sets from its access entry. Nothing is
// inherited from this process, as nothing is on Lambda.
func lambdaEnv(name string, a access, orgFile string) []string {
	prefix := "dealflow-" + fakeStage
	fn := prefix + "-" + name
	env := []string{
		"PATH=/usr/local/bin:/usr/bin/:/bin:/opt/bin",
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"_HANDLER=bootstrap",
		"AWS_EXECUTION_ENV=AWS_Lambda_provided.al2023",
		"AWS_REGION=" + fakeRegion,
		"AWS_DEFAULT_REGION=" + fakeRegion,
		"AWS_ACCESS_KEY_ID=ASIAFAKEFAKEFAKEFAKE",
		"AWS_SECRET_ACCESS_KEY=fakefakefakefakefakefakefakefakefakefake",
		"AWS_SESSION_TOKEN=fake-session-token",
		"AWS_LAMBDA_FUNCTION_NAME=" + fn,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/" + fn,
		"AWS_LAMBDA_LOG_STREAM_NAME=2026/01/01/[$LATEST]00000000000000000000000000000000",
		"AWS_XRAY_CONTEXT_MISSING=LOG_ERROR",
		"AWS_XRAY_DAEMON_ADDRESS=169.254.79.129:2000",
		"LAMBDA_TASK_ROOT=/var/task",
		"LAMBDA_RUNTIME_DIR=/var/runtime",
		// infra/stack.go function():
		"DEALFLOW_STAGE=" + fakeStage,
		"ORG_FILE=" + orgFile,
	}
	if a.table {
		env = append(env, "TABLE_NAME="+prefix)
	}
	if a.publishEvents {
		env = append(env, "EVENT_BUS_NAME="+prefix)
	}
	if a.sendEmail {
		env = append(env, "SENDER_EMAIL=sales@example.com", "SES_CONFIGURATION_SET="+prefix)
	}
	for _, s := range a.secrets {
		env = append(env, "SECRET_"+envName(s)+"_ARN=arn:aws:secretsmanager:"+fakeRegion+":"+fakeAccount+":secret:"+prefix+"/"+s+"-AbCdEf")
	}
	for _, sm := range a.startWorkflows {
		env = append(env, "STATE_MACHINE_"+envName(sm)+"_ARN=arn:aws:states:"+fakeRegion+":"+fakeAccount+":stateMachine:"+prefix+"-"+sm)
	}
	return env
}
