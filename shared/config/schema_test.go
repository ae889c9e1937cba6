package config

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// The editor schema (examples/org.schema.json) and the loader must agree: every key the loader
// knows is in the schema and vice versa, and the sample validates against the schema.

func loadSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../../examples/org.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("org.schema.json: %v", err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v, want draft 2020-12", s["$schema"])
	}
	return s
}

// schemaChecker is a small JSON Schema subset: $ref to $defs, type, properties, required,
// additionalProperties, propertyNames, items, enum, pattern, minimum, maximum,
// exclusiveMinimum, minItems. It is enough for the org schema, which uses nothing else.
type schemaChecker struct {
	root map[string]any
	errs []string
}

var supportedKeywords = []string{"$schema", "$id", "$defs", "$ref", "title", "description", "type", "properties",
	"required", "additionalProperties", "propertyNames", "items", "enum", "pattern", "minimum", "maximum",
	"exclusiveMinimum", "minItems", "format"}

func (c *schemaChecker) resolve(s map[string]any) map[string]any {
	if r, ok := s["$ref"].(string); ok {
		return c.root["$defs"].(map[string]any)[strings.TrimPrefix(r, "#/$defs/")].(map[string]any)
	}
	return s
}

func (c *schemaChecker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func jsonType(v any) string {
	switch x := v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string, time.Time:
		return "string"
	case bool:
		return "boolean"
	case int:
		return "integer"
	case float64:
		if x == float64(int64(x)) {
			return "integer"
		}
		return "number"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func (c *schemaChecker) check(s map[string]any, v any, path string) {
	for k := range s {
		if !slices.Contains(supportedKeywords, k) {
			c.fail(path, "schema keyword %q is not supported by this checker", k)
		}
	}
	s = c.resolve(s)
	if t, ok := s["type"]; ok {
		got := jsonType(v)
		var allowed []string
		switch tt := t.(type) {
		case string:
			allowed = []string{tt}
		case []any:
			for _, x := range tt {
				allowed = append(allowed, x.(string))
			}
		}
		if slices.Contains(allowed, "number") {
			allowed = append(allowed, "integer")
		}
		if !slices.Contains(allowed, got) {
			c.fail(path, "is %s, schema wants %v", got, t)
			return
		}
	}
	if tm, ok := v.(time.Time); ok {
		v = tm.Format(time.DateOnly)
	}
	if e, ok := s["enum"].([]any); ok && !slices.Contains(e, v) {
		c.fail(path, "%v is not one of %v", v, e)
	}
	if p, ok := s["pattern"].(string); ok {
		if str, isStr := v.(string); isStr && !regexp.MustCompile(p).MatchString(str) {
			c.fail(path, "%q does not match %s", str, p)
		}
	}
	if n, ok := toFloat(v); ok {
		if m, ok := s["minimum"].(float64); ok && n < m {
			c.fail(path, "%v < minimum %v", n, m)
		}
		if m, ok := s["maximum"].(float64); ok && n > m {
			c.fail(path, "%v > maximum %v", n, m)
		}
		if m, ok := s["exclusiveMinimum"].(float64); ok && n <= m {
			c.fail(path, "%v <= exclusiveMinimum %v", n, m)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, ok := x[r.(string)]; !ok {
				c.fail(path, "required key %q missing", r)
			}
		}
		for k, val := range x {
			if pn, ok := s["propertyNames"].(map[string]any); ok {
				c.check(pn, k, path+"."+k+"(name)")
			}
			if ps, ok := props[k]; ok {
				c.check(ps.(map[string]any), val, path+"."+k)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					c.fail(path, "key %q is not allowed", k)
				}
			case map[string]any:
				c.check(ap, val, path+"."+k)
			}
		}
	case []any:
		if m, ok := s["minItems"].(float64); ok && float64(len(x)) < m {
			c.fail(path, "has %d items, minItems %v", len(x), m)
		}
		if it, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				c.check(it, e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// schemaKeys lists the key paths the schema allows, in KnownKeys' notation.
func schemaKeys(c *schemaChecker, s map[string]any, prefix string, out *[]string) {
	s = c.resolve(s)
	if props, ok := s["properties"].(map[string]any); ok {
		for k, ps := range props {
			p := join(prefix, k)
			*out = append(*out, p)
			schemaKeys(c, ps.(map[string]any), p, out)
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		schemaKeys(c, ap, prefix+".{}", out)
	}
	if it, ok := s["items"].(map[string]any); ok {
		schemaKeys(c, it, prefix+"[]", out)
	}
}

func TestSchemaKnowsEveryKeyTheLoaderKnows(t *testing.T) {
	schema := loadSchema(t)
	c := &schemaChecker{root: schema}
	var inSchema []string
	schemaKeys(c, schema, "", &inSchema)
	sort.Strings(inSchema)
	known := KnownKeys()
	sort.Strings(known)
	for _, k := range known {
		if _, found := slices.BinarySearch(inSchema, k); !found {
			t.Errorf("loader key %s is missing from org.schema.json", k)
		}
	}
	for _, k := range inSchema {
		if _, found := slices.BinarySearch(known, k); !found {
			t.Errorf("org.schema.json has %s, which the loader rejects", k)
		}
	}
	if len(known) < 150 {
		t.Errorf("only %d loader keys: the walk is broken", len(known))
	}
}

func sampleAsData(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestSampleValidatesAgainstSchema(t *testing.T) {
	schema := loadSchema(t)
	tests := []struct {
		name, old, new string
		wantErr        string // "" = valid
	}{
		{"the sample as is", "", "", ""},
		{"an unknown key", "    capacity: 15\n", "    capasity: 15\n", `reps[6]: key "capasity" is not allowed`},
		{"a missing required key", "    email: jonas.becker@northwind.example\n", "", `reps[1]: required key "email" missing`},
		{"a probability out of range", "probability: 60,", "probability: 160,", "pipelines[0].stages[3].probability: 160 > maximum 100"},
		{"a secret value where an env name goes", "client_secret_env: HUBSPOT_CLIENT_SECRET", "client_secret_env: 3f9a-77b2", `webhooks.hubspot.client_secret_env: "3f9a-77b2" does not match`},
		{"bad working hours", `fri: "08:30-14:00"`, `fri: "8.30 to 14"`, `reps[1].working_hours.fri: "8.30 to 14" does not match`},
	}
	sample := readSample(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(sample, tt.old, tt.new, 1)
			c := &schemaChecker{root: schema}
			c.check(schema, sampleAsData(t, text), "")
			got := strings.Join(c.errs, "\n")
			got = strings.ReplaceAll(got, ".reps[", "reps[")
			for _, p := range []string{".pipelines", ".webhooks", ".org"} {
				got = strings.ReplaceAll(got, p, p[1:])
			}
			switch {
			case tt.wantErr == "" && got != "":
				t.Errorf("sample does not validate:\n%s", got)
			case tt.wantErr != "" && (len(c.errs) != 1 || !strings.Contains(got, tt.wantErr)):
				t.Errorf("errors:\n%s\nwant one containing %q", got, tt.wantErr)
			}
		})
	}
}
