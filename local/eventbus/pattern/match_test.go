package pattern_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

// envelope wraps detail (JSON text) in an EventBridge envelope.
func envelope(detail string) string {
	return `{"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602","detail-type":"Deal Stage Changed",` +
		`"source":"dealflow","account":"123456789012","time":"2026-03-02T09:30:00Z","region":"eu-central-1",` +
		`"resources":["arn:aws:events:eu-central-1:123456789012:event-bus/dealflow"],"detail":` + detail + `}`
}

type matchCase struct {
	name    string
	pattern string
	detail  string // the event's detail; the envelope is added around it
	want    bool
}

func runMatchCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := pattern.Compile([]byte(c.pattern))
			if err != nil {
				t.Fatalf("Compile(%s): %v", c.pattern, err)
			}
			ev := envelope(c.detail)
			got, err := p.Match([]byte(ev))
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != c.want {
				t.Fatalf("pattern %s\ndetail  %s\nmatch = %v, want %v", c.pattern, c.detail, got, c.want)
			}
			// The bus path: an event decoded by encoding/json without UseNumber must agree.
			var plain any
			if err := json.Unmarshal([]byte(ev), &plain); err != nil {
				t.Fatal(err)
			}
			if got := p.MatchValue(plain); got != c.want {
				t.Fatalf("MatchValue on float64-decoded event = %v, want %v", got, c.want)
			}
		})
	}
}

func TestExactValues(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"string", `{"detail":{"stage":["negotiation"]}}`, `{"stage":"negotiation"}`, true},
		{"string is case-sensitive", `{"detail":{"stage":["Negotiation"]}}`, `{"stage":"negotiation"}`, false},
		{"envelope field", `{"source":["dealflow"],"detail-type":["Deal Stage Changed"]}`, `{}`, true},
		{"number", `{"detail":{"amount":[5000]}}`, `{"amount":5000}`, true},
		{"number written as float matches", `{"detail":{"amount":[5000]}}`, `{"amount":5000.0}`, true},
		{"number written with exponent matches", `{"detail":{"amount":[3.0e2]}}`, `{"amount":300}`, true},
		{"negative exponent", `{"detail":{"x":[-4e-6]}}`, `{"x":-0.000004}`, true},
		{"number is not the string", `{"detail":{"amount":[5000]}}`, `{"amount":"5000"}`, false},
		{"string is not the number", `{"detail":{"amount":["5000"]}}`, `{"amount":5000}`, false},
		{"true", `{"detail":{"won":[true]}}`, `{"won":true}`, true},
		{"true is not the string", `{"detail":{"won":[true]}}`, `{"won":"true"}`, false},
		{"false is not true", `{"detail":{"won":[false]}}`, `{"won":true}`, false},
		{"1 is not true", `{"detail":{"won":[1]}}`, `{"won":true}`, false},
		{"null", `{"detail":{"owner":[null]}}`, `{"owner":null}`, true},
		{"null needs the field", `{"detail":{"owner":[null]}}`, `{}`, false},
		{"null is not the empty string", `{"detail":{"owner":[null]}}`, `{"owner":""}`, false},
		{"empty string", `{"detail":{"owner":[""]}}`, `{"owner":""}`, true},
		{"empty string is not null", `{"detail":{"owner":[""]}}`, `{"owner":null}`, false},
		{"missing field", `{"detail":{"stage":["won"]}}`, `{"state":"won"}`, false},
		{"object is not a leaf", `{"detail":{"owner":["ana"]}}`, `{"owner":{"name":"ana"}}`, false},
		{"nesting must match", `{"detail":{"owner":{"name":["ana"]}}}`, `{"name":"ana"}`, false},
		{"deep nesting", `{"detail":{"a":{"b":{"c":["x"]}}}}`, `{"a":{"b":{"c":"x"}}}`, true},
		{"list is OR", `{"detail":{"stage":["won","lost"]}}`, `{"stage":"lost"}`, true},
		{"mixed-type list", `{"detail":{"v":["x",5,null,false]}}`, `{"v":null}`, true},
		{"fields are AND", `{"detail":{"stage":["won"],"owner":["ana"]}}`, `{"stage":"won","owner":"bob"}`, false},
		{"plain IP string matches the same address written differently", `{"detail":{"ip":["2001:db8::1"]}}`, `{"ip":"2001:0db8:0:0:0:0:0:1"}`, true},
		{"plain IP string", `{"detail":{"ip":["10.0.0.1"]}}`, `{"ip":"10.0.0.2"}`, false},
	})
}

