package handoff

// The handoff's emails: the ask (and its reminder) to the AE with Accept/Decline links, and the
// news to the SDR (declined, accepted) and to the manager (nobody took it). Every text comes from
// the i18n catalog in the recipient's language; times are in the recipient's zone.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/events"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/lead/leadtext"
	"github.com/dealflow/dealflow/shared/links"
	"github.com/dealflow/dealflow/shared/notify"
	"github.com/dealflow/dealflow/shared/platform"
)

func dateTimeFor(org *domain.Org, rep *domain.Rep, t time.Time) string {
	return i18n.DateTime(org.RepLocale(rep), t, rep.Location())
}

func dealCreatedDetail(deal domain.Deal, id string, t time.Time) events.DealCreatedDetail {
	return events.DealCreatedDetail{Meta: events.Meta{ID: id, OccurredAt: t}, DealID: deal.ID, OwnerID: deal.OwnerID,
		Pipeline: deal.Pipeline, Stage: deal.Stage, LeadID: deal.LeadID}
}

// handoffLink is the signed URL of an AE's answer (action accept or decline) to one attempt.
func (d *Service) handoffLink(h domain.Handoff, attempt int, aeID, action string, exp time.Time) string {
	l := links.Link{Path: handoffLinkPath(h.ID, action), Expires: exp,
		Params: url.Values{"attempt": {strconv.Itoa(attempt)}, "ae": {aeID}}}
	return l.URL(d.Org.PublicBase(), d.LinkKey)
}

func handoffLinkPath(id, action string) string {
	return "/v1/handoffs/" + url.PathEscape(id) + "/" + action
}

