package handoff

// The AE's Accept/Decline links. A GET only shows a page with a button (mail scanners open every
// link in an email; a GET changes nothing); the button POSTs the same URL. A link works once: when
// its attempt has an answer (or the handoff moved on) it says what happened instead.

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/dealflow/dealflow/shared/domain"
	"github.com/dealflow/dealflow/shared/httpapi"
	"github.com/dealflow/dealflow/shared/i18n"
	"github.com/dealflow/dealflow/shared/lead/leadtext"
	"github.com/dealflow/dealflow/shared/links"
	"github.com/dealflow/dealflow/shared/store"
)

// maxDeclineReason bounds the reason an AE types.
const maxDeclineReason = 2000

type handoffPage struct {
	Lang, Title, Text, Problem, Action, Button, ReasonLabel, Reason string
}

func (hs *Service) renderPage(w http.ResponseWriter, status int, p handoffPage) {
	httpapi.WritePage(w, status, p.html())
}

// linkCtx is a checked link: the handoff, the attempt and the AE it was sent to.
type linkCtx struct {
	h       domain.Handoff
	attempt int
	ae      *domain.Rep
	loc     string
	expired bool
	title   string
}

// checkLink verifies the signature and loads the handoff; it answers the request itself when the
// link is bad, and returns ok=false then.
func (hs *Service) checkLink(w http.ResponseWriter, r *http.Request, action string) (linkCtx, bool) {
	c := linkCtx{loc: hs.Org.Settings.Locale}
	c.title = i18n.T(c.loc, "handoff.page.title."+action)
	id := r.PathValue("id")
	l, err := links.Check(hs.LinkKey, handoffLinkPath(id, action), r.URL.Query(), hs.Clock.Now())
	c.expired = errors.Is(err, links.ErrExpired)
	if err != nil && !c.expired {
		hs.renderPage(w, http.StatusForbidden, handoffPage{Lang: c.loc, Title: c.title, Text: i18n.T(c.loc, "handoff.page.invalid")})
		return c, false
	}
	c.attempt, _ = strconv.Atoi(l.Params.Get("attempt"))
	if rep, ok := hs.Org.Rep(l.Params.Get("ae")); ok {
		c.ae, c.loc = rep, hs.Org.RepLocale(rep)
		c.title = i18n.T(c.loc, "handoff.page.title."+action)
	}
	c.h, err = hs.Store.GetHandoff(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.ae == nil) {
		hs.renderPage(w, http.StatusNotFound, handoffPage{Lang: c.loc, Title: c.title, Text: i18n.T(c.loc, "handoff.page.invalid")})
		return c, false
	}
	if err != nil {
		hs.Log.Error("handoff link: get handoff failed", "handoff_id", id, "error", err.Error())
		hs.renderPage(w, http.StatusServiceUnavailable, handoffPage{Lang: c.loc, Title: c.title, Text: i18n.T(c.loc, "handoff.page.unavailable")})
		return c, false
	}
	return c, true
}

// settled answers a link whose attempt is over (answered, moved on, expired): what became of the
// handoff. It returns false when the link may still be used.
func (hs *Service) settled(w http.ResponseWriter, c linkCtx) bool {
	h, loc := c.h, c.loc
	page := handoffPage{Lang: loc, Title: c.title}
	switch {
	case h.Status == domain.HandoffAccepted:
		when := ""
		if h.AcceptedAt != nil {
			when = dateTimeFor(hs.Org, c.ae, *h.AcceptedAt)
		}
		page.Text = i18n.T(loc, "handoff.page.already_accepted", hs.repName(h.AcceptedBy), when)
		hs.renderPage(w, http.StatusConflict, page)
		return true
	case h.Status == domain.HandoffWithdrawn:
		page.Text = i18n.T(loc, "handoff.page.withdrawn", hs.repName(h.SDRID))
		hs.renderPage(w, http.StatusGone, page)
		return true
	}
	if c.attempt < 1 || c.attempt > len(h.Attempts) || h.Attempts[c.attempt-1].AEID != c.ae.ID {
		page.Text = i18n.T(loc, "handoff.page.invalid")
		hs.renderPage(w, http.StatusForbidden, page)
		return true
	}
	a := h.Attempts[c.attempt-1]
	latest := h.Attempts[len(h.Attempts)-1]
	switch {
	case a.Outcome == domain.HandoffDeclined:
		when := ""
		if a.EndedAt != nil {
			when = dateTimeFor(hs.Org, c.ae, *a.EndedAt)
		}
		page.Text = i18n.T(loc, "handoff.page.already_declined", hs.repName(a.AEID), when)
		hs.renderPage(w, http.StatusConflict, page)
		return true
	case c.attempt < len(h.Attempts) && latest.AEID != c.ae.ID:
		// Expired (or declined, handled above) and asked of someone else since.
		page.Text = i18n.T(loc, "handoff.page.reassigned", hs.repName(latest.AEID))
		hs.renderPage(w, http.StatusGone, page)
		return true
	case h.Status == domain.HandoffExpired:
		page.Text = i18n.T(loc, "handoff.page.queued", hs.queueName())
		hs.renderPage(w, http.StatusGone, page)
		return true
	case a.Outcome != "" || c.expired:
		page.Text = i18n.T(loc, "handoff.page.expired")
		hs.renderPage(w, http.StatusGone, page)
		return true
	}
	return false
}

