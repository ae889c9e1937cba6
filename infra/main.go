// Command infra is the dealflow CDK app: it builds the AWS stack from the same statemachines/,
// events/ and org file the local runtime runs, checks it with cdk-nag, and writes cdk.out.
//
//	cd infra && go run .            # what `make synth` and `cdk deploy` run
//
// Context (cdk -c key=value, or CDK_CONTEXT_JSON): stage, senderEmail, allowedOrigins
// (comma-separated), alarmEmail, org (org file), lambdaDir, root (repository root), domain and
// certificateArn (the API's custom domain), mailDomain (SES domain identity with DKIM),
// reservedConcurrency=false (new accounts), logLevel (ERROR or ALL, see Settings.LogLevel).
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

func main() {
	ensureJSIIEnv()
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}

func run() error {
	props := &awscdk.AppProps{}
	if os.Getenv("CDK_OUTDIR") == "" { // set by the cdk CLI; `make synth` runs us directly
		props.Outdir = jsii.String("cdk.out")
	}
	app := awscdk.NewApp(props)
	ctx := func(key, def string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
			return v
		}
		return def
	}
	staging, err := os.MkdirTemp("", "dealflow-synth-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)

	root := ctx("root", "..")
	set := Settings{
		Stage:               ctx("stage", "dev"),
		SenderEmail:         ctx("senderEmail", ""),
		AllowedOrigins:      splitList(ctx("allowedOrigins", "")),
		AlarmEmail:          ctx("alarmEmail", ""),
		LambdaDir:           ctx("lambdaDir", filepath.Join(root, "bin", "lambda")),
		StagingDir:          staging,
		ReservedConcurrency: ctx("reservedConcurrency", "true") != "false",
		Domain:              ctx("domain", ""),
		CertificateArn:      ctx("certificateArn", ""),
		MailDomain:          ctx("mailDomain", ""),
		LogLevel:            strings.ToUpper(ctx("logLevel", "ERROR")),
	}
	proj, err := LoadProject(root, routeTable())
	if err != nil {
		return err
	}
	if proj.Org, err = loadOrg(ctx("org", filepath.Join(root, "examples", "org.yaml"))); err != nil {
		return err
	}
	if set.SenderEmail == "" { // the org file's sender is the default SES identity
		set.SenderEmail = proj.Org.EmailFrom
	}
	stackID := "dealflow-" + set.Stage
	stack, err := NewDealflowStack(app, stackID, &awscdk.StackProps{Env: envFromCLI()}, set, proj, functionAccess)
	if err != nil {
		return err
	}
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)

	asm := app.Synth(nil)
	// cdk-nag reports through annotations; an error annotation fails the synth like `cdk synth` does.
	var errs []string
	for _, m := range *asm.GetStackArtifact(stack.ArtifactId()).Messages() {
		switch m.Level {
		case "error":
			errs = append(errs, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
		case "warning":
			fmt.Fprintf(os.Stderr, "warning: %s: %v\n", *m.Id, m.Entry.Data)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d error(s) in %s:\n%s", len(errs), stackID, strings.Join(errs, "\n"))
	}
	fmt.Printf("synthesised %s into %s\n", stackID, *asm.Directory())
	return nil
}

// envFromCLI pins account and region when the cdk CLI knows them (deploy); offline synth stays
// environment-agnostic.
func envFromCLI() *awscdk.Environment {
	acc, reg := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if acc == "" || reg == "" {
		return nil
	}
	return &awscdk.Environment{Account: jsii.String(acc), Region: jsii.String(reg)}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
