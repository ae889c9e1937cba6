package reminder

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
	"github.com/dealflow/dealflow/shared/store"
	"github.com/dealflow/dealflow/shared/workhours"
)

// ReminderRun is the first task of the follow-up-reminders workflow: who to sweep.
type ReminderRun struct {
	RepIDs []string `json:"repIds"`
}

// PlanReminderRun lists the active AEs, whose deals and handoffs the run sweeps one by one.
func (d *Service) PlanReminderRun(context.Context) (ReminderRun, error) {
	run := ReminderRun{RepIDs: []string{}}
	for _, r := range d.Org.Reps {
		if r.Active && r.Role == domain.RoleAE {
			run.RepIDs = append(run.RepIDs, r.ID)
		}
	}
	sort.Strings(run.RepIDs)
	return run, nil
}

// RepRef is the input of the per-AE sweep.
type RepRef struct {
	RepID string `json:"repId"`
}

// ReminderSweep says what one AE's sweep did.
type ReminderSweep struct {
	RepID     string `json:"repId"`
	Created   int    `json:"created"`
	Resolved  int    `json:"resolved"`
	Sent      int    `json:"sent"`
	Escalated int    `json:"escalated"`
	// Held is true when reminders are due but the AE is outside working hours: they go out at
	// the first run inside them.
	Held      bool   `json:"held"`
	MessageID string `json:"messageId,omitempty"`
}

// SweepReminders evaluates the reminder policies over one AE's open deals and handoffs, creating
// at most one reminder per subject, policy and period (Reminder Due), then — only inside the AE's
// working hours — sends everything due in ONE message (Reminder Sent), copying the manager on
// causes the AE ignored too often. Safe to retry: creations are keyed, the message is keyed by
// the reminders it lists, and a reminder is marked sent once.
func (d *Service) SweepReminders(ctx context.Context, in RepRef) (ReminderSweep, error) {
	res := ReminderSweep{RepID: in.RepID}
	rep, cal, err := platform.RepCalendar(d.Org, in.RepID)
	if err != nil {
		return res, err
	}
	now := d.Clock.Now()
	deals, err := store.AppendAll(nil, func(p store.Page) ([]domain.Deal, string, error) {
		return d.Store.ListOpenDealsByOwner(ctx, rep.ID, p)
	})
	if err != nil {
		return res, platform.ErrStoreUnavailable{Op: "list deals: " + err.Error()}
	}
	var handoffs []domain.Handoff
	for _, p := range d.Org.ReminderPolicies {
		if p.Trigger == domain.TriggerHandoffNotAccepted {
			if handoffs, err = store.AppendAll(nil, func(pg store.Page) ([]domain.Handoff, string, error) {
				return d.Store.ListOpenHandoffsByAE(ctx, rep.ID, pg)
			}); err != nil {
				return res, platform.ErrStoreUnavailable{Op: "list handoffs: " + err.Error()}
			}
			break
		}
	}
	// Reminders still owed from earlier periods (held outside working hours, out of office, or
	// snoozed): a cause has at most one of them.
	open, err := store.AppendAll(nil, func(pg store.Page) ([]domain.Reminder, string, error) {
		return d.Store.ListOpenRemindersDue(ctx, rep.ID, now.AddDate(1, 0, 0), pg)
	})
	if err != nil {
		return res, platform.ErrStoreUnavailable{Op: "list open reminders: " + err.Error()}
	}
	owed := map[string][]domain.Reminder{}
	for _, r := range open {
		owed[r.DealID+"\x00"+r.Policy] = append(owed[r.DealID+"\x00"+r.Policy], r)
	}
	for _, p := range d.Org.ReminderPolicies {
		var subjects []Subject
		if p.Trigger == domain.TriggerHandoffNotAccepted {
			for i := range handoffs {
				subjects = append(subjects, Subject{Handoff: &handoffs[i]})
			}
		} else {
			for i := range deals {
				if deals[i].IsOpen() {
					subjects = append(subjects, Subject{Deal: &deals[i]})
				}
			}
		}
		for _, s := range subjects {
			f, ok := Evaluate(p, s, cal, now)
			if !ok {
				continue
			}
			created, err := d.ensureReminder(ctx, rep, cal, p, s, f, owed[s.Key()+"\x00"+p.ID], now)
			if err != nil {
				return res, err
			}
			if created {
				res.Created++
			}
		}
	}
	if !cal.IsWorking(now) {
		due, _, err := d.Store.ListOpenRemindersDue(ctx, rep.ID, now, store.Page{Limit: 1})
		if err != nil {
			return res, platform.ErrStoreUnavailable{Op: "list due reminders: " + err.Error()}
		}
		res.Held = len(due) > 0
		return res, nil
	}
	return d.sendDueReminders(ctx, rep, cal, now, res)
}

