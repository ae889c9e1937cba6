package expr

import "testing"

// TestFloatNumber checks numbers produced by JSONata print as JavaScript prints them.
func TestFloatNumber(t *testing.T) {
	a, b := 0.1, 0.2 // variables, so the sum is computed in float64 and not folded exactly
	tests := []struct {
		f    float64
		want string
	}{
		{3, "3"},
		{-0.0, "0"},
		{a + b, "0.30000000000000004"},
		{1.5, "1.5"},
		{1e-7, "1e-7"},
		{1.5e-9, "1.5e-9"},
		{1e16, "10000000000000000"},
		{1e21, "1e+21"},
		{-2.5e22, "-2.5e+22"},
	}
	for _, tc := range tests {
		if got := string(floatNumber(tc.f, false)); got != tc.want {
			t.Errorf("floatNumber(%v) = %s, want %s", tc.f, got, tc.want)
		}
	}
}