func TestArrays(t *testing.T) {
	employees := `{"employees":[[{"firstName":"John","lastName":"Doe","ids":[1234,1000,9999]},{"firstName":"Anna","lastName":"Smith"}],[{"firstName":"Peter","lastName":"Jones","ids":[]}]]}`
	runMatchCases(t, []matchCase{
		{"scalar array: any element", `{"detail":{"tags":["vip"]}}`, `{"tags":["smb","vip"]}`, true},
		{"scalar array: none", `{"detail":{"tags":["vip"]}}`, `{"tags":["smb","mid"]}`, false},
		{"scalar array: intersection with list", `{"detail":{"tags":["a","b"]}}`, `{"tags":["c","b"]}`, true},
		{"nested scalar arrays are flattened", `{"detail":{"tags":[3]}}`, `{"tags":[[1,2],[3]]}`, true},
		{"empty event array has no value", `{"detail":{"tags":["x"]}}`, `{"tags":[]}`, false},
		{"prefix on array element", `{"detail":{"tags":[{"prefix":"v"}]}}`, `{"tags":["smb","vip"]}`, true},
		{"numeric on array element", `{"detail":{"ids":[{"numeric":[">",9000]}]}}`, `{"ids":[1,9001]}`, true},
		{"anything-but passes if one element is allowed", `{"detail":{"tags":[{"anything-but":"banned"}]}}`, `{"tags":["banned","ok"]}`, true},
		{"anything-but fails if every element is excluded", `{"detail":{"tags":[{"anything-but":["a","b"]}]}}`, `{"tags":["a","b"]}`, false},
		{"objects in array: fields from one element", `{"detail":{"employees":{"firstName":["Anna"],"lastName":["Smith"]}}}`, employees, true},
		{"objects in array: fields from two elements never combine", `{"detail":{"employees":{"firstName":["Anna"],"lastName":["Doe"]}}}`, employees, false},
		{"objects in nested arrays: different inner arrays", `{"detail":{"employees":{"firstName":["Anna"],"lastName":["Jones"]}}}`, employees, false},
		{"objects in array: array inside the element", `{"detail":{"employees":{"firstName":["John"],"ids":[9999]}}}`, employees, true},
		{"objects in array: another element's array", `{"detail":{"employees":{"firstName":["Anna"],"ids":[9999]}}}`, employees, false},
		{"exists false within the chosen element", `{"detail":{"employees":{"firstName":["Anna"],"ids":[{"exists":false}]}}}`, employees, true},
		{"exists false: empty array is no value", `{"detail":{"employees":{"firstName":["Peter"],"ids":[{"exists":false}]}}}`, employees, true},
		{"exists false fails where the element has the field", `{"detail":{"employees":{"firstName":["John"],"ids":[{"exists":false}]}}}`, employees, false},
		// event-ruler checks exists:false against the elements chosen by the fields sorted before
		// it; "ids" sorts before "lastName", so no element is chosen yet and John's ids count.
		{"exists false before any chosen element sees every element", `{"detail":{"employees":{"ids":[{"exists":false}],"lastName":["Smith"]}}}`, employees, false},
		{"object array split over elements", `{"detail":{"d":{"a":[{"exists":true}],"b":[{"exists":true}]}}}`, `{"d":[{"a":1},{"b":2}]}`, false},
		{"object array: a later element has both", `{"detail":{"d":{"a":[{"exists":true}],"b":[{"exists":true}]}}}`, `{"d":[{"a":1},{"b":2},{"a":3,"b":4}]}`, true},
		{"inner arrays: same inner element", `{"detail":{"u":{"t":{"k":["color"],"v":["blue"]}}}}`, `{"u":[{"t":[{"k":"color","v":"blue"}]}]}`, true},
		{"inner arrays: split inner elements", `{"detail":{"u":{"t":{"k":["color"],"v":["blue"]}}}}`, `{"u":[{"t":[{"k":"color"},{"v":"blue"}]}]}`, false},
		{"outer element vs nested object", `{"detail":{"d":{"name":[{"exists":true}],"info":{"x":["1"]}}}}`, `{"d":[{"name":"a"},{"info":{"x":"1"}}]}`, false},
		{"numeric and exists in one element", `{"detail":{"i":{"p":[{"numeric":[">",0,"<",100]}],"n":["g"]}}}`, `{"i":[{"n":"w","p":50},{"n":"g","p":200}]}`, false},
		{"array field and scalar field are independent", `{"detail":{"users":{"name":["ana"]},"version":["1"]}}`, `{"users":[{"name":"bob"},{"name":"ana"}],"version":"1"}`, true},
		{"scalar arrays beside each other are independent", `{"detail":{"tags":["a"],"cats":["y"]}}`, `{"tags":["a","b"],"cats":["x","y"]}`, true},
		{"top-level resources array", `{"resources":["arn:aws:events:eu-central-1:123456789012:event-bus/dealflow"]}`, `{}`, true},
	})
}