// qualificationLines are the SDR's notes as label/value pairs: the org's framework fields in
// order with their translated names, then any other field the SDR filled in.
func (d *Service) qualificationLines(loc string, n domain.QualificationNotes) [][2]string {
	var out [][2]string
	seen := map[string]bool{}
	for _, f := range d.Org.Handoff.Fields() {
		seen[f] = true
		if v := n.Fields[f]; v != "" {
			out = append(out, [2]string{fieldLabel(loc, f), v})
		}
	}
	var extra []string
	for k := range n.Fields {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sortStrings(extra)
	for _, k := range extra {
		out = append(out, [2]string{fieldLabel(loc, k), n.Fields[k]})
	}
	return out
}

func fieldLabel(loc, f string) string {
	if s := i18n.T(loc, "handoff.field."+f); s != "handoff.field."+f {
		return s
	}
	return strings.ReplaceAll(f, "_", " ")
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

type mailSection struct {
	Title string
	Rows  [][2]string
}

type mailButton struct {
	Label, URL, Color string
}

type handoffMailData struct {
	Greeting, Intro string
	Sections        []mailSection
	Buttons         []mailButton
	Outro           []string
	Footer          string
}

// render builds the text and HTML bodies of one handoff email from the same parts.
func (m handoffMailData) render() (string, string, error) {
	html := m.html()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n%s\n", m.Greeting, m.Intro)
	for _, s := range m.Sections {
		fmt.Fprintf(&b, "\n%s\n", s.Title)
		for _, r := range s.Rows {
			fmt.Fprintf(&b, "  %s: %s\n", r[0], r[1])
		}
	}
	if len(m.Buttons) > 0 {
		b.WriteString("\n")
		for _, btn := range m.Buttons {
			fmt.Fprintf(&b, "%s: %s\n", btn.Label, btn.URL)
		}
	}
	if len(m.Outro) > 0 {
		b.WriteString("\n" + strings.Join(m.Outro, "\n") + "\n")
	}
	fmt.Fprintf(&b, "\n%s\n", m.Footer)
	return b.String(), html, nil
}

func (d *Service) handoffLead(ctx context.Context, h domain.Handoff) (domain.Lead, error) {
	l, err := platform.LoadLead(ctx, d.Store, d.Log, h.LeadID)
	if err != nil {
		return l, err
	}
	return l, nil
}

func (d *Service) repName(id string) string {
	if r, ok := d.Org.Rep(id); ok {
		return r.Name
	}
	return id
}

// sendHandoffAsk emails the AE of attempt n the handoff with Accept/Decline links that expire at
// exp; the reminder copies the AE's manager when the org asks for it. Slack gets the same ask.
func (d *Service) sendHandoffAsk(ctx context.Context, h domain.Handoff, n int, exp time.Time, reminder bool) (notify.Sent, error) {
	a := h.Attempts[n-1]
	ae, ok := d.Org.Rep(a.AEID)
	if !ok {
		return notify.Sent{}, platform.ErrRepNotFound{ID: a.AEID}
	}
	l, err := d.handoffLead(ctx, h)
	if err != nil {
		return notify.Sent{}, err
	}
	if exp.IsZero() {
		exp = d.assignmentOf(h, n, d.Clock.Now()).ExpiresAt
	}
	loc := d.Org.RepLocale(ae)
	sdr := d.repName(h.SDRID)
	due := dateTimeFor(d.Org, ae, a.SLADueAt)
	subject := i18n.T(loc, "handoff.ask.subject", leadtext.Label(l), sdr)
	intro := i18n.T(loc, "handoff.ask.intro", sdr, leadtext.Label(l), due)
	key := fmt.Sprintf("handoff-ask:%s:%d", h.ID, n)
	var cc []string
	if reminder {
		subject = i18n.T(loc, "handoff.remind.subject", leadtext.Label(l), sdr)
		intro = i18n.T(loc, "handoff.remind.intro", sdr, leadtext.Label(l), due, dateTimeFor(d.Org, ae, exp))
		key = fmt.Sprintf("handoff-remind:%s:%d", h.ID, n)
		if d.Org.Handoff.CopyManager {
			if m, ok := d.Org.ManagerOf(ae.ID); ok && m.Email != "" {
				cc = append(cc, m.Email)
			}
		}
	}
	data := handoffMailData{
		Greeting: i18n.T(loc, "lead.assigned.greeting", ae.Name), Intro: intro,
		Sections: []mailSection{{Title: i18n.T(loc, "handoff.section.lead"), Rows: leadtext.Fields(loc, l)}},
		Footer:   i18n.T(loc, "footer.sent_by"),
	}
	notes := d.qualificationLines(loc, h.Notes)
	if h.Notes.Text != "" {
		notes = append(notes, [2]string{i18n.T(loc, "handoff.field.text"), h.Notes.Text})
	}
	data.Sections = append(data.Sections, mailSection{Title: i18n.T(loc, "handoff.section.notes", sdr), Rows: notes})
	if len(d.LinkKey) > 0 {
		accept := d.handoffLink(h, n, ae.ID, "accept", exp)
		decline := d.handoffLink(h, n, ae.ID, "decline", exp)
		data.Buttons = []mailButton{{i18n.T(loc, "handoff.button.accept"), accept, "#1f7a4d"}, {i18n.T(loc, "handoff.button.decline"), decline, "#9b2c2c"}}
		data.Outro = append(data.Outro, i18n.T(loc, "handoff.ask.links", dateTimeFor(d.Org, ae, exp)))
	} else {
		data.Outro = append(data.Outro, i18n.T(loc, "handoff.ask.nolinks"))
	}
	text, html, err := data.render()
	if err != nil {
		return notify.Sent{}, err
	}
	id, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{ae.Email}, Cc: cc, Subject: subject, Text: text, HTML: html,
		IdempotencyKey: key, Refs: map[string]string{"handoffId": h.ID, "leadId": h.LeadID, "attempt": strconv.Itoa(n)}})
	if err != nil {
		return notify.Sent{}, fmt.Errorf("email handoff %s to %s: %w", h.ID, ae.ID, err)
	}
	if d.Slack != nil && ae.SlackID != "" {
		msg := subject + "\n" + intro
		for _, b := range data.Buttons {
			msg += "\n" + b.Label + ": " + b.URL
		}
		if err := d.Slack.Post(ctx, notify.SlackMessage{Text: msg, Mention: ae.SlackID, IdempotencyKey: key}); err != nil {
			return notify.Sent{}, fmt.Errorf("post handoff %s to %s on Slack: %w", h.ID, ae.ID, err)
		}
	}
	return notify.Sent{MessageID: id}, nil
}

