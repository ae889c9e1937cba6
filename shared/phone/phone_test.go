package phone

import "testing"

// TestE164 covers the ways people type numbers into a lead form: national numbers read in the
// lead's country, international prefixes (+, 00, 011), punctuation, vanity letters, full-width
// digits, extensions; and the numbers that must be rejected rather than guessed at.
func TestE164(t *testing.T) {
	tests := []struct {
		name, raw, region, want string
	}{
		{"international with +", "+49 30 12345678", "ZZ", "+493012345678"},
		{"national read in its region", "030 12345678", "DE", "+493012345678"},
		{"national with slash", "030/123 456 78", "DE", "+493012345678"},
		{"00 prefix from Germany", "0049 30 12345678", "DE", "+493012345678"},
		{"00 prefix to Austria from Germany", "0043 1 5124567", "DE", "+4315124567"},
		{"011 prefix from the US", "011 49 30 12345678", "US", "+493012345678"},
		{"US punctuation", "(415) 555-2671", "US", "+14155552671"},
		{"international number read in another region", "+1 415 555 2671", "DE", "+14155552671"},
		{"trunk zero in brackets", "+49 (0)30 12345678", "ZZ", "+493012345678"},
		{"vanity letters", "+1-800-FLOWERS", "ZZ", "+18003569377"},
		{"full-width digits", "+４９ ３０ １２３４５６７８", "ZZ", "+493012345678"},
		{"extension dropped", "+49 30 12345678 ext. 12", "ZZ", "+493012345678"},
		{"UK mobile", "07400 123456", "GB", "+447400123456"},
		{"Swiss", "044 668 18 00", "CH", "+41446681800"},
		{"Italian keeps its leading zero", "06 1234 5678", "IT", "+390612345678"},

		{"national without a region", "030 12345678", "ZZ", ""},
		{"too short", "12", "DE", ""},
		{"too long", "+49 30 1234567890123456", "ZZ", ""},
		{"US area code cannot start with 1", "(123) 456-7890", "US", ""},
		{"unassigned country code", "+999 1234 5678", "ZZ", ""},
		{"words", "not a phone", "US", ""},
		{"empty", "", "DE", ""},
		{"plus only", "+", "ZZ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := E164(tc.raw, tc.region)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("E164(%q, %q) = %q, %v; want %q, %v", tc.raw, tc.region, got, ok, tc.want, tc.want != "")
			}
		})
	}
}