func TestStringOperators(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"prefix", `{"detail":{"region":[{"prefix":"eu-"}]}}`, `{"region":"eu-central-1"}`, true},
		{"prefix is case-sensitive", `{"detail":{"region":[{"prefix":"EU-"}]}}`, `{"region":"eu-central-1"}`, false},
		{"prefix longer than value", `{"detail":{"region":[{"prefix":"eu-central-1a"}]}}`, `{"region":"eu-central-1"}`, false},
		{"empty prefix matches any string", `{"detail":{"v":[{"prefix":""}]}}`, `{"v":"anything"}`, true},
		{"empty prefix does not match a number", `{"detail":{"v":[{"prefix":""}]}}`, `{"v":5}`, false},
		{"prefix never matches a number", `{"detail":{"v":[{"prefix":"12"}]}}`, `{"v":123}`, false},
		{"prefix equals-ignore-case", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, `{"service":"eventbridge"}`, true},
		{"prefix equals-ignore-case mismatch", `{"detail":{"service":[{"prefix":{"equals-ignore-case":"EventB"}}]}}`, `{"service":"events"}`, false},
		{"suffix", `{"detail":{"file":[{"suffix":".pdf"}]}}`, `{"file":"quote.pdf"}`, true},
		{"suffix is case-sensitive", `{"detail":{"file":[{"suffix":".pdf"}]}}`, `{"file":"quote.PDF"}`, false},
		{"suffix never matches a number", `{"detail":{"v":[{"suffix":"3"}]}}`, `{"v":123}`, false},
		{"suffix equals-ignore-case", `{"detail":{"file":[{"suffix":{"equals-ignore-case":".PDF"}}]}}`, `{"file":"quote.pdf"}`, true},
		{"suffix equals-ignore-case mismatch", `{"detail":{"file":[{"suffix":{"equals-ignore-case":".PDF"}}]}}`, `{"file":"quote.pdfx"}`, false},
		{"equals-ignore-case", `{"detail":{"name":[{"equals-ignore-case":"ANA"}]}}`, `{"name":"aNa"}`, true},
		{"equals-ignore-case is whole-value", `{"detail":{"name":[{"equals-ignore-case":"ana"}]}}`, `{"name":"anna"}`, false},
		{"equals-ignore-case non-ASCII", `{"detail":{"city":[{"equals-ignore-case":"MÜNCHEN"}]}}`, `{"city":"münchen"}`, true},
		{"equals-ignore-case: ß matches SS", `{"detail":{"street":[{"equals-ignore-case":"straße"}]}}`, `{"street":"STRASSE"}`, true},
		{"equals-ignore-case: ß does not match ss", `{"detail":{"street":[{"equals-ignore-case":"straße"}]}}`, `{"street":"strasse"}`, false},
		{"equals-ignore-case never matches a number", `{"detail":{"v":[{"equals-ignore-case":"5"}]}}`, `{"v":5}`, false},
		{"equals-ignore-case on empty", `{"detail":{"v":[{"equals-ignore-case":""}]}}`, `{"v":""}`, true},
	})
}

