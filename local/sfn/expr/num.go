package expr

import (
	"encoding/json"
	"math"
	"strconv"
)

func formatInt(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }

func formatFloat(f float64) string {
	// JSON-compatible shortest representation.
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if abs := math.Abs(f); abs >= 1e-6 && abs < 1e21 {
		s = strconv.FormatFloat(f, 'f', -1, 64)
	}
	return s
}

// numberFloat returns the value of a JSON number.
func numberFloat(n json.Number) (float64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}