// sendToSDR emails the SDR of h one piece of news about it.
func (d *Service) sendToSDR(ctx context.Context, h domain.Handoff, key string, cc []string, build func(loc string, sdr *domain.Rep) (subject string, data handoffMailData)) (notify.Sent, error) {
	sdr, ok := d.Org.Rep(h.SDRID)
	if !ok {
		d.Log.Warn("handoff SDR is not in the org file; nobody to tell", "handoff_id", h.ID, "sdr_id", h.SDRID)
		return notify.Sent{}, nil
	}
	loc := d.Org.RepLocale(sdr)
	subject, data := build(loc, sdr)
	data.Greeting, data.Footer = i18n.T(loc, "lead.assigned.greeting", sdr.Name), i18n.T(loc, "footer.sent_by")
	text, html, err := data.render()
	if err != nil {
		return notify.Sent{}, err
	}
	id, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{sdr.Email}, Cc: cc, Subject: subject, Text: text, HTML: html,
		IdempotencyKey: key, Refs: map[string]string{"handoffId": h.ID, "leadId": h.LeadID}})
	if err != nil {
		return notify.Sent{}, fmt.Errorf("email handoff %s news to SDR %s: %w", h.ID, sdr.ID, err)
	}
	return notify.Sent{MessageID: id}, nil
}

func (d *Service) sendDeclinedToSDR(ctx context.Context, h domain.Handoff, n int) (notify.Sent, error) {
	a := h.Attempts[n-1]
	l, err := d.handoffLead(ctx, h)
	if err != nil {
		return notify.Sent{}, err
	}
	return d.sendToSDR(ctx, h, fmt.Sprintf("handoff-declined:%s:%d", h.ID, n), nil, func(loc string, sdr *domain.Rep) (string, handoffMailData) {
		when := ""
		if a.EndedAt != nil {
			when = dateTimeFor(d.Org, sdr, *a.EndedAt)
		}
		return i18n.T(loc, "handoff.declined.subject", d.repName(a.AEID), leadtext.Label(l)), handoffMailData{
			Intro:    i18n.T(loc, "handoff.declined.intro", d.repName(a.AEID), leadtext.Label(l), when),
			Sections: []mailSection{{Title: i18n.T(loc, "handoff.section.reason"), Rows: [][2]string{{i18n.T(loc, "handoff.field.reason"), a.Reason}}}},
			Outro:    []string{i18n.T(loc, "handoff.declined.next")},
		}
	})
}

func (d *Service) sendAcceptedToSDR(ctx context.Context, h domain.Handoff, l domain.Lead, ae *domain.Rep, deal domain.Deal) (notify.Sent, error) {
	return d.sendToSDR(ctx, h, "handoff-accepted:"+h.ID, nil, func(loc string, sdr *domain.Rep) (string, handoffMailData) {
		when := ""
		if h.AcceptedAt != nil {
			when = dateTimeFor(d.Org, sdr, *h.AcceptedAt)
		}
		return i18n.T(loc, "handoff.accepted.subject", ae.Name, leadtext.Label(l)), handoffMailData{
			Intro: i18n.T(loc, "handoff.accepted.intro", ae.Name, leadtext.Label(l), when),
			Sections: []mailSection{{Title: i18n.T(loc, "handoff.section.deal"), Rows: [][2]string{
				{i18n.T(loc, "handoff.field.deal"), deal.Name}, {i18n.T(loc, "handoff.field.stage"), d.Org.StageName(deal)},
				{i18n.T(loc, "handoff.field.owner"), ae.Name}}}},
		}
	})
}