func TestWildcard(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"middle", `{"detail":{"f":[{"wildcard":"dir/*.png"}]}}`, `{"f":"dir/a.png"}`, true},
		{"star matches empty", `{"detail":{"f":[{"wildcard":"dir/*.png"}]}}`, `{"f":"dir/.png"}`, true},
		{"star crosses slashes", `{"detail":{"f":[{"wildcard":"dir/*.png"}]}}`, `{"f":"dir/x/y.png"}`, true},
		{"anchored at both ends", `{"detail":{"f":[{"wildcard":"dir/*.png"}]}}`, `{"f":"dir/a.png.bak"}`, false},
		{"lone star matches empty string", `{"detail":{"f":[{"wildcard":"*"}]}}`, `{"f":""}`, true},
		{"lone star needs a string", `{"detail":{"f":[{"wildcard":"*"}]}}`, `{"f":5}`, false},
		{"no star is equality", `{"detail":{"f":[{"wildcard":"abc"}]}}`, `{"f":"abc"}`, true},
		{"leading star", `{"detail":{"f":[{"wildcard":"*.png"}]}}`, `{"f":".png"}`, true},
		{"several stars in order", `{"detail":{"f":[{"wildcard":"a*b*c"}]}}`, `{"f":"a1b2c"}`, true},
		{"several stars out of order", `{"detail":{"f":[{"wildcard":"a*b*c"}]}}`, `{"f":"acb"}`, false},
		{"prefix and suffix may not overlap", `{"detail":{"f":[{"wildcard":"ab*ba"}]}}`, `{"f":"aba"}`, false},
		{"repeated part needs a second occurrence", `{"detail":{"f":[{"wildcard":"*ab*ab"}]}}`, `{"f":"xab"}`, false},
		{"escaped star is literal", `{"detail":{"f":[{"wildcard":"a\\*b"}]}}`, `{"f":"a*b"}`, true},
		{"escaped star is not a wildcard", `{"detail":{"f":[{"wildcard":"a\\*b"}]}}`, `{"f":"axb"}`, false},
		{"escaped backslash", `{"detail":{"f":[{"wildcard":"a\\\\*"}]}}`, `{"f":"a\\tail"}`, true},
		{"escaped backslash then star", `{"detail":{"f":[{"wildcard":"a\\\\*"}]}}`, `{"f":"atail"}`, false},
		{"escaped star then wildcard", `{"detail":{"f":[{"wildcard":"he\\**o"}]}}`, `{"f":"he*llo"}`, true},
		{"unicode", `{"detail":{"f":[{"wildcard":"Grü*e"}]}}`, `{"f":"Grüße"}`, true},
	})
}

