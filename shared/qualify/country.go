package qualify

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// notAssigned are region codes CLDR knows that are not current ISO 3166-1 alpha-2 assignments:
// exceptional reservations, user-assigned codes and withdrawn countries (YU, CS, SU, ...).
var notAssigned = toSet(`AC CP CQ DG EA IC TA XK XA XB QO EU EZ UN UK
AN BU CS CT DD DY FQ FX HV JT MI NH NQ NT PC PU PZ RH SU TP VD WK YD YU ZR`)

// countryAliases are what people type that no name table has.
var countryAliases = map[string]string{
	"usa": "US", "united states of america": "US", "america": "US", "u s a": "US", "u s": "US",
	"uk": "GB", "u k": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
	"wales": "GB", "northern ireland": "GB", "grossbritannien": "GB",
	"holland": "NL", "the netherlands": "NL", "netherlands the": "NL",
	"brd": "DE", "bundesrepublik deutschland": "DE", "federal republic of germany": "DE",
	"schweiz": "CH", "suisse": "CH", "svizzera": "CH", "swiss confederation": "CH",
	"czech republic": "CZ", "tschechische republik": "CZ", "korea": "KR", "republic of korea": "KR",
	"russia": "RU", "russian federation": "RU", "uae": "AE", "u a e": "AE", "vietnam": "VN",
	"ivory coast": "CI", "elfenbeinkuste": "CI", "turkey": "TR", "turkei": "TR", "turkiye": "TR",
	"hong kong sar": "HK", "macau": "MO", "burma": "MM", "swaziland": "SZ", "macedonia": "MK",
	"cape verde": "CV", "vatican": "VA", "vatican city": "VA", "east timor": "TL", "palestine": "PS",
	"taiwan roc": "TW", "prc": "CN", "peoples republic of china": "CN",
}

var (
	countryOnce  sync.Once
	countryIndex map[string]string
)

// Country returns the ISO 3166-1 alpha-2 code for a country code (alpha-2 or alpha-3) or a name in
// English, German, French or Italian ("Deutschland", "Österreich", "Suisse"), and false if the
// input names no country.
func Country(s string) (string, bool) {
	countryOnce.Do(buildCountryIndex)
	code, ok := countryIndex[foldName(s)]
	return code, ok
}

// buildCountryIndex reads countryTable (country_table.go), generated from CLDR's region names
// in golang.org/x/text/language/display by country_table_test.go (go generate). Linking display
// itself would add ~2.5 MB of name tables for 195 lines' worth of data to every binary that
// links qualify (infra/README.md "One bootstrap per function").
func buildCountryIndex() {
	idx := make(map[string]string, strings.Count(countryTable, "\n"))
	for line := range strings.Lines(countryTable) {
		k, code, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "\t")
		idx[k] = code
	}
	countryIndex = idx
}

// germanTranscription writes umlauts the way keyboards without them do.
func germanTranscription(s string) string {
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss").Replace(s)
}

// foldName reduces a name to a lookup key: lower case, accents stripped, punctuation as spaces,
// "&" as "and", a leading "the" dropped. "Côte d’Ivoire" and "cote d ivoire" meet.
func foldName(s string) string {
	s = strings.ReplaceAll(s, "ß", "ss")
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(unicode.ToLower(r))
		case r == '&':
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString("and")
			space = true
		case r == '.':
			// dropped, so "U.S.A." folds to "usa"
		default:
			space = true
		}
	}
	out := b.String()
	out = strings.TrimPrefix(out, "the ")
	return out
}