func (hs *Service) queueName() string {
	if q := hs.Org.Routing.Fallback.Queue; q != "" {
		return q
	}
	return "unassigned"
}

func (hs *Service) leadText(r *http.Request, h domain.Handoff) string {
	if l, err := hs.Store.GetLead(r.Context(), h.LeadID); err == nil {
		return leadtext.Label(l)
	}
	return h.LeadID
}

func (hs *Service) acceptPage(w http.ResponseWriter, r *http.Request) {
	c, ok := hs.checkLink(w, r, "accept")
	if !ok || hs.settled(w, c) {
		return
	}
	hs.renderPage(w, http.StatusOK, handoffPage{Lang: c.loc, Title: c.title, Action: r.URL.RequestURI(),
		Text:   i18n.T(c.loc, "handoff.page.accept.confirm", hs.leadText(r, c.h), hs.repName(c.h.SDRID)),
		Button: i18n.T(c.loc, "handoff.button.accept")})
}

func (hs *Service) acceptLink(w http.ResponseWriter, r *http.Request) {
	c, ok := hs.checkLink(w, r, "accept")
	if !ok || hs.settled(w, c) {
		return
	}
	h, err := hs.answerHandoff(r.Context(), c.h.ID, c.attempt, c.ae.ID, OutcomeAccepted, "")
	hs.answered(w, r, c, h, err, "handoff.page.accepted")
}

// answered renders the outcome of answering a handoff from a link: done (doneKey), already
// answered or reassigned (what happened instead), or a store failure (try again).
func (hs *Service) answered(w http.ResponseWriter, r *http.Request, c linkCtx, h domain.Handoff, err error, doneKey string) {
	if errors.Is(err, errHandoffAnswered) {
		c.h = h
		if !hs.settled(w, c) {
			hs.renderPage(w, http.StatusConflict, handoffPage{Lang: c.loc, Title: c.title, Text: i18n.T(c.loc, "handoff.page.expired")})
		}
		return
	}
	if err != nil {
		hs.Log.Error("answer handoff failed", "handoff_id", c.h.ID, "answer", doneKey, "error", err.Error())
		hs.renderPage(w, http.StatusServiceUnavailable, handoffPage{Lang: c.loc, Title: c.title, Text: i18n.T(c.loc, "handoff.page.unavailable")})
		return
	}
	hs.renderPage(w, http.StatusOK, handoffPage{Lang: c.loc, Title: c.title, Text: i18n.T(c.loc, doneKey, hs.leadText(r, h))})
}

func (hs *Service) declinePage(w http.ResponseWriter, r *http.Request) {
	c, ok := hs.checkLink(w, r, "decline")
	if !ok || hs.settled(w, c) {
		return
	}
	hs.renderPage(w, http.StatusOK, hs.declineForm(r, c, ""))
}

func (hs *Service) declineForm(r *http.Request, c linkCtx, problem string) handoffPage {
	return handoffPage{Lang: c.loc, Title: c.title, Action: r.URL.RequestURI(), Problem: problem,
		Text:        i18n.T(c.loc, "handoff.page.decline.confirm", hs.leadText(r, c.h), hs.repName(c.h.SDRID)),
		ReasonLabel: i18n.T(c.loc, "handoff.page.decline.reason"), Button: i18n.T(c.loc, "handoff.button.decline")}
}

func (hs *Service) declineLink(w http.ResponseWriter, r *http.Request) {
	c, ok := hs.checkLink(w, r, "decline")
	if !ok || hs.settled(w, c) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16*1024)
	if err := r.ParseForm(); err != nil {
		hs.renderPage(w, http.StatusBadRequest, hs.declineForm(r, c, i18n.T(c.loc, "handoff.page.decline.missing")))
		return
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if reason == "" || len(reason) > maxDeclineReason {
		hs.renderPage(w, http.StatusBadRequest, hs.declineForm(r, c, i18n.T(c.loc, "handoff.page.decline.missing")))
		return
	}
	h, err := hs.answerHandoff(r.Context(), c.h.ID, c.attempt, c.ae.ID, OutcomeDeclined, reason)
	hs.answered(w, r, c, h, err, "handoff.page.declined")
}

// HandoffHTTP are the handoff routes (HTTPHandlers; the handoff Lambda).