func TestAnythingBut(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"string allowed", `{"detail":{"stage":[{"anything-but":"lost"}]}}`, `{"stage":"won"}`, true},
		{"string excluded", `{"detail":{"stage":[{"anything-but":"lost"}]}}`, `{"stage":"lost"}`, false},
		{"needs the field", `{"detail":{"stage":[{"anything-but":"lost"}]}}`, `{}`, false},
		{"object is not a value", `{"detail":{"stage":[{"anything-but":"lost"}]}}`, `{"stage":{"name":"won"}}`, false},
		{"string vs number value", `{"detail":{"v":[{"anything-but":"5"}]}}`, `{"v":5}`, true},
		{"string vs null value", `{"detail":{"v":[{"anything-but":"x"}]}}`, `{"v":null}`, true},
		{"string vs boolean value", `{"detail":{"v":[{"anything-but":"true"}]}}`, `{"v":true}`, true},
		{"string list", `{"detail":{"v":[{"anything-but":["a","b"]}]}}`, `{"v":"b"}`, false},
		{"number excluded", `{"detail":{"v":[{"anything-but":100}]}}`, `{"v":100}`, false},
		{"number excluded written differently", `{"detail":{"v":[{"anything-but":100}]}}`, `{"v":1.0e2}`, false},
		{"number allowed", `{"detail":{"v":[{"anything-but":100}]}}`, `{"v":101}`, true},
		{"number vs string value", `{"detail":{"v":[{"anything-but":[100,200]}]}}`, `{"v":"100"}`, true},
		{"prefix", `{"detail":{"region":[{"anything-but":{"prefix":"us-"}}]}}`, `{"region":"eu-west-1"}`, true},
		{"prefix excluded", `{"detail":{"region":[{"anything-but":{"prefix":"us-"}}]}}`, `{"region":"us-east-1"}`, false},
		{"prefix vs number value", `{"detail":{"v":[{"anything-but":{"prefix":"1"}}]}}`, `{"v":123}`, true},
		{"prefix list", `{"detail":{"v":[{"anything-but":{"prefix":["a","b"]}}]}}`, `{"v":"bx"}`, false},
		{"suffix excluded", `{"detail":{"f":[{"anything-but":{"suffix":".tmp"}}]}}`, `{"f":"x.tmp"}`, false},
		{"suffix list allowed", `{"detail":{"f":[{"anything-but":{"suffix":[".tmp",".bak"]}}]}}`, `{"f":"x.pdf"}`, true},
		{"equals-ignore-case excluded", `{"detail":{"v":[{"anything-but":{"equals-ignore-case":"Lost"}}]}}`, `{"v":"LOST"}`, false},
		{"equals-ignore-case allowed", `{"detail":{"v":[{"anything-but":{"equals-ignore-case":["Lost","Open"]}}]}}`, `{"v":"won"}`, true},
		{"wildcard excluded", `{"detail":{"f":[{"anything-but":{"wildcard":"*/tmp/*"}}]}}`, `{"f":"/var/tmp/x"}`, false},
		{"wildcard allowed", `{"detail":{"f":[{"anything-but":{"wildcard":"*/tmp/*"}}]}}`, `{"f":"/var/log/x"}`, true},
		{"wildcard vs number value", `{"detail":{"f":[{"anything-but":{"wildcard":"*"}}]}}`, `{"f":1}`, true},
	})
}

func TestNumeric(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"equals", `{"detail":{"n":[{"numeric":["=",100]}]}}`, `{"n":100}`, true},
		{"equals exponent", `{"detail":{"n":[{"numeric":["=",3.018e2]}]}}`, `{"n":301.8}`, true},
		{"equals other", `{"detail":{"n":[{"numeric":["=",100]}]}}`, `{"n":100.000001}`, false},
		{"less than boundary", `{"detail":{"n":[{"numeric":["<",10]}]}}`, `{"n":10}`, false},
		{"less or equal boundary", `{"detail":{"n":[{"numeric":["<=",10]}]}}`, `{"n":10}`, true},
		{"greater than boundary", `{"detail":{"n":[{"numeric":[">",10]}]}}`, `{"n":10}`, false},
		{"greater or equal boundary", `{"detail":{"n":[{"numeric":[">=",10]}]}}`, `{"n":10}`, true},
		{"range inside", `{"detail":{"n":[{"numeric":[">",0,"<=",5]}]}}`, `{"n":0.000001}`, true},
		{"range lower open", `{"detail":{"n":[{"numeric":[">",0,"<=",5]}]}}`, `{"n":0}`, false},
		{"range upper closed", `{"detail":{"n":[{"numeric":[">=",0,"<=",5]}]}}`, `{"n":5}`, true},
		{"range upper open", `{"detail":{"n":[{"numeric":[">=",0,"<",5]}]}}`, `{"n":5}`, false},
		{"negative numbers", `{"detail":{"n":[{"numeric":[">",-10,"<",-1]}]}}`, `{"n":-5.5}`, true},
		{"event exponent", `{"detail":{"n":[{"numeric":[">",1000]}]}}`, `{"n":1.5e3}`, true},
		{"edge of documented range", `{"detail":{"n":[{"numeric":[">=",-5e9,"<=",5e9]}]}}`, `{"n":5000000000}`, true},
		{"string is not a number", `{"detail":{"n":[{"numeric":[">",0]}]}}`, `{"n":"5"}`, false},
		{"null is not a number", `{"detail":{"n":[{"numeric":[">",0]}]}}`, `{"n":null}`, false},
		{"boolean is not a number", `{"detail":{"n":[{"numeric":[">",0]}]}}`, `{"n":true}`, false},
		{"two ranges are OR", `{"detail":{"n":[{"numeric":["<",0]},{"numeric":[">",100]}]}}`, `{"n":150}`, true},
	})
}