// reminderID is derived from the unique key, so a retried creation collides instead of adding.
func reminderID(subject, policy, period string) string {
	h := sha256.Sum256([]byte(subject + "\x00" + policy + "\x00" + period))
	return "rem_" + hex.EncodeToString(h[:10])
}

// ensureReminder creates the reminder for this period unless it exists or the dedupe rule says
// an earlier one covers it. owed are the subject's open reminders for this policy: a snooze that
// still runs holds everything back; a reminder owed from an earlier period that never went out
// (the AE was away) is superseded by this period's, which inherits its ignored count, so a
// returning AE hears about each cause once.
func (d *Service) ensureReminder(ctx context.Context, rep *domain.Rep, cal *workhours.Calendar, p domain.ReminderPolicy,
	s Subject, f Finding, owed []domain.Reminder, now time.Time) (bool, error) {
	loc := cal.Location()
	key := PeriodKey(p.Period, now, loc)
	subject := s.Key()
	if _, err := d.Store.GetReminderByKey(ctx, subject, p.ID, key); err == nil {
		return false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, platform.ErrStoreUnavailable{Op: "get reminder: " + err.Error()}
	}
	carried := 0
	for _, o := range owed {
		if o.Status == domain.ReminderSnoozed && o.SnoozedUntil != nil && o.SnoozedUntil.After(now) {
			return false, nil
		}
		carried = max(carried, o.IgnoredCount)
	}
	var latest *domain.Reminder
	for _, prev := range PreviousPeriods(p.Period, now, loc, Lookback(p.Period)) {
		r, err := d.Store.GetReminderByKey(ctx, subject, p.ID, prev)
		if err == nil && !r.Status.Open() {
			latest = &r
			break
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return false, platform.ErrStoreUnavailable{Op: "get reminder: " + err.Error()}
		}
	}
	dec := Decide(latest, f, PeriodStart(p.Period, now, loc))
	if !dec.Create {
		return false, nil
	}
	for _, o := range owed {
		if err := d.resolveReminder(ctx, o.ID, now); err != nil {
			return false, err
		}
	}
	dec.Ignored = max(dec.Ignored, carried)
	r := domain.Reminder{ID: reminderID(subject, p.ID, key), DealID: subject, RepID: rep.ID, Policy: p.ID, PeriodKey: key,
		Reason: f.Reason, DueAt: now, Status: domain.ReminderPending, IgnoredCount: dec.Ignored, CreatedAt: now, UpdatedAt: now}
	if s.Handoff != nil {
		r.HandoffID = s.Handoff.ID
	}
	detail, _ := json.Marshal(events.ReminderDueDetail{Meta: events.Meta{ID: r.ID + "-due", OccurredAt: now},
		ReminderID: r.ID, DealID: r.DealID, RepID: r.RepID, Policy: r.Policy})
	_, err := d.Store.CreateReminder(ctx, r, store.OutboxEvent{ID: r.ID + "-due", DetailType: events.ReminderDue, Detail: detail})
	if errors.Is(err, store.ErrAlreadyExists) {
		return false, nil
	}
	if err != nil {
		return false, platform.ErrStoreUnavailable{Op: "create reminder: " + err.Error()}
	}
	return true, nil
}

// dueItem is one follow-up in an AE's message.
type dueItem struct {
	r        domain.Reminder
	policy   domain.ReminderPolicy
	finding  Finding
	deal     *domain.Deal
	handoff  *domain.Handoff
	escalate bool
}

// subjectNow reads a reminder's subject again and re-evaluates its policy: a reminder whose
// cause went away (activity logged, stage moved, deal reassigned or closed) is not sent.
func (d *Service) subjectNow(ctx context.Context, r domain.Reminder, p domain.ReminderPolicy, rep *domain.Rep, cal *workhours.Calendar, now time.Time) (dueItem, bool, error) {
	it := dueItem{r: r, policy: p}
	var s Subject
	if r.HandoffID != "" {
		h, err := d.Store.GetHandoff(ctx, r.HandoffID)
		if errors.Is(err, store.ErrNotFound) {
			return it, false, nil
		} else if err != nil {
			return it, false, err
		}
		if h.AEID != rep.ID {
			return it, false, nil
		}
		it.handoff, s = &h, Subject{Handoff: &h}
	} else {
		deal, err := d.Store.GetDeal(ctx, r.DealID)
		if errors.Is(err, store.ErrNotFound) {
			return it, false, nil
		} else if err != nil {
			return it, false, err
		}
		if deal.OwnerID != rep.ID {
			return it, false, nil
		}
		it.deal, s = &deal, Subject{Deal: &deal}
	}
	f, ok := Evaluate(p, s, cal, now)
	it.finding = f
	return it, ok, nil
}

