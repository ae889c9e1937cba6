package deal

// The field rules every deal obeys, whoever writes it (the API, an accepted handoff, HubSpot):
// pure functions returning the reason a value is refused ("" = fine).

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dealflow/dealflow/shared/domain"
)

// Bounds of a deal's fields. Close dates outside [MinCloseDate, now + MaxCloseDateAhead] are
// typing mistakes (0000-01-01, 2206 for 2026) that would skew every digest's pacing and cycle
// length; names and notes are single lines that fit an email subject.
const (
	MaxDealNameLen    = 200
	MaxDealLineLen    = 500 // next step, lost reason
	MaxCloseDateAhead = 10 * 365 * 24 * time.Hour
	maxHubSpotIDLen   = 20 // a HubSpot object id is a 64-bit integer
)

// MinCloseDate is the earliest close date a deal may have.
var MinCloseDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// CleanDealName is the name as stored: one line, trimmed, without control or bidi-override
// characters; the reason is set when it is empty or longer than MaxDealNameLen.
func CleanDealName(s string) (string, string) {
	s = domain.CleanLine(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", "required (one line of text)"
	case n > MaxDealNameLen:
		return "", fmt.Sprintf("too long: %d characters, at most %d", n, MaxDealNameLen)
	}
	return s, ""
}

// cleanDealLine is a next step or lost reason as stored: one line, at most MaxDealLineLen.
func cleanDealLine(s string) (string, string) {
	s = domain.CleanLine(s)
	if n := utf8.RuneCountInString(s); n > MaxDealLineLen {
		return "", fmt.Sprintf("too long: %d characters, at most %d", n, MaxDealLineLen)
	}
	return s, ""
}

// DealMoney parses an amount in currency ("" = the org currency): the currency must be an ISO
// 4217 code the org file can convert (the org currency or one with org.currency_rates), so every
// deal counts in the digests; the amount must not be negative. field names the field at fault.
func DealMoney(org *domain.Org, amount, currency string) (m domain.Money, field, reason string) {
	cur := strings.ToUpper(strings.TrimSpace(currency))
	if cur == "" {
		cur = org.Settings.Currency
	}
	switch {
	case !domain.IsISO4217(cur):
		return m, "currency", fmt.Sprintf("%q is not an ISO 4217 currency code (such as EUR or USD)", currency)
	case cur != org.Settings.Currency && org.Settings.CurrencyRates[cur].Rat() == nil:
		return m, "currency", fmt.Sprintf("the org file has no exchange rate for %s (add org.currency_rates.%s, units of %s per %s)",
			cur, cur, org.Settings.Currency, cur)
	}
	if strings.TrimSpace(amount) == "" {
		amount = "0"
	}
	m, err := domain.ParseMoney(amount, cur)
	if err != nil {
		return domain.Money{}, "amount", err.Error()
	}
	if m.AmountMinor < 0 {
		return domain.Money{}, "amount", "must not be negative"
	}
	return m, "", ""
}

// CloseDateProblem says why a close date is refused: before MinCloseDate or more than
// MaxCloseDateAhead after now.
func CloseDateProblem(d time.Time, now time.Time) string {
	if d.Before(MinCloseDate) {
		return "must be on or after " + MinCloseDate.Format(time.DateOnly)
	}
	if limit := now.Add(MaxCloseDateAhead); d.After(limit) {
		return "must be within 10 years from today (at most " + limit.Format(time.DateOnly) + ")"
	}
	return ""
}

// LostReason is a lost deal's reason as stored (as its pipeline spells it) or why it is refused:
// missing when the pipeline requires one (pipelines[].require_lost_reason, default true), or not
// one of pipelines[].lost_reasons when those are listed.
func LostReason(p *domain.Pipeline, reason string) (string, string) {
	if reason == "" {
		if !p.RequireLostReason {
			return "", ""
		}
		msg := "required when a deal is closed lost (pipelines[].require_lost_reason of pipeline " + p.ID + ")"
		if len(p.LostReasons) > 0 {
			msg += "; one of: " + strings.Join(p.LostReasons, ", ")
		}
		return "", msg
	}
	if len(p.LostReasons) == 0 {
		return reason, ""
	}
	for _, r := range p.LostReasons {
		if strings.EqualFold(r, reason) {
			return r, ""
		}
	}
	return "", fmt.Sprintf("%q is not a lost reason of pipeline %s; one of: %s", reason, p.ID, strings.Join(p.LostReasons, ", "))
}

// HubSpotIDProblem says why a HubSpot object id cannot become part of a dealflow id: HubSpot ids
// are decimal integers (https://developers.hubspot.com/docs/api/crm/understanding-the-crm).
func HubSpotIDProblem(id string) string {
	if id == "" {
		return "required for source hubspot (the HubSpot deal id)"
	}
	if len(id) > maxHubSpotIDLen {
		return fmt.Sprintf("a HubSpot deal id has at most %d digits", maxHubSpotIDLen)
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return "a HubSpot deal id is digits only, such as 1234567890"
		}
	}
	return ""
}
