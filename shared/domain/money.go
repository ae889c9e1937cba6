package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an amount in the currency's minor units (cents for EUR and USD, yen for JPY) so that
// sums stay exact; it is never a float.
type Money struct {
	// AmountMinor is the amount in minor units: 1234567 with EUR means 12,345.67 €.
	AmountMinor int64 `json:"amountMinor"`
	// Currency is the ISO 4217 alphabetic code, upper case ("EUR").
	Currency string `json:"currency"`
}

// ErrCurrencyMismatch is returned when two amounts in different currencies are combined.
var ErrCurrencyMismatch = errors.New("currency mismatch")

// minorUnitExceptions lists ISO 4217 currencies whose minor unit is not 2 decimals; every other
// well-formed code is treated as 2 decimals (ISO 4217 "Minor unit" column).
var minorUnitExceptions = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	"CLF": 4, "UYW": 4,
}

// MinorUnits reports how many decimals the currency's minor unit has (2 for EUR, 0 for JPY).
func MinorUnits(currency string) int {
	if n, ok := minorUnitExceptions[currency]; ok {
		return n
	}
	return 2
}

// ValidCurrency reports whether code looks like an ISO 4217 alphabetic code (three upper-case letters).
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for _, r := range code {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// ParseMoney parses a decimal string such as "12345.67" or "-3" in the given currency. More
// decimals than the currency has is an error rather than a silent rounding.
func ParseMoney(amount, currency string) (Money, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if !ValidCurrency(currency) {
		return Money{}, fmt.Errorf("parse money: currency %q is not an ISO 4217 code", currency)
	}
	s := strings.TrimSpace(amount)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(s, ".")
	digits := MinorUnits(currency)
	if whole == "" || (hasDot && frac == "") || len(frac) > digits {
		return Money{}, fmt.Errorf("parse money: %q is not an amount with at most %d decimals for %s", amount, digits, currency)
	}
	frac += strings.Repeat("0", digits-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || strings.ContainsAny(whole+frac, "+-") {
		return Money{}, fmt.Errorf("parse money: %q is not a valid amount", amount)
	}
	if neg {
		n = -n
	}
	return Money{AmountMinor: n, Currency: currency}, nil
}

// Decimal renders the amount as a plain decimal string ("12345.67"), the inverse of ParseMoney.
// Locale formatting belongs to the message catalog, not here.
func (m Money) Decimal() string {
	digits := MinorUnits(m.Currency)
	n := m.AmountMinor
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}

// String is for logs: "12345.67 EUR".
func (m Money) String() string { return m.Decimal() + " " + m.Currency }

// IsZero reports whether no amount has been set.
func (m Money) IsZero() bool { return m.AmountMinor == 0 && m.Currency == "" }

// Add returns m+o; both must share a currency (a zero Money adopts the other's currency).
func (m Money) Add(o Money) (Money, error) {
	switch {
	case m.IsZero():
		return o, nil
	case o.IsZero():
		return m, nil
	case m.Currency != o.Currency:
		return Money{}, fmt.Errorf("add %s to %s: %w", o, m, ErrCurrencyMismatch)
	}
	return Money{AmountMinor: m.AmountMinor + o.AmountMinor, Currency: m.Currency}, nil
}