func (d *Service) sendDueReminders(ctx context.Context, rep *domain.Rep, cal *workhours.Calendar, now time.Time, res ReminderSweep) (ReminderSweep, error) {
	due, err := store.AppendAll(nil, func(p store.Page) ([]domain.Reminder, string, error) {
		return d.Store.ListOpenRemindersDue(ctx, rep.ID, now, p)
	})
	if err != nil {
		return res, platform.ErrStoreUnavailable{Op: "list due reminders: " + err.Error()}
	}
	var items []dueItem
	for _, r := range due {
		p, ok := Policy(d.Org, r.Policy)
		var it dueItem
		if ok {
			if it, ok, err = d.subjectNow(ctx, r, p, rep, cal, now); err != nil {
				return res, platform.ErrStoreUnavailable{Op: "read reminder subject: " + err.Error()}
			}
		}
		if !ok {
			if err := d.resolveReminder(ctx, r.ID, now); err != nil {
				return res, err
			}
			res.Resolved++
			continue
		}
		it.escalate = Escalates(p, r.IgnoredCount)
		items = append(items, it)
	}
	if len(items) == 0 {
		return res, nil
	}
	ids := make([]string, len(items))
	versions := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.r.ID
		versions[i] = fmt.Sprintf("%s@%d", it.r.ID, it.r.Version)
	}
	// The message is keyed by exactly what it lists, at the versions read: a retry of this run
	// sends nothing new, while a reminder due again after a snooze makes a new message.
	h := sha256.Sum256([]byte(rep.ID + "\x00" + strings.Join(versions, ",")))
	msg, err := d.reminderMessage(rep, cal, items, now, "reminders:"+hex.EncodeToString(h[:12]))
	if err != nil {
		return res, err
	}
	res.MessageID, err = d.Mailer.Send(ctx, msg)
	if err != nil {
		return res, fmt.Errorf("send reminders to %s: %w", rep.ID, err)
	}
	sentID := "reminders-sent-" + hex.EncodeToString(h[:12])
	detail, _ := json.Marshal(events.ReminderSentDetail{Meta: events.Meta{ID: sentID, OccurredAt: now}, RepID: rep.ID, ReminderIDs: ids, MessageID: res.MessageID})
	for i, it := range items {
		var evs []store.OutboxEvent
		if i == 0 {
			evs = append(evs, store.OutboxEvent{ID: sentID, DetailType: events.ReminderSent, Detail: detail})
		}
		_, err := d.Store.UpdateReminder(ctx, it.r.ID, func(r domain.Reminder) (domain.Reminder, error) {
			if !r.Status.Open() {
				return r, ErrAlreadyHandled
			}
			r.Status, r.SentAt, r.UpdatedAt = domain.ReminderSent, &now, now
			if it.escalate {
				r.Status = domain.ReminderEscalated
			}
			return r, nil
		}, evs...)
		if errors.Is(err, ErrAlreadyHandled) {
			continue
		}
		if err != nil {
			return res, platform.ErrStoreUnavailable{Op: "mark reminder sent: " + err.Error()}
		}
		res.Sent++
		if it.escalate {
			res.Escalated++
		}
	}
	d.Log.Info("follow-up reminders sent", "rep_id", rep.ID, "count", len(items), "escalated", res.Escalated, "message_id", res.MessageID)
	return res, nil
}

// ErrAlreadyHandled: the reminder was resolved or handled meanwhile; nothing more to do.
var ErrAlreadyHandled = errors.New("already handled")

func (d *Service) resolveReminder(ctx context.Context, id string, now time.Time) error {
	_, err := d.Store.UpdateReminder(ctx, id, func(r domain.Reminder) (domain.Reminder, error) {
		if !r.Status.Open() {
			return r, ErrAlreadyHandled
		}
		r.Status, r.UpdatedAt = domain.ReminderResolved, now
		return r, nil
	})
	if err != nil && !errors.Is(err, ErrAlreadyHandled) {
		return platform.ErrStoreUnavailable{Op: "resolve reminder: " + err.Error()}
	}
	return nil
}

