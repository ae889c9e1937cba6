package pattern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

func TestCompileRejectsInvalidPatterns(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		reason  string // event-ruler's wording, which EventBridge returns
	}{
		{"not JSON", `{"source": [`, "malformed JSON"},
		{"trailing data", `{"source":["a"]} x`, "malformed JSON"},
		{"top-level array", `[{"source":["a"]}]`, "Filter is not an object"},
		{"top-level string", `"source"`, "Filter is not an object"},
		{"empty pattern", `{}`, "Empty objects are not allowed"},
		{"empty nested object", `{"detail":{}}`, "Empty objects are not allowed"},
		{"leaf is a string", `{"source":"aws.ec2"}`, `"source" must be an object or an array`},
		{"leaf is a number", `{"detail":{"count":1}}`, `"count" must be an object or an array`},
		{"leaf is null", `{"detail":{"count":null}}`, `"count" must be an object or an array`},
		{"empty value list", `{"detail":{"state":[]}}`, "Empty arrays are not allowed"},
		{"nested array value", `{"detail":{"state":[["a"]]}}`, "Match value must be String, number, true, false, or null"},
		{"empty match expression", `{"detail":{"state":[{}]}}`, "Match expression name not found"},
		{"unknown operator", `{"detail":{"state":[{"foo":"x"}]}}`, "Unrecognized match type foo"},
		{"miscased operator", `{"detail":{"state":[{"Prefix":"x"}]}}`, "Unrecognized match type Prefix"},
		{"undocumented exactly", `{"detail":{"state":[{"exactly":"x"}]}}`, "Unrecognized match type exactly"},
		{"two operators in one object", `{"detail":{"a":[{"prefix":"child","foo":[]}]}}`, "Only one key allowed in match expression"},
		{"prefix not a string", `{"detail":{"a":[{"prefix":3}]}}`, "prefix match pattern must be a string"},
		{"suffix not a string", `{"detail":{"a":[{"suffix":["x"]}]}}`, "suffix match pattern must be a string"},
		{"prefix unsupported inner", `{"detail":{"a":[{"prefix":{"wildcard":"x"}}]}}`, "Unsupported prefix pattern: wildcard"},
		{"prefix ignore-case not a string", `{"detail":{"a":[{"prefix":{"equals-ignore-case":1}}]}}`, "equals-ignore-case match pattern must be a string"},
		{"suffix ignore-case extra key", `{"detail":{"a":[{"suffix":{"equals-ignore-case":"x","y":1}}]}}`, "Only one key allowed in match expression"},
		{"equals-ignore-case not a string", `{"detail":{"a":[{"equals-ignore-case":["x"]}]}}`, "equals-ignore-case match pattern must be a string"},
		{"exists not boolean", `{"detail":{"a":[{"exists":"true"}]}}`, "exists match pattern must be either true or false."},
		{"numeric not an array", `{"detail":{"x":[{"numeric":">"}]}}`, "Value of numeric must be an array."},
		{"numeric empty", `{"detail":{"x":[{"numeric":[]}]}}`, "Invalid member in numeric match: ]"},
		{"numeric starts with a number", `{"detail":{"x":[{"numeric":[5]}]}}`, "Invalid member in numeric match: 5"},
		{"numeric unknown operator", `{"detail":{"x":[{"numeric":["!=",5]}]}}`, "Unrecognized numeric range operator: !="},
		{"numeric missing operand", `{"detail":{"x":[{"numeric":["="]}]}}`, "Value of equals must be numeric"},
		{"numeric string operand", `{"detail":{"x":[{"numeric":[">","5"]}]}}`, "Value of > must be numeric"},
		{"numeric boolean operand", `{"detail":{"x":[{"numeric":["<",true]}]}}`, "Value of < must be numeric"},
		{"numeric upper bound first", `{"detail":{"x":[{"numeric":["<",1,">",0]}]}}`, "Too many elements in numeric expression"},
		{"numeric equals then more", `{"detail":{"x":[{"numeric":["=",1,"<",2]}]}}`, "Too many elements in numeric expression"},
		{"numeric two lower bounds", `{"detail":{"x":[{"numeric":[">",1,">",2]}]}}`, "Bad numeric range operator: >"},
		{"numeric bad range term", `{"detail":{"x":[{"numeric":[">",1,5]}]}}`, "Bad value in numeric range: 5"},
		{"numeric upper bound missing", `{"detail":{"x":[{"numeric":[">",1,"<"]}]}}`, "Value of < must be numeric"},
		{"numeric trailing junk", `{"detail":{"x":[{"numeric":[">",1,"<",30,false]}]}}`, "Too many terms in numeric range expression"},
		{"numeric empty range", `{"detail":{"x":[{"numeric":[">",30,"<",1]}]}}`, "Bottom must be less than top"},
		{"numeric equal bounds", `{"detail":{"x":[{"numeric":[">=",1,"<=",1]}]}}`, "Bottom must be less than top"},
		{"numeric overflow", `{"detail":{"x":[{"numeric":[">",1e999]}]}}`, "Cannot compare number : 1e999"},
		{"numeric extra key", `{"detail":{"x":[{"numeric":[">",1],"y":2}]}}`, "Too many elements in numeric expression"},
		{"anything-but null", `{"detail":{"a":[{"anything-but":null}]}}`, "Value of anything-but must be an array or single string/number value."},
		{"anything-but boolean", `{"detail":{"a":[{"anything-but":true}]}}`, "Value of anything-but must be an array or single string/number value."},
		{"anything-but mixed list", `{"detail":{"a":[{"anything-but":["child0",111,"child2"]}]}}`, "mixed type is not supported"},
		{"anything-but empty list", `{"detail":{"a":[{"anything-but":[]}]}}`, "mixed type is not supported"},
		{"anything-but null in list", `{"detail":{"a":[{"anything-but":["a",null]}]}}`, "Inside anything but list, start|null|boolean is not supported."},
		{"anything-but unsupported inner", `{"detail":{"a":[{"anything-but":{"numeric":[">",1]}}]}}`, "Unsupported anything-but pattern: numeric"},
		{"anything-but empty inner", `{"detail":{"a":[{"anything-but":{}}]}}`, "Anything-But expression name not found"},
		{"anything-but empty prefix", `{"detail":{"a":[{"anything-but":{"prefix":""}}]}}`, "Null prefix/suffix not allowed"},
		{"anything-but empty suffix in list", `{"detail":{"a":[{"anything-but":{"suffix":["x",""]}}]}}`, "Null prefix/suffix not allowed"},
		{"anything-but prefix number", `{"detail":{"a":[{"anything-but":{"prefix":5}}]}}`, "prefix/suffix match pattern must be a string"},
		{"anything-but ignore-case numbers", `{"detail":{"a":[{"anything-but":{"equals-ignore-case":[1,2,3]}}]}}`, "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported."},
		{"anything-but wildcard number", `{"detail":{"a":[{"anything-but":{"wildcard":5}}]}}`, "wildcard match pattern must be a string"},
		{"anything-but wildcard trailing backslash", `{"detail":{"v":[{"anything-but":{"wildcard":"foo*bar\\"}}]}}`, "Invalid escape character at pos 8"},
		{"anything-but empty inner list", `{"detail":{"a":[{"anything-but":{"prefix":[]}}]}}`, "Empty arrays are not allowed"},
		{"anything-but extra key", `{"detail":{"a":[{"anything-but":"x","prefix":"y"}]}}`, "Too many elements in numeric expression"},
		{"wildcard not a string", `{"detail":{"v":[{"wildcard":5}]}}`, "wildcard match pattern must be a string"},
		{"wildcard list", `{"detail":{"v":[{"wildcard":["abc"]}]}}`, "wildcard match pattern must be a string"},
		{"wildcard consecutive stars", `{"detail":{"v":[{"wildcard":"a**b"}]}}`, "Consecutive wildcard characters at pos 2"},
		{"wildcard bad escape", `{"detail":{"v":[{"wildcard":"a\\b"}]}}`, "Invalid escape character at pos 2"},
		{"wildcard bad escape after multibyte", `{"detail":{"v":[{"wildcard":"ü\\b"}]}}`, "Invalid escape character at pos 3"},
		{"cidr not a string", `{"detail":{"ip":[{"cidr":10}]}}`, "cidr match pattern must be a string"},
		{"cidr without mask", `{"detail":{"ip":[{"cidr":"10.0.0.0"}]}}`, "Malformed CIDR, one '/' required"},
		{"cidr empty mask", `{"detail":{"ip":[{"cidr":"10.0.0.0/"}]}}`, "Malformed CIDR, one '/' required"},
		{"cidr two slashes", `{"detail":{"ip":[{"cidr":"10.0.0.0/8/8"}]}}`, "Malformed CIDR, one '/' required"},
		{"cidr mask not a number", `{"detail":{"ip":[{"cidr":"10.0.0.0/x"}]}}`, "Malformed CIDR, mask bits must be an integer"},
		{"cidr negative mask", `{"detail":{"ip":[{"cidr":"10.0.0.0/-1"}]}}`, "Malformed CIDR, mask bits must not be negative"},
		{"cidr IPv4 mask too long", `{"detail":{"ip":[{"cidr":"10.0.0.0/33"}]}}`, "IPv4 mask bits must be < 32"},
		{"cidr IPv6 mask too long", `{"detail":{"ip":[{"cidr":"2001:db8::/129"}]}}`, "IPv6 mask bits must be < 128"},
		{"cidr host name", `{"detail":{"ip":[{"cidr":"example.com/24"}]}}`, "Nonstandard IP address: example.com"},
		{"cidr octet too big", `{"detail":{"ip":[{"cidr":"10.0.0.256/24"}]}}`, "Invalid IP address: 10.0.0.256"},
		{"cidr bad IPv6", `{"detail":{"ip":[{"cidr":"2001:db8:::1/64"}]}}`, "Invalid IP address: 2001:db8:::1"},
		{"or with one branch", `{"$or":[{"metricName":["CPUUtilization"]}]}`, "There must have at least 2 Objects in $or relationship."},
		{"or with no branch", `{"detail":{"$or":[]}}`, "There must have at least 2 Objects in $or relationship."},
		{"or branch not an object", `{"$or":[{"a":["1"]},["b"]]}`, "Only JSON object is allowed in array of $or relationship."},
		{"or not an array", `{"$or":{"a":["1"]}}`, "It must be an Array followed with $or."},
		{"or branch empty", `{"$or":[{"a":["1"]},{}]}`, "Empty objects are not allowed"},
		{"or branch uses an operator name", `{"$or":[{"numeric":[">",1]},{"prefix":["a"]}]}`, "numeric is Ruler reserved fieldName which cannot be used inside $or."},
		{"or too many combinations", `{"a":{"$or":[` + strings.Repeat(`{"x":["1"]},`, 40) + `{"x":["2"]}]},"b":{"$or":[` + strings.Repeat(`{"y":["1"]},`, 40) + `{"y":["2"]}]}}`, "Event pattern contains more than 1000 rule combinations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pattern.Compile([]byte(tt.pattern))
			var ipe *pattern.InvalidPatternError
			if !errors.As(err, &ipe) {
				t.Fatalf("Compile(%s) = %v, %v; want an InvalidPatternError", tt.pattern, p, err)
			}
			if !strings.Contains(ipe.Reason, tt.reason) {
				t.Fatalf("reason %q, want it to contain %q", ipe.Reason, tt.reason)
			}
			if !strings.HasPrefix(err.Error(), "Event pattern is not valid. Reason: ") {
				t.Fatalf("error %q lacks the EventBridge prefix", err)
			}
		})
	}
}

