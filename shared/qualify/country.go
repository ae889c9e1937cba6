package qualify

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
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

func buildCountryIndex() {
	idx := map[string]string{}
	add := func(name, code string) {
		k := foldName(name)
		if k == "" {
			return
		}
		if _, taken := idx[k]; !taken {
			idx[k] = code
		}
	}
	var regions []language.Region
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			s := string([]rune{a, b})
			r, err := language.ParseRegion(s)
			if err != nil || !r.IsCountry() || r.String() != s || r.ISO3() == "ZZZ" || notAssigned[s] {
				continue
			}
			regions = append(regions, r)
		}
	}
	// Codes first, then names by language, so a code never loses to a name.
	for _, r := range regions {
		add(r.String(), r.String())
		add(r.ISO3(), r.String())
	}
	for _, r := range regions {
		add(display.English.Regions().Name(r), r.String())
	}
	for k, code := range countryAliases {
		add(k, code)
	}
	for _, names := range []display.Namer{display.German.Regions(), display.French.Regions(), display.Italian.Regions()} {
		for _, r := range regions {
			n := names.Name(r)
			add(n, r.String())
			add(germanTranscription(n), r.String()) // "Oesterreich", "Tuerkei"
		}
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
