// Reference data: canonical zone names from the IANA tz database (zone1970.tab) and the ISO 3166-1
// alpha-2 country codes (iso3166.tab, public domain), as shipped in tzdata 2025.

package config

// zoneNames are canonical IANA zones, used only to suggest a fix for a misspelt time zone;
// whether a zone exists is decided by time.LoadLocation against the embedded tz database.
var zoneNames = []string{
	"Africa/Abidjan",
	"Africa/Algiers",
	"Africa/Bissau",
	"Africa/Cairo",
	"Africa/Casablanca",
	"Africa/Ceuta",
	"Africa/El_Aaiun",
	"Africa/Johannesburg",
	"Africa/Juba",
	"Africa/Khartoum",
	"Africa/Lagos",
	"Africa/Maputo",
	"Africa/Monrovia",
	"Africa/Nairobi",
	"Africa/Ndjamena",
	"Africa/Sao_Tome",
	"Africa/Tripoli",
	"Africa/Tunis",
	"Africa/Windhoek",
	"America/Adak",
	"America/Anchorage",
	"America/Araguaina",
	"America/Argentina/Buenos_Aires",
	"America/Argentina/Catamarca",
	"America/Argentina/Cordoba",
	"America/Argentina/Jujuy",
	"America/Argentina/La_Rioja",
	"America/Argentina/Mendoza",
	"America/Argentina/Rio_Gallegos",
	"America/Argentina/Salta",
	"America/Argentina/San_Juan",
	"America/Argentina/San_Luis",
	"America/Argentina/Tucuman",
	"America/Argentina/Ushuaia",
	"America/Asuncion",
	"America/Bahia",
	"America/Bahia_Banderas",
	"America/Barbados",
	"America/Belem",
	"America/Belize",
	"America/Boa_Vista",
	"America/Bogota",
	"America/Boise",
	"America/Cambridge_Bay",
	"America/Campo_Grande",
	"America/Cancun",
	"America/Caracas",
	"America/Cayenne",
	"America/Chicago",
	"America/Chihuahua",
	"America/Ciudad_Juarez",
	"America/Costa_Rica",
	"America/Coyhaique",
	"America/Cuiaba",
	"America/Danmarkshavn",
	"America/Dawson",
	"America/Dawson_Creek",
	"America/Denver",
	"America/Detroit",
	"America/Edmonton",
	"America/Eirunepe",
	"America/El_Salvador",
	"America/Fort_Nelson",
	"America/Fortaleza",
	"America/Glace_Bay",
	"America/Goose_Bay",
	"America/Grand_Turk",
	"America/Guatemala",
	"America/Guayaquil",
	"America/Guyana",
	"America/Halifax",
	"America/Havana",
	"America/Hermosillo",
	"America/Indiana/Indianapolis",
	"America/Indiana/Knox",
	"America/Indiana/Marengo",
	"America/Indiana/Petersburg",
	"America/Indiana/Tell_City",
	"America/Indiana/Vevay",
	"America/Indiana/Vincennes",
	"America/Indiana/Winamac",
	"America/Inuvik",
	"America/Iqaluit",
	"America/Jamaica",
	"America/Juneau",
	"America/Kentucky/Louisville",
	"America/Kentucky/Monticello",
	"America/La_Paz",
	"America/Lima",
	"America/Los_Angeles",
	"America/Maceio",
	"America/Managua",
	"America/Manaus",
	"America/Martinique",
	"America/Matamoros",
	"America/Mazatlan",
	"America/Menominee",
	"America/Merida",
	"America/Metlakatla",
	"America/Mexico_City",
	"America/Miquelon",
	"America/Moncton",
	"America/Monterrey",
	"America/Montevideo",
	"America/New_York",
	"America/Nome",
	"America/Noronha",
	"America/North_Dakota/Beulah",
	"America/North_Dakota/Center",
	"America/North_Dakota/New_Salem",
	"America/Nuuk",
	"America/Ojinaga",
	"America/Panama",
	"America/Paramaribo",
	"America/Phoenix",
	"America/Port-au-Prince",
	"America/Porto_Velho",
	"America/Puerto_Rico",
	"America/Punta_Arenas",
	"America/Rankin_Inlet",
	"America/Recife",
	"America/Regina",
	"America/Resolute",
	"America/Rio_Branco",
	"America/Santarem",
	"America/Santiago",
	"America/Santo_Domingo",
	"America/Sao_Paulo",
	"America/Scoresbysund",
	"America/Sitka",
	"America/St_Johns",
	"America/Swift_Current",
	"America/Tegucigalpa",
	"America/Thule",
	"America/Tijuana",
	"America/Toronto",
	"America/Vancouver",
	"America/Whitehorse",
	"America/Winnipeg",
	"America/Yakutat",
	"Antarctica/Casey",
	"Antarctica/Davis",
	"Antarctica/Macquarie",
	"Antarctica/Mawson",
	"Antarctica/Palmer",
	"Antarctica/Rothera",
	"Antarctica/Troll",
	"Antarctica/Vostok",
	"Asia/Almaty",
	"Asia/Amman",
	"Asia/Anadyr",
	"Asia/Aqtau",
	"Asia/Aqtobe",
	"Asia/Ashgabat",
	"Asia/Atyrau",
	"Asia/Baghdad",
	"Asia/Baku",
	"Asia/Bangkok",
	"Asia/Barnaul",
	"Asia/Beirut",
	"Asia/Bishkek",
	"Asia/Chita",
	"Asia/Colombo",
	"Asia/Damascus",
	"Asia/Dhaka",
	"Asia/Dili",
	"Asia/Dubai",
	"Asia/Dushanbe",
	"Asia/Famagusta",
	"Asia/Gaza",
	"Asia/Hebron",
	"Asia/Ho_Chi_Minh",
	"Asia/Hong_Kong",
	"Asia/Hovd",
	"Asia/Irkutsk",
	"Asia/Jakarta",
	"Asia/Jayapura",
	"Asia/Jerusalem",
	"Asia/Kabul",
	"Asia/Kamchatka",
	"Asia/Karachi",
	"Asia/Kathmandu",
	"Asia/Khandyga",
	"Asia/Kolkata",
	"Asia/Krasnoyarsk",
	"Asia/Kuching",
	"Asia/Macau",
	"Asia/Magadan",
	"Asia/Makassar",
	"Asia/Manila",
	"Asia/Nicosia",
	"Asia/Novokuznetsk",
	"Asia/Novosibirsk",
	"Asia/Omsk",
	"Asia/Oral",
	"Asia/Pontianak",
	"Asia/Pyongyang",
	"Asia/Qatar",
	"Asia/Qostanay",
	"Asia/Qyzylorda",
	"Asia/Riyadh",
	"Asia/Sakhalin",
	"Asia/Samarkand",
	"Asia/Seoul",
	"Asia/Shanghai",
	"Asia/Singapore",
	"Asia/Srednekolymsk",
	"Asia/Taipei",
	"Asia/Tashkent",
	"Asia/Tbilisi",
	"Asia/Tehran",
	"Asia/Thimphu",
	"Asia/Tokyo",
	"Asia/Tomsk",
	"Asia/Ulaanbaatar",
	"Asia/Urumqi",
	"Asia/Ust-Nera",
	"Asia/Vladivostok",
	"Asia/Yakutsk",
	"Asia/Yangon",
	"Asia/Yekaterinburg",
	"Asia/Yerevan",
	"Atlantic/Azores",
	"Atlantic/Bermuda",
	"Atlantic/Canary",
	"Atlantic/Cape_Verde",
	"Atlantic/Faroe",
	"Atlantic/Madeira",
	"Atlantic/South_Georgia",
	"Atlantic/Stanley",
	"Australia/Adelaide",
	"Australia/Brisbane",
	"Australia/Broken_Hill",
	"Australia/Darwin",
	"Australia/Eucla",
	"Australia/Hobart",
	"Australia/Lindeman",
	"Australia/Lord_Howe",
	"Australia/Melbourne",
	"Australia/Perth",
	"Australia/Sydney",
	"Europe/Andorra",
	"Europe/Astrakhan",
	"Europe/Athens",
	"Europe/Belgrade",
	"Europe/Berlin",
	"Europe/Brussels",
	"Europe/Bucharest",
	"Europe/Budapest",
	"Europe/Chisinau",
	"Europe/Dublin",
	"Europe/Gibraltar",
	"Europe/Helsinki",
	"Europe/Istanbul",
	"Europe/Kaliningrad",
	"Europe/Kirov",
	"Europe/Kyiv",
	"Europe/Lisbon",
	"Europe/London",
	"Europe/Madrid",
	"Europe/Malta",
	"Europe/Minsk",
	"Europe/Moscow",
	"Europe/Paris",
	"Europe/Prague",
	"Europe/Riga",
	"Europe/Rome",
	"Europe/Samara",
	"Europe/Saratov",
	"Europe/Simferopol",
	"Europe/Sofia",
	"Europe/Tallinn",
	"Europe/Tirane",
	"Europe/Ulyanovsk",
	"Europe/Vienna",
	"Europe/Vilnius",
	"Europe/Volgograd",
	"Europe/Warsaw",
	"Europe/Zurich",
	"Indian/Chagos",
	"Indian/Maldives",
	"Indian/Mauritius",
	"Pacific/Apia",
	"Pacific/Auckland",
	"Pacific/Bougainville",
	"Pacific/Chatham",
	"Pacific/Easter",
	"Pacific/Efate",
	"Pacific/Fakaofo",
	"Pacific/Fiji",
	"Pacific/Galapagos",
	"Pacific/Gambier",
	"Pacific/Guadalcanal",
	"Pacific/Guam",
	"Pacific/Honolulu",
	"Pacific/Kanton",
	"Pacific/Kiritimati",
	"Pacific/Kosrae",
	"Pacific/Kwajalein",
	"Pacific/Marquesas",
	"Pacific/Nauru",
	"Pacific/Niue",
	"Pacific/Norfolk",
	"Pacific/Noumea",
	"Pacific/Pago_Pago",
	"Pacific/Palau",
	"Pacific/Pitcairn",
	"Pacific/Port_Moresby",
	"Pacific/Rarotonga",
	"Pacific/Tahiti",
	"Pacific/Tarawa",
	"Pacific/Tongatapu",
	"UTC",
}

