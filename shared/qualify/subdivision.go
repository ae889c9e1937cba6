package qualify

import (
	"strings"
	"sync"
)

// subdivisionNames are the ISO 3166-2 subdivisions of the countries dealflow's territories are
// usually cut by, with the names people type (local and English). Other countries' codes are
// still understood when written as codes ("FR-75", or "75" with country FR).
// Codes: ISO 3166-2:US, :CA, :DE, :AT, :CH, :AU.
var subdivisionNames = map[string]string{
	"US": `AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|DE Delaware|
FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|
ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|MT Montana|
NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|NC North Carolina|
ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|RI Rhode Island|SC South Carolina|
SD South Dakota|TN Tennessee|TX Texas|UT Utah|VT Vermont|VA Virginia|WA Washington|WV West Virginia|
WI Wisconsin|WY Wyoming|DC District of Columbia;Washington DC;Washington D.C.|AS American Samoa|GU Guam|
MP Northern Mariana Islands|PR Puerto Rico|UM United States Minor Outlying Islands|VI Virgin Islands;U.S. Virgin Islands`,
	"CA": `AB Alberta|BC British Columbia;Colombie-Britannique|MB Manitoba|NB New Brunswick;Nouveau-Brunswick|
NL Newfoundland and Labrador;Newfoundland;Terre-Neuve-et-Labrador|NS Nova Scotia;Nouvelle-Écosse|
NT Northwest Territories;Territoires du Nord-Ouest|NU Nunavut|ON Ontario|PE Prince Edward Island;Île-du-Prince-Édouard|
QC Quebec;Québec|SK Saskatchewan|YT Yukon`,
	"DE": `BW Baden-Württemberg|BY Bayern;Bavaria|BE Berlin|BB Brandenburg|HB Bremen|HH Hamburg|HE Hessen;Hesse|
MV Mecklenburg-Vorpommern;Mecklenburg-Western Pomerania|NI Niedersachsen;Lower Saxony|
NW Nordrhein-Westfalen;North Rhine-Westphalia;NRW|RP Rheinland-Pfalz;Rhineland-Palatinate|SL Saarland|
SN Sachsen;Saxony|ST Sachsen-Anhalt;Saxony-Anhalt|SH Schleswig-Holstein|TH Thüringen;Thuringia`,
	"AT": `1 Burgenland|2 Kärnten;Carinthia|3 Niederösterreich;Lower Austria|4 Oberösterreich;Upper Austria|
5 Salzburg|6 Steiermark;Styria|7 Tirol;Tyrol|8 Vorarlberg|9 Wien;Vienna`,
	"CH": `AG Aargau|AR Appenzell Ausserrhoden|AI Appenzell Innerrhoden|BL Basel-Landschaft|BS Basel-Stadt|
BE Bern;Berne|FR Fribourg;Freiburg|GE Genève;Geneva;Genf|GL Glarus|GR Graubünden;Grisons|JU Jura|
LU Luzern;Lucerne|NE Neuchâtel|NW Nidwalden|OW Obwalden|SH Schaffhausen|SZ Schwyz|SO Solothurn|
SG St. Gallen;Sankt Gallen;Saint Gallen|TG Thurgau|TI Ticino;Tessin|UR Uri|VS Valais;Wallis|VD Vaud;Waadt|
ZG Zug|ZH Zürich;Zurich`,
	"AU": `NSW New South Wales|QLD Queensland|SA South Australia|TAS Tasmania|VIC Victoria|WA Western Australia|
ACT Australian Capital Territory|NT Northern Territory`,
}

var (
	subdivisionOnce sync.Once
	// subdivisionIndex maps country → folded code or name → ISO 3166-2 code.
	subdivisionIndex map[string]map[string]string
	// subdivisionByName maps a folded name to its codes across countries (for a lead without country).
	subdivisionByName map[string][]string
)

func buildSubdivisionIndex() {
	subdivisionIndex = map[string]map[string]string{}
	subdivisionByName = map[string][]string{}
	for country, list := range subdivisionNames {
		idx := map[string]string{}
		for _, entry := range strings.Split(strings.ReplaceAll(list, "\n", ""), "|") {
			code, names, _ := strings.Cut(strings.TrimSpace(entry), " ")
			iso := country + "-" + code
			idx[foldName(code)] = iso
			for _, n := range strings.Split(names, ";") {
				for _, k := range []string{foldName(n), foldName(germanTranscription(n))} {
					idx[k] = iso
					if !containsString(subdivisionByName[k], iso) {
						subdivisionByName[k] = append(subdivisionByName[k], iso)
					}
				}
			}
		}
		subdivisionIndex[country] = idx
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Subdivision returns the ISO 3166-2 code ("US-CA", "DE-BY", "AT-9") for a state, province or
// region as people write it — a code ("CA", "BY", "US-CA") or a name ("California", "Bayern",
// "Bavaria") — within country (ISO alpha-2, may be empty). Without a country, a name that
// belongs to exactly one subdivision is enough; a bare code is not ("CA" is a US state and a
// country). ok is false when the value names no subdivision dealflow can place.
func Subdivision(country, v string) (string, bool) {
	subdivisionOnce.Do(buildSubdivisionIndex)
	v = strings.TrimSpace(v)
	if v == "" {
		return "", false
	}
	if c, code, found := strings.Cut(v, "-"); found && len(c) == 2 {
		if cc, ok := Country(c); ok && strings.EqualFold(cc, c) && (country == "" || country == cc) {
			if iso, ok := subdivisionIndex[cc][foldName(code)]; ok {
				return iso, true
			}
			if _, tabled := subdivisionIndex[cc]; !tabled && isSubdivisionCode(code) {
				return cc + "-" + strings.ToUpper(code), true
			}
		}
	}
	key := foldName(v)
	if country != "" {
		if idx, tabled := subdivisionIndex[country]; tabled {
			iso, ok := idx[key]
			return iso, ok
		}
		if isSubdivisionCode(v) {
			return country + "-" + strings.ToUpper(v), true
		}
		return "", false
	}
	if codes := subdivisionByName[key]; len(codes) == 1 && len(key) > 3 {
		return codes[0], true
	}
	return "", false
}

// isSubdivisionCode is the shape of the part after the country in ISO 3166-2: 1–3 letters or digits.
func isSubdivisionCode(s string) bool {
	if len(s) < 1 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
