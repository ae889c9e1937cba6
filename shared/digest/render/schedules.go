package render

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
)

// StateMachine is the workflow a digest schedule starts.
const StateMachine = "manager-digest"

// Schedules turns the org file's digests into EventBridge Scheduler schedules, one per digest:
// its cron() in its time zone (the manager's by default), starting manager-digest with
// {digestId, manager, period}. The org file is the one source: the local runtime adds these to
// events/schedules at load time and the CDK stack builds the same schedules from the same file,
// so there are no generated files to keep in step with the org file.
func Schedules(org *domain.Org) []events.Schedule {
	var out []events.Schedule
	for i, dg := range org.Digests {
		input, _ := json.Marshal(map[string]string{"digestId": dg.ID, "manager": dg.Manager, "period": dg.Period})
		out = append(out, events.Schedule{
			File:                       fmt.Sprintf("org file: digests[%d]", i),
			Name:                       ScheduleName(dg.ID),
			Description:                fmt.Sprintf("%s digest for manager %s (org file)", dg.Period, dg.Manager),
			ScheduleExpression:         dg.Schedule,
			ScheduleExpressionTimezone: dg.Timezone,
			FlexibleTimeWindow:         events.FlexibleTimeWindow{Mode: "OFF"},
			State:                      "ENABLED",
			Target:                     events.ScheduleTarget{StateMachine: StateMachine, Input: input},
		})
	}
	return out
}

var nonScheduleName = regexp.MustCompile(`[^0-9A-Za-z\-_.]`)

// ScheduleName is "digest-<id>" within Scheduler's name rules (1–64 of [0-9A-Za-z-_.]).
// https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html
func ScheduleName(id string) string {
	n := nonScheduleName.ReplaceAllString(id, "-")
	if !strings.HasPrefix(n, "digest-") {
		n = "digest-" + n
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}