// countryCodes are the ISO 3166-1 alpha-2 codes.
var countryCodes = map[string]bool{
	"AD": true, // Andorra
	"AE": true, // United Arab Emirates
	"AF": true, // Afghanistan
	"AG": true, // Antigua & Barbuda
	"AI": true, // Anguilla
	"AL": true, // Albania
	"AM": true, // Armenia
	"AO": true, // Angola
	"AQ": true, // Antarctica
	"AR": true, // Argentina
	"AS": true, // Samoa (American)
	"AT": true, // Austria
	"AU": true, // Australia
	"AW": true, // Aruba
	"AX": true, // Åland Islands
	"AZ": true, // Azerbaijan
	"BA": true, // Bosnia & Herzegovina
	"BB": true, // Barbados
	"BD": true, // Bangladesh
	"BE": true, // Belgium
	"BF": true, // Burkina Faso
	"BG": true, // Bulgaria
	"BH": true, // Bahrain
	"BI": true, // Burundi
	"BJ": true, // Benin
	"BL": true, // St Barthelemy
	"BM": true, // Bermuda
	"BN": true, // Brunei
	"BO": true, // Bolivia
	"BQ": true, // Caribbean NL
	"BR": true, // Brazil
	"BS": true, // Bahamas
	"BT": true, // Bhutan
	"BV": true, // Bouvet Island
	"BW": true, // Botswana
	"BY": true, // Belarus
	"BZ": true, // Belize
	"CA": true, // Canada
	"CC": true, // Cocos (Keeling) Islands
	"CD": true, // Congo (Dem. Rep.)
	"CF": true, // Central African Rep.
	"CG": true, // Congo (Rep.)
	"CH": true, // Switzerland
	"CI": true, // Côte d'Ivoire
	"CK": true, // Cook Islands
	"CL": true, // Chile
	"CM": true, // Cameroon
	"CN": true, // China
	"CO": true, // Colombia
	"CR": true, // Costa Rica
	"CU": true, // Cuba
	"CV": true, // Cape Verde
	"CW": true, // Curaçao
	"CX": true, // Christmas Island
	"CY": true, // Cyprus
	"CZ": true, // Czech Republic
	"DE": true, // Germany
	"DJ": true, // Djibouti
	"DK": true, // Denmark
	"DM": true, // Dominica
	"DO": true, // Dominican Republic
	"DZ": true, // Algeria
	"EC": true, // Ecuador
	"EE": true, // Estonia
	"EG": true, // Egypt
	"EH": true, // Western Sahara
	"ER": true, // Eritrea
	"ES": true, // Spain
	"ET": true, // Ethiopia
	"FI": true, // Finland
	"FJ": true, // Fiji
	"FK": true, // Falkland Islands
	"FM": true, // Micronesia
	"FO": true, // Faroe Islands
	"FR": true, // France
	"GA": true, // Gabon
	"GB": true, // Britain (UK)
	"GD": true, // Grenada
	"GE": true, // Georgia
	"GF": true, // French Guiana
	"GG": true, // Guernsey
	"GH": true, // Ghana
	"GI": true, // Gibraltar
	"GL": true, // Greenland
	"GM": true, // Gambia
	"GN": true, // Guinea
	"GP": true, // Guadeloupe
	"GQ": true, // Equatorial Guinea
	"GR": true, // Greece
	"GS": true, // South Georgia & the South Sandwich Islands
	"GT": true, // Guatemala
	"GU": true, // Guam
	"GW": true, // Guinea-Bissau
	"GY": true, // Guyana
	"HK": true, // Hong Kong
	"HM": true, // Heard Island & McDonald Islands
	"HN": true, // Honduras
	"HR": true, // Croatia
	"HT": true, // Haiti
	"HU": true, // Hungary
	"ID": true, // Indonesia
	"IE": true, // Ireland
	"IL": true, // Israel
	"IM": true, // Isle of Man
	"IN": true, // India
	"IO": true, // British Indian Ocean Territory
	"IQ": true, // Iraq
	"IR": true, // Iran
	"IS": true, // Iceland
	"IT": true, // Italy
	"JE": true, // Jersey
	"JM": true, // Jamaica
	"JO": true, // Jordan
	"JP": true, // Japan
	"KE": true, // Kenya
	"KG": true, // Kyrgyzstan
	"KH": true, // Cambodia
	"KI": true, // Kiribati
	"KM": true, // Comoros
	"KN": true, // St Kitts & Nevis
	"KP": true, // Korea (North)
	"KR": true, // Korea (South)
	"KW": true, // Kuwait
	"KY": true, // Cayman Islands
	"KZ": true, // Kazakhstan
	"LA": true, // Laos
	"LB": true, // Lebanon
	"LC": true, // St Lucia
	"LI": true, // Liechtenstein
	"LK": true, // Sri Lanka
	"LR": true, // Liberia
	"LS": true, // Lesotho
	"LT": true, // Lithuania
	"LU": true, // Luxembourg
	"LV": true, // Latvia
	"LY": true, // Libya
	"MA": true, // Morocco
	"MC": true, // Monaco
	"MD": true, // Moldova
	"ME": true, // Montenegro
	"MF": true, // St Martin (French)
	"MG": true, // Madagascar
	"MH": true, // Marshall Islands
	"MK": true, // North Macedonia
	"ML": true, // Mali
	"MM": true, // Myanmar (Burma)
	"MN": true, // Mongolia
	"MO": true, // Macau
	"MP": true, // Northern Mariana Islands
	"MQ": true, // Martinique
	"MR": true, // Mauritania
	"MS": true, // Montserrat
	"MT": true, // Malta
	"MU": true, // Mauritius
	"MV": true, // Maldives
	"MW": true, // Malawi
	"MX": true, // Mexico
	"MY": true, // Malaysia
	"MZ": true, // Mozambique
	"NA": true, // Namibia
	"NC": true, // New Caledonia
	"NE": true, // Niger
	"NF": true, // Norfolk Island
	"NG": true, // Nigeria
	"NI": true, // Nicaragua
	"NL": true, // Netherlands
	"NO": true, // Norway
	"NP": true, // Nepal
	"NR": true, // Nauru
	"NU": true, // Niue
	"NZ": true, // New Zealand
	"OM": true, // Oman
	"PA": true, // Panama
	"PE": true, // Peru
	"PF": true, // French Polynesia
	"PG": true, // Papua New Guinea
	"PH": true, // Philippines
	"PK": true, // Pakistan
	"PL": true, // Poland
	"PM": true, // St Pierre & Miquelon
	"PN": true, // Pitcairn
	"PR": true, // Puerto Rico
	"PS": true, // Palestine
	"PT": true, // Portugal
	"PW": true, // Palau
	"PY": true, // Paraguay
	"QA": true, // Qatar
	"RE": true, // Réunion
	"RO": true, // Romania
	"RS": true, // Serbia
	"RU": true, // Russia
	"RW": true, // Rwanda
	"SA": true, // Saudi Arabia
	"SB": true, // Solomon Islands
	"SC": true, // Seychelles
	"SD": true, // Sudan
	"SE": true, // Sweden
	"SG": true, // Singapore
	"SH": true, // St Helena
	"SI": true, // Slovenia
	"SJ": true, // Svalbard & Jan Mayen
	"SK": true, // Slovakia
	"SL": true, // Sierra Leone
	"SM": true, // San Marino
	"SN": true, // Senegal
	"SO": true, // Somalia
	"SR": true, // Suriname
	"SS": true, // South Sudan
	"ST": true, // Sao Tome & Principe
	"SV": true, // El Salvador
	"SX": true, // St Maarten (Dutch)
	"SY": true, // Syria
	"SZ": true, // Eswatini (Swaziland)
	"TC": true, // Turks & Caicos Is
	"TD": true, // Chad
	"TF": true, // French S. Terr.
	"TG": true, // Togo
	"TH": true, // Thailand
	"TJ": true, // Tajikistan
	"TK": true, // Tokelau
	"TL": true, // East Timor
	"TM": true, // Turkmenistan
	"TN": true, // Tunisia
	"TO": true, // Tonga
	"TR": true, // Turkey
	"TT": true, // Trinidad & Tobago
	"TV": true, // Tuvalu
	"TW": true, // Taiwan
	"TZ": true, // Tanzania
	"UA": true, // Ukraine
	"UG": true, // Uganda
	"UM": true, // US minor outlying islands
	"US": true, // United States
	"UY": true, // Uruguay
	"UZ": true, // Uzbekistan
	"VA": true, // Vatican City
	"VC": true, // St Vincent
	"VE": true, // Venezuela
	"VG": true, // Virgin Islands (UK)
	"VI": true, // Virgin Islands (US)
	"VN": true, // Vietnam
	"VU": true, // Vanuatu
	"WF": true, // Wallis & Futuna
	"WS": true, // Samoa (western)
	"YE": true, // Yemen
	"YT": true, // Mayotte
	"ZA": true, // South Africa
	"ZM": true, // Zambia
	"ZW": true, // Zimbabwe
}

// Locales the message catalog speaks.
var locales = []string{"en-US", "de-DE"}