func TestExists(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"true on value", `{"detail":{"owner":[{"exists":true}]}}`, `{"owner":"ana"}`, true},
		{"true on null", `{"detail":{"owner":[{"exists":true}]}}`, `{"owner":null}`, true},
		{"true on empty string", `{"detail":{"owner":[{"exists":true}]}}`, `{"owner":""}`, true},
		{"true on missing", `{"detail":{"owner":[{"exists":true}]}}`, `{}`, false},
		{"true on object", `{"detail":{"owner":[{"exists":true}]}}`, `{"owner":{"id":1}}`, false},
		{"true on empty array", `{"detail":{"owner":[{"exists":true}]}}`, `{"owner":[]}`, false},
		{"true on array of values", `{"detail":{"owner":[{"exists":true}]}}`, `{"owner":[1]}`, true},
		{"false on missing", `{"detail":{"owner":[{"exists":false}]}}`, `{}`, true},
		{"false on value", `{"detail":{"owner":[{"exists":false}]}}`, `{"owner":"ana"}`, false},
		{"false on null", `{"detail":{"owner":[{"exists":false}]}}`, `{"owner":null}`, false},
		{"false on object", `{"detail":{"owner":[{"exists":false}]}}`, `{"owner":{"id":1}}`, true},
		{"false on empty array", `{"detail":{"owner":[{"exists":false}]}}`, `{"owner":[]}`, true},
		{"false when the parent is a string", `{"detail":{"owner":{"id":[{"exists":false}]}}}`, `{"owner":"ana"}`, true},
		{"false combined with a value", `{"detail":{"owner":[{"exists":false}],"stage":["won"]}}`, `{"stage":"won"}`, true},
		{"false or a value", `{"detail":{"owner":["ana",{"exists":false}]}}`, `{"owner":"ana"}`, true},
		{"false or a value, neither", `{"detail":{"owner":["ana",{"exists":false}]}}`, `{"owner":"bob"}`, false},
		{"unknown top-level field does not exist", `{"nonesuch":[{"exists":false}]}`, `{}`, true},
	})
}

