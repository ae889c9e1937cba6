// Package awsadapters is the home of the AWS implementations of the ports that have no better
// home, one subpackage per AWS service so a Lambda bootstrap links (and runs the package
// initialisers of) only the SDK clients its function uses (infra/README.md "One bootstrap per
// function"): eventbus (events.Publisher on EventBridge), stepfunctions (workflow.Engine),
// sesmail (notify.Mailer on SES v2) and secrets (Secrets Manager at cold start). Business code
// never imports them; functions/ do.
package awsadapters
