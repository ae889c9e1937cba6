package reminder

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/links"
)

// The signed snooze links of reminder emails. GET only shows a page with a button (mail scanners
// open every link; a GET must change nothing); the button POSTs the same URL.

type snoozePage struct {
	Lang, Title, Text, Action, Button string
}

func (s *Service) render(w http.ResponseWriter, status int, p snoozePage) {
	httpapi.WritePage(w, status, p.html())
}

// check verifies the link and loads its reminder; it answers the request itself when it fails.
// It returns the snooze period the link was signed for (1d, 3d, 1w).
func (s *Service) check(w http.ResponseWriter, r *http.Request) (string, domain.Reminder, string, bool) {
	loc := s.Org.Settings.Locale
	id := r.PathValue("id")
	link, err := links.Check(s.LinkKey, snoozePath(id), r.URL.Query(), s.Clock.Now())
	period := link.Params.Get("for")
	if err == nil {
		if _, ok := SnoozeDuration(period); !ok {
			err = links.ErrInvalid
		}
	}
	if err != nil {
		s.render(w, http.StatusForbidden, snoozePage{Lang: loc, Title: i18n.T(loc, "snooze.title"), Text: i18n.T(loc, "snooze.invalid")})
		return period, domain.Reminder{}, loc, false
	}
	rem, err := s.Store.GetReminder(r.Context(), id)
	if err != nil {
		httpapi.AnswerError(w, s.Log, "get reminder", err)
		return period, rem, loc, false
	}
	if rep, ok := s.Org.Rep(rem.RepID); ok {
		loc = s.Org.RepLocale(rep)
	}
	return period, rem, loc, true
}

// snoozeLinkTTL is how long a snooze link works after the email was sent.
const snoozeLinkTTL = 14 * 24 * time.Hour

func snoozePath(reminderID string) string {
	return "/v1/reminders/" + url.PathEscape(reminderID) + "/snooze"
}

// signedSnoozeLink is the signed link (shared/links) that snoozes a reminder for period.
func signedSnoozeLink(reminderID, period string, expires time.Time) links.Link {
	return links.Link{Path: snoozePath(reminderID), Params: url.Values{"for": {period}}, Expires: expires}
}

func (s *Service) subjectLabel(r *http.Request, rem domain.Reminder, loc string) string {
	if rem.HandoffID != "" {
		return i18n.T(loc, "reminders.handoff.label", rem.HandoffID)
	}
	if d, err := s.Store.GetDeal(r.Context(), rem.DealID); err == nil {
		return d.Name
	}
	return rem.DealID
}

func (s *Service) page(w http.ResponseWriter, r *http.Request) {
	period, rem, loc, ok := s.check(w, r)
	if !ok {
		return
	}
	s.render(w, http.StatusOK, snoozePage{Lang: loc, Title: i18n.T(loc, "snooze.title"),
		Text:   i18n.T(loc, "snooze.confirm", s.subjectLabel(r, rem, loc), i18n.T(loc, "reminders.snooze."+period)),
		Action: r.URL.RequestURI(), Button: i18n.T(loc, "snooze.button")})
}

func (s *Service) snooze(w http.ResponseWriter, r *http.Request) {
	period, rem, loc, ok := s.check(w, r)
	if !ok {
		return
	}
	d, _ := SnoozeDuration(period)
	now := s.Clock.Now()
	until := now.Add(d)
	got, err := s.Store.UpdateReminder(r.Context(), rem.ID, func(x domain.Reminder) (domain.Reminder, error) {
		if x.Status == domain.ReminderResolved {
			return x, ErrAlreadyHandled
		}
		x.Status, x.SnoozedUntil, x.UpdatedAt = domain.ReminderSnoozed, &until, now
		return x, nil
	})
	if errors.Is(err, ErrAlreadyHandled) {
		s.render(w, http.StatusOK, snoozePage{Lang: loc, Title: i18n.T(loc, "snooze.title"), Text: i18n.T(loc, "snooze.closed")})
		return
	}
	if err != nil {
		httpapi.AnswerError(w, s.Log, "snooze reminder", err)
		return
	}
	tz := time.UTC
	if rep, ok := s.Org.Rep(got.RepID); ok {
		tz = rep.Location()
	}
	s.Log.Info("reminder snoozed", "reminder_id", got.ID, "until", until)
	s.render(w, http.StatusOK, snoozePage{Lang: loc, Title: i18n.T(loc, "snooze.title"),
		Text: i18n.T(loc, "snooze.done", i18n.DateTime(loc, until, tz))})
}
