// Package i18n is the one message catalog for every text people read (emails, Slack, console
// labels), in English and German, with numbers, money and dates formatted for the locale.
package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Locales supported. Anything else falls back to English.
const (
	English = "en-US"
	German  = "de-DE"
)

// Normalize maps a locale tag onto a supported locale ("de", "de-AT" → de-DE).
func Normalize(locale string) string {
	if strings.HasPrefix(strings.ToLower(locale), "de") {
		return German
	}
	return English
}

// T returns the message for key in locale, formatted with args (fmt verbs). A key missing from
// the catalog is a programming error caught by TestCatalogComplete; at run time it shows the key.
func T(locale, key string, args ...any) string {
	msg, ok := catalog[Normalize(locale)][key]
	if !ok {
		msg, ok = catalog[English][key]
	}
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// N returns the plural form of key for the count n: the message key+".one" for exactly 1 and
// key+".other" otherwise (the CLDR rule for English and German), formatted with n in the locale's
// digits ("1.234") as its first argument, then args.
func N(locale, key string, n int, args ...any) string {
	form := key + ".other"
	if n == 1 {
		form = key + ".one"
	}
	return T(locale, form, append([]any{Number(locale, int64(n))}, args...)...)
}

// Number formats an integer with the locale's grouping: 1,234 or 1.234.
func Number(locale string, n int64) string {
	s := strconv.FormatInt(abs(n), 10)
	sep := ","
	if Normalize(locale) == German {
		sep = "."
	}
	var b strings.Builder
	if n < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Decimal formats f with places decimals and the locale's decimal mark: 1.5 or 1,5 (no
// grouping, for ratios and short axis values).
func Decimal(locale string, f float64, places int) string {
	s := strconv.FormatFloat(f, 'f', places, 64)
	if Normalize(locale) == German {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

var symbols = map[string]string{"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF", "JPY": "¥"}

// Money formats minor units of an ISO 4217 currency with 2 decimals (0 for JPY):
// €1,234.56 (en-US) and 1.234,56 € (de-DE).
func Money(locale string, minor int64, currency string) string {
	digits := 2
	if currency == "JPY" {
		digits = 0
	}
	sym := symbols[currency]
	if sym == "" {
		sym = currency
	}
	neg := minor < 0
	minor = abs(minor)
	div := int64(1)
	for i := 0; i < digits; i++ {
		div *= 10
	}
	whole := Number(locale, minor/div)
	frac := ""
	dec := "."
	if Normalize(locale) == German {
		dec = ","
	}
	if digits > 0 {
		frac = dec + fmt.Sprintf("%0*d", digits, minor%div)
	}
	sign := ""
	if neg {
		sign = "-"
	}
	if Normalize(locale) == German {
		return sign + whole + frac + "\u00a0" + sym
	}
	if len(sym) > 1 && sym == currency {
		return sign + sym + "\u00a0" + whole + frac
	}
	return sign + sym + whole + frac
}

var (
	enDays   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	deDays   = []string{"So.", "Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa."}
	enMonths = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	deMonths = []string{"Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."}
)

// Date formats a day in loc: "Mon, Nov 30" (en-US) and "Mo., 30. Nov." (de-DE).
func Date(locale string, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if Normalize(locale) == German {
		return fmt.Sprintf("%s, %d. %s", deDays[t.Weekday()], t.Day(), deMonths[t.Month()-1])
	}
	return fmt.Sprintf("%s, %s %d", enDays[t.Weekday()], enMonths[t.Month()-1], t.Day())
}

// DateTime formats a moment in loc with the zone abbreviation: "Mon, Nov 30, 9:05 AM CET" and
// "Mo., 30. Nov., 09:05 MEZ"-style (German uses the 24-hour clock).
func DateTime(locale string, t time.Time, loc *time.Location) string {
	t = t.In(loc)
	zone, _ := t.Zone()
	if Normalize(locale) == German {
		return fmt.Sprintf("%s, %02d:%02d %s", Date(locale, t, loc), t.Hour(), t.Minute(), zone)
	}
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	ampm := "AM"
	if t.Hour() >= 12 {
		ampm = "PM"
	}
	return fmt.Sprintf("%s, %d:%02d %s %s", Date(locale, t, loc), h, t.Minute(), ampm, zone)
}

// Add merges an area's messages into the catalog (called from init in catalog_<area>.go files,
// so areas add texts without editing one shared file). A key defined twice is a bug.
func Add(locale string, msgs map[string]string) {
	m := catalog[locale]
	if m == nil {
		m = map[string]string{}
		catalog[locale] = m
	}
	for k, v := range msgs {
		if _, dup := m[k]; dup {
			panic("i18n: message " + k + " defined twice for " + locale)
		}
		m[k] = v
	}
}