// reminderReason renders why a follow-up is due, in the AE's language and time zone.
func (d *Service) reminderReason(loc string, tz *time.Location, it dueItem) string {
	f := it.finding
	switch it.policy.Trigger {
	case domain.TriggerNoActivity:
		return i18n.T(loc, "reminders.reason.no_activity", it.policy.BusinessDays, i18n.Date(loc, f.Since, tz))
	case domain.TriggerCloseDatePast:
		return i18n.T(loc, "reminders.reason.close_date_past", i18n.Date(loc, *it.deal.CloseDate, time.UTC))
	case domain.TriggerNoNextStep:
		return i18n.T(loc, "reminders.reason.no_next_step", d.Org.StageName(*it.deal))
	case domain.TriggerHandoffNotAccepted:
		return i18n.T(loc, "reminders.reason.handoff_not_accepted", i18n.DateTime(loc, f.Since, tz))
	}
	return f.Reason
}

type reminderLine struct {
	Title, Detail, Reason, Escalated string
	Snoozes                          []snoozeLink
}

type snoozeLink struct{ Label, URL string }

// reminderMessage is the one message an AE gets per run: every due follow-up with its reason and
// snooze links; the manager is copied when any item is escalated.
func (d *Service) reminderMessage(rep *domain.Rep, cal *workhours.Calendar, items []dueItem, now time.Time, key string) (notify.Message, error) {
	loc, tz := d.Org.RepLocale(rep), cal.Location()
	var lines []reminderLine
	var cc []string
	var manager *domain.Rep
	for _, it := range items {
		var l reminderLine
		if it.deal != nil {
			l.Title = it.deal.Name
			parts := []string{d.Org.StageName(*it.deal)}
			if it.deal.Amount.Currency != "" {
				parts = append(parts, i18n.Money(loc, it.deal.Amount.AmountMinor, it.deal.Amount.Currency))
			}
			l.Detail = strings.Join(parts, ", ")
		} else if it.handoff != nil {
			l.Title = i18n.T(loc, "reminders.handoff.label", it.handoff.LeadID)
		}
		l.Reason = d.reminderReason(loc, tz, it)
		if it.escalate {
			if m, ok := d.Org.ManagerOf(rep.ID); ok {
				manager = m
				l.Escalated = i18n.T(loc, "reminders.escalated", m.Name, it.r.IgnoredCount)
			}
		}
		if key := d.linkKey(); len(key) > 0 {
			for _, s := range Snoozes {
				link := signedSnoozeLink(it.r.ID, s.Key, now.Add(snoozeLinkTTL))
				l.Snoozes = append(l.Snoozes, snoozeLink{Label: i18n.T(loc, "reminders.snooze."+s.Key), URL: link.URL(d.Org.PublicBase(), key)})
			}
		}
		lines = append(lines, l)
	}
	escalation := ""
	if manager != nil {
		cc = append(cc, manager.Email)
		escalation = i18n.T(d.Org.RepLocale(manager), "reminders.escalated.intro", rep.Name)
	}
	html := remindersMailHTML(i18n.T(loc, "deals.greeting", rep.Name), i18n.T(loc, "reminders.intro"), escalation, lines,
		i18n.T(loc, "reminders.snooze"), i18n.T(loc, "footer.sent_by"))
	text := []string{i18n.T(loc, "deals.greeting", rep.Name), i18n.T(loc, "reminders.intro"), ""}
	if escalation != "" {
		text = append(text, escalation, "")
	}
	for _, l := range lines {
		text = append(text, "• "+notify.JoinWords(l.Title, "("+l.Detail+")"), "  "+l.Reason)
		if l.Escalated != "" {
			text = append(text, "  "+l.Escalated)
		}
		for _, s := range l.Snoozes {
			text = append(text, "  "+i18n.T(loc, "reminders.snooze")+" "+s.Label+": "+s.URL)
		}
	}
	text = append(text, "", i18n.T(loc, "footer.sent_by"))
	refs := map[string]string{"repId": rep.ID}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.r.ID)
	}
	refs["reminderIds"] = strings.Join(ids, ",")
	return notify.Message{From: platform.From(d.Org), To: []string{rep.Email}, Cc: slices.Compact(cc), Subject: i18n.T(loc, "reminders.subject", len(items)),
		Text: strings.Join(text, "\n"), HTML: html, IdempotencyKey: key, Refs: refs}, nil
}

// linkKey signs snooze links; without one emails carry no links.
func (d *Service) linkKey() []byte { return d.LinkKey }
