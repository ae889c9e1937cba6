package main

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"strings"

	"github.com/dealflow/dealflow/shared/config"
)

// OrgSettings is what the stack takes from the org file: the file itself (shipped to every function
// in a Lambda layer) and the managers' digest schedules (EventBridge Scheduler schedules).
type OrgSettings struct {
	File      string
	Content   []byte
	EmailFrom string // bare address of settings.email_from, the default sender identity
	PublicURL string // org.public_url, the default custom domain of the API
	Digests   []DigestSchedule
	// Throttling is org.api_throttling: per route key ("POST /v1/leads") or "default".
	Throttling map[string]Throttle
}

// Throttle is one route's API Gateway steady rate (requests/s) and burst.
type Throttle struct {
	Rate  float64
	Burst float64
}

// DigestSchedule is one digest of the org file: an AWS cron() expression in a time zone.
type DigestSchedule struct {
	ID       string // org file id, default "digest-<manager>"
	Manager  string // rep id of the manager
	Cron     string // "cron(0 8 ? * MON *)"
	TimeZone string // IANA, e.g. Europe/Berlin (defaults to the manager's)
	Period   string // week, month or quarter
}

// ScheduleName is the Scheduler schedule name (1-64 of [0-9A-Za-z-_.]), "digest-<id>".
func (d DigestSchedule) ScheduleName() string {
	n := nonName.ReplaceAllString(d.ID, "-")
	if !strings.HasPrefix(n, "digest-") {
		n = "digest-" + n
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// Input is what the schedule passes to the manager-digest workflow.
func (d DigestSchedule) Input() string {
	b, _ := json.Marshal(map[string]string{"digestId": d.ID, "manager": d.Manager, "period": d.Period})
	return string(b)
}

var nonName = regexp.MustCompile(`[^0-9A-Za-z\-_.]`)

// loadOrg reads and validates the org file exactly as `dealflow validate` does (shared/config,
// digest schedules with the full AWS cron parser), so synth fails with the same `file:line:col: path: message` lines.
func loadOrg(path string) (OrgSettings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return OrgSettings{}, fmt.Errorf("org file: %w (pass -c org=FILE)", err)
	}
	org, problems := config.Parse(path, data)
	if len(problems) > 0 {
		return OrgSettings{}, config.Problems(problems)
	}
	o := OrgSettings{File: path, Content: data, PublicURL: org.Settings.PublicURL}
	for k, t := range org.Settings.APIThrottling {
		if o.Throttling == nil {
			o.Throttling = map[string]Throttle{}
		}
		o.Throttling[k] = Throttle{Rate: t.Rate, Burst: float64(t.Burst)}
	}
	if from := org.Settings.EmailFrom; from != "" {
		a, err := mail.ParseAddress(from)
		if err != nil {
			return OrgSettings{}, fmt.Errorf("%s: settings.email_from: %w", path, err)
		}
		o.EmailFrom = a.Address
	}
	for _, dg := range org.Digests {
		o.Digests = append(o.Digests, DigestSchedule{ID: dg.ID, Manager: dg.Manager, Cron: dg.Schedule, TimeZone: dg.Timezone, Period: dg.Period})
	}
	return o, nil
}