func TestCompileAcceptsDocumentedForms(t *testing.T) {
	for _, src := range []string{
		`{"detail":{"a":[{"prefix":""}]}}`,
		`{"detail":{"a":[{"suffix":""}]}}`,
		`{"detail":{"a":[{"wildcard":""}]}}`,
		`{"detail":{"a":[{"wildcard":"*"}]}}`,
		`{"detail":{"a":[{"anything-but":{"prefix":["a","b"]}}]}}`,
		`{"detail":{"a":[{"anything-but":{"wildcard":["*a","b*"]}}]}}`,
		`{"detail":{"a":[{"anything-but":{"equals-ignore-case":"x"}}]}}`,
		`{"detail":{"a":[{"numeric":[">=",-5e9,"<=",5e9]}]}}`,
		`{"detail":{"a":[{"cidr":"2001:db8::/127"}]}}`,
		`{"detail":{"a":[{"cidr":"10.0.0.0/+8"}]}}`,
		`{"detail":{"a":[{"exists":true},{"exists":false}]}}`,
		`{"$or":[{"a":["1"]},{"b":["2"]},{"$or":[{"c":["3"]},{"d":["4"]}]}]}`,
		`{"prefix":["a"],"numeric":[1]}`, // operator names are ordinary field names outside $or
		"\t{ \"source\" : [ \"a\" ] }\n",
	} {
		if _, err := pattern.Compile([]byte(src)); err != nil {
			t.Errorf("Compile(%s): %v", src, err)
		}
	}
}

func TestInvalidPatternErrorCarriesOffset(t *testing.T) {
	src := `{"detail":{"state":[]}}`
	_, err := pattern.Compile([]byte(src))
	var ipe *pattern.InvalidPatternError
	if !errors.As(err, &ipe) || ipe.Offset != int64(strings.Index(src, "]")+1) {
		t.Fatalf("err = %#v, want the offset just past the empty array", err)
	}
}
