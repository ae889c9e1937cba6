package expr

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

func formatInt(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

// formatFloat prints the shortest representation, as JavaScript (and so JSONata) does:
// plain digits between 1e-6 and 1e21, otherwise an exponent without leading zeros ("1e-7").
func formatFloat(f float64) string {
	if abs := math.Abs(f); abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[:1]
	exp = strings.TrimLeft(exp[1:], "0")
	return mant + "e" + sign + exp
}

// numberFloat returns the value of a JSON number.
func numberFloat(n json.Number) (float64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}

// javaNumbers rewrites numbers the way AWS's Java JSON parser re-prints them where it
// differs from the text: the integer "-0" becomes "0" (StringToJson('-0') yields 0).
func javaNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if x == "-0" {
			return json.Number("0")
		}
	case map[string]any:
		for k, e := range x {
			x[k] = javaNumbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = javaNumbers(e)
		}
	}
	return v
}