func TestCIDR(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"/8 first", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":"10.0.0.0"}`, true},
		{"/8 last", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":"10.255.255.255"}`, true},
		{"/8 next", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":"11.0.0.0"}`, false},
		{"/24 below", `{"detail":{"ip":[{"cidr":"192.168.1.0/24"}]}}`, `{"ip":"192.168.0.255"}`, false},
		{"/31", `{"detail":{"ip":[{"cidr":"192.168.1.2/31"}]}}`, `{"ip":"192.168.1.3"}`, true},
		{"/0 is every IPv4 address", `{"detail":{"ip":[{"cidr":"0.0.0.0/0"}]}}`, `{"ip":"203.0.113.9"}`, true},
		{"host bits are ignored", `{"detail":{"ip":[{"cidr":"10.0.0.77/24"}]}}`, `{"ip":"10.0.0.1"}`, true},
		{"leading zeros are decimal", `{"detail":{"ip":[{"cidr":"10.0.0.0/24"}]}}`, `{"ip":"010.000.000.010"}`, true},
		{"IPv6 inside", `{"detail":{"ip":[{"cidr":"2001:db8::/32"}]}}`, `{"ip":"2001:db8:ffff::1"}`, true},
		{"IPv6 outside", `{"detail":{"ip":[{"cidr":"2001:db8::/32"}]}}`, `{"ip":"2001:db9::1"}`, false},
		{"IPv6 uppercase", `{"detail":{"ip":[{"cidr":"2001:DB8::/32"}]}}`, `{"ip":"2001:0DB8::A"}`, true},
		{"IPv4 value, IPv6 block", `{"detail":{"ip":[{"cidr":"::/0"}]}}`, `{"ip":"10.0.0.1"}`, false},
		{"not an address", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":"10.0.0.x"}`, false},
		{"host name", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":"localhost"}`, false},
		{"number", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":167772161}`, false},
		{"address in array", `{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}`, `{"ip":["192.0.2.1","10.1.2.3"]}`, true},
	})
}

func TestOr(t *testing.T) {
	runMatchCases(t, []matchCase{
		{"top level, second branch", `{"$or":[{"source":["x"]},{"detail-type":["Deal Stage Changed"]}]}`, `{}`, true},
		{"inside detail", `{"detail":{"$or":[{"a":["1"]},{"b":["2"]}]}}`, `{"b":"2"}`, true},
		{"no branch", `{"detail":{"$or":[{"a":["1"]},{"b":["2"]}]}}`, `{"a":"2","b":"1"}`, false},
		{"AND with the rest", `{"source":["other"],"$or":[{"detail":{"a":["1"]}},{"detail":{"b":["2"]}}]}`, `{"a":"1"}`, false},
		{"nested or", `{"detail":{"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]}}`, `{"b":"2","d":"4"}`, true},
		{"nested or, inner fails", `{"detail":{"$or":[{"a":["1"]},{"b":["2"],"$or":[{"c":["3"]},{"d":["4"]}]}]}}`, `{"b":"2","d":"5"}`, false},
		{"parallel or", `{"detail":{"$or":[{"a":["1"]},{"b":["2"]}],"x":{"$or":[{"c":["3"]},{"d":["4"]}]}}}`, `{"a":"1","x":{"d":"4"}}`, true},
		{"branch with numeric", `{"detail":{"$or":[{"n":[{"numeric":[">",10]}]},{"m":[{"exists":true}]}]}}`, `{"n":11}`, true},
		{"branch with exists false", `{"detail":{"$or":[{"n":[{"exists":false}]},{"n":[0]}]}}`, `{"n":0}`, true},
		// A field written outside and inside $or: the branch's value replaces the outer one, as
		// event-ruler builds each branch by writing fields in document order.
		{"later field replaces earlier one", `{"detail":{"a":["1"],"$or":[{"a":["2"]},{"b":["3"]}]}}`, `{"a":"2"}`, true},
		{"replaced value no longer matches", `{"detail":{"a":["1"],"$or":[{"a":["2"]},{"b":["3"]}]}}`, `{"a":"1"}`, false},
		{"field after $or joins every branch", `{"detail":{"$or":[{"a":["1"]},{"b":["2"]}],"c":["3"]}}`, `{"b":"2"}`, false},
		{"array consistency inside a branch", `{"detail":{"d":{"$or":[{"a":["1"],"b":["2"]},{"c":["3"]}]}}}`, `{"d":[{"a":"1"},{"b":"2"}]}`, false},
	})
}

func TestMatchValueShapes(t *testing.T) {
	p := pattern.MustCompile(`{"detail":{"n":[5],"ids":[{"numeric":[">",1]}]}}`)
	tests := []struct {
		name string
		ev   any
		want bool
	}{
		{"json.Number", map[string]any{"detail": map[string]any{"n": json.Number("5"), "ids": []any{json.Number("2")}}}, true},
		{"float64", map[string]any{"detail": map[string]any{"n": 5.0, "ids": []any{2.0}}}, true},
		{"int", map[string]any{"detail": map[string]any{"n": 5, "ids": []any{int64(2)}}}, true},
		{"wrong number", map[string]any{"detail": map[string]any{"n": 6, "ids": []any{2}}}, false},
		{"not an object", []any{1, 2}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.MatchValue(tt.ev); got != tt.want {
				t.Fatalf("MatchValue = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestMatchRejectsNonObjectEvents(t *testing.T) {
	p := pattern.MustCompile(`{"source":["dealflow"]}`)
	for _, ev := range []string{`[]`, `"x"`, `{"source":`, `{"source":"dealflow"} {}`} {
		if _, err := p.Match([]byte(ev)); err == nil {
			t.Errorf("Match(%s): want an error", ev)
		}
	}
}

func TestTestEventRequiresTheEnvelope(t *testing.T) {
	p := pattern.MustCompile(`{"source":["dealflow"]}`)
	if ok, err := p.TestEvent([]byte(envelope(`{}`))); err != nil || !ok {
		t.Fatalf("full envelope: %v, %v", ok, err)
	}
	_, err := p.TestEvent([]byte(`{"source":"dealflow","time":"2026-01-01T00:00:00Z"}`))
	if err == nil || err.Error() != "event is not valid: missing envelope field(s) id, account, region, resources, detail-type" {
		t.Fatalf("err = %v", err)
	}
}

func TestConcurrentMatching(t *testing.T) {
	p := pattern.MustCompile(`{"detail":{"employees":{"firstName":["Anna"],"lastName":["Smith"]}}}`)
	yes, _ := pattern.DecodeEvent([]byte(envelope(`{"employees":[{"firstName":"John","lastName":"Smith"},{"firstName":"Anna","lastName":"Smith"}]}`)))
	no, _ := pattern.DecodeEvent([]byte(envelope(`{"employees":[{"firstName":"Anna","lastName":"Doe"},{"firstName":"John","lastName":"Smith"}]}`)))
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func() {
			for i := 0; i < 500; i++ {
				if !p.MatchValue(yes) || p.MatchValue(no) {
					done <- fmt.Errorf("wrong answer on iteration %d", i)
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// TestArrayConsistencyReferenceExamples replays event-ruler's array examples (ACMachineTest
// songsACTest and intensitiesACTest) on whole events.
func TestArrayConsistencyReferenceExamples(t *testing.T) {
	songs := `{"Year":1966,"Genres":[{"Pop":true},{"Classical":false}],"Songs":[
		{"Name":"Paperback Writer","Writers":[{"First":"John","Last":"Lennon"},{"First":"Paul","Last":"McCartney"}]},
		{"Name":"Paint It Black","Writers":[{"First":"Mick","Last":"Jagger"},{"First":"Keith","Last":"Richards"}]}]}`
	intensities := `{"lines":[{"intensities":[[0.5]],"points":[[[{"pp":"index0"},483.3474497412421,287.48116291799363],
		[{"pp":"index1"},489.9999497412421,299.99996291799363]]]}]}`
	tests := []struct {
		name, event, pattern string
		want                 bool
	}{
		{"same song and writer", songs, `{"Year":[1966],"Songs":{"Name":["Paperback Writer"],"Writers":{"First":["Paul"],"Last":["McCartney"]}}}`, true},
		{"genre and song are different arrays", songs, `{"Genres":{"Pop":[true]},"Songs":{"Name":["Paint It Black"]}}`, true},
		{"writer of the other song", songs, `{"Year":[1966],"Songs":{"Name":["Paperback Writer"],"Writers":{"First":["Mick"]}}}`, false},
		{"first and last of different writers", songs, `{"Songs":{"Writers":{"First":["Mick"],"Last":["McCartney"]}}}`, false},
		{"scalar and object in one inner array", intensities, `{"lines":{"points":[287.48116291799363],"points":{"pp":["index0"]}}}`, true},
		{"scalar and object in different inner arrays", intensities, `{"lines":{"points":[299.99996291799363],"points":{"pp":["index0"]}}}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pattern.MustCompile(tt.pattern).Match([]byte(tt.event))
			if err != nil || got != tt.want {
				t.Fatalf("Match = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestIndependentArraysDoNotMultiplyWork: values from arrays that no later field looks into
// cannot change the outcome, so a failing last field is tried once, not once per combination
// (here 1000^3 combinations, which a naive backtracking search would not finish).
func TestIndependentArraysDoNotMultiplyWork(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"d":"no"`)
	for _, name := range []string{"a", "b", "c"} {
		fmt.Fprintf(&b, `,%q:[`, name)
		for i := 0; i < 1000; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"v":%d}`, i)
		}
		b.WriteString("]")
	}
	b.WriteString("}")
	ev := []byte(b.String())
	miss := pattern.MustCompile(`{"a":{"v":[{"exists":true}]},"b":{"v":[{"exists":true}]},"c":{"v":[{"exists":true}]},"d":["yes"]}`)
	hit := pattern.MustCompile(`{"a":{"v":[999]},"b":{"v":[{"numeric":[">",998]}]},"c":{"v":[{"exists":true}]},"d":["no"]}`)
	if got, err := miss.Match(ev); err != nil || got {
		t.Fatalf("miss: %v, %v", got, err)
	}
	if got, err := hit.Match(ev); err != nil || !got {
		t.Fatalf("hit: %v, %v", got, err)
	}
}