// sendQueuedToManager tells the manager that nobody took the handoff, with every attempt listed,
// copying the SDR.
func (d *Service) sendQueuedToManager(ctx context.Context, h domain.Handoff, l domain.Lead, queue string) (notify.Sent, error) {
	var mgr *domain.Rep
	if n := len(h.Attempts); n > 0 {
		mgr, _ = d.Org.ManagerOf(h.Attempts[n-1].AEID)
	}
	if mgr == nil {
		mgr, _ = d.Org.ManagerOf(h.SDRID)
	}
	if mgr == nil {
		mgr, _ = d.Org.Rep(d.Org.Routing.Fallback.Rep)
	}
	var cc []string
	if sdr, ok := d.Org.Rep(h.SDRID); ok && (mgr == nil || sdr.ID != mgr.ID) {
		cc = append(cc, sdr.Email)
	}
	if mgr == nil {
		if len(cc) == 0 {
			d.Log.Warn("handoff queued with nobody to tell", "handoff_id", h.ID)
			return notify.Sent{}, nil
		}
		// No manager anywhere: the SDR at least learns where the lead went.
		return d.sendToSDR(ctx, h, "handoff-queued:"+h.ID, nil, func(loc string, sdr *domain.Rep) (string, handoffMailData) {
			return i18n.T(loc, "handoff.queued.subject", leadtext.Label(l), queue), d.queuedData(loc, sdr, h, l, queue)
		})
	}
	loc := d.Org.RepLocale(mgr)
	data := d.queuedData(loc, mgr, h, l, queue)
	data.Greeting, data.Footer = i18n.T(loc, "lead.assigned.greeting", mgr.Name), i18n.T(loc, "footer.sent_by")
	text, html, err := data.render()
	if err != nil {
		return notify.Sent{}, err
	}
	id, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{mgr.Email}, Cc: cc,
		Subject: i18n.T(loc, "handoff.queued.subject", leadtext.Label(l), queue), Text: text, HTML: html,
		IdempotencyKey: "handoff-queued:" + h.ID, Refs: map[string]string{"handoffId": h.ID, "leadId": h.LeadID}})
	if err != nil {
		return notify.Sent{}, fmt.Errorf("email manager about queued handoff %s: %w", h.ID, err)
	}
	return notify.Sent{MessageID: id}, nil
}

func (d *Service) queuedData(loc string, to *domain.Rep, h domain.Handoff, l domain.Lead, queue string) handoffMailData {
	var rows [][2]string
	for _, a := range h.Attempts {
		outcome := a.Outcome
		if outcome == "" {
			outcome = domain.HandoffExpired
		}
		v := i18n.T(loc, "handoff.outcome."+string(outcome))
		if a.Reason != "" {
			v += ": " + a.Reason
		}
		rows = append(rows, [2]string{d.repName(a.AEID), v})
	}
	if len(rows) == 0 {
		rows = append(rows, [2]string{"—", i18n.T(loc, "handoff.queued.noae")})
	}
	return handoffMailData{
		Intro: i18n.T(loc, "handoff.queued.intro", d.repName(h.SDRID), leadtext.Label(l), queue),
		Sections: []mailSection{{Title: i18n.T(loc, "handoff.section.attempts"), Rows: rows},
			{Title: i18n.T(loc, "handoff.section.lead"), Rows: leadtext.Fields(loc, l)}},
	}
}

// sendWithdrawnToAE tells the AE who was asked last that the SDR took the handoff back, so they
// do not look for it; nobody was asked yet → nobody to tell.
func (d *Service) sendWithdrawnToAE(ctx context.Context, h domain.Handoff, reason string) (notify.Sent, error) {
	n := len(h.Attempts)
	if n == 0 {
		return notify.Sent{}, nil
	}
	if d.Mailer == nil {
		return notify.Sent{}, errors.New("no mailer in this function (link its SES client)")
	}
	ae, ok := d.Org.Rep(h.Attempts[n-1].AEID)
	if !ok {
		return notify.Sent{}, nil
	}
	l, err := d.handoffLead(ctx, h)
	if err != nil {
		return notify.Sent{}, err
	}
	loc := d.Org.RepLocale(ae)
	data := handoffMailData{Greeting: i18n.T(loc, "lead.assigned.greeting", ae.Name),
		Intro:  i18n.T(loc, "handoff.withdrawn.intro", d.repName(h.SDRID), leadtext.Label(l)),
		Footer: i18n.T(loc, "footer.sent_by")}
	if reason != "" {
		data.Sections = append(data.Sections, mailSection{Title: i18n.T(loc, "handoff.section.reason"),
			Rows: [][2]string{{i18n.T(loc, "handoff.field.reason"), reason}}})
	}
	text, html, err := data.render()
	if err != nil {
		return notify.Sent{}, err
	}
	id, err := d.Mailer.Send(ctx, notify.Message{From: platform.From(d.Org), To: []string{ae.Email},
		Subject: i18n.T(loc, "handoff.withdrawn.subject", leadtext.Label(l)), Text: text, HTML: html,
		IdempotencyKey: "handoff-withdrawn:" + h.ID, Refs: map[string]string{"handoffId": h.ID, "leadId": h.LeadID}})
	if err != nil {
		return notify.Sent{}, fmt.Errorf("email handoff %s withdrawal to AE %s: %w", h.ID, ae.ID, err)
	}
	return notify.Sent{MessageID: id}, nil
}
