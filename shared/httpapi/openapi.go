package httpapi

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The OpenAPI 3.1 document of the HTTP API is generated from the route table, so a route cannot
// exist without appearing in it. What the table does not know — request and response bodies —
// each area registers next to its routes with Describe (openapi_leads.go for the lead routes).
// https://spec.openapis.org/oas/v3.1.0

// Schema is a JSON Schema object in the 2020-12 dialect OpenAPI 3.1 uses.
type Schema = map[string]any

// Body is a request or response body of one media type.
type Body struct {
	ContentType string // default application/json
	Schema      Schema
	Example     any
}

// Response is one documented answer.
type Response struct {
	Description string
	Body        *Body    // nil: no body
	Headers     []string // response header names worth knowing (Retry-After)
}

// Param is a header or query parameter; path parameters come from the route's path.
type Param struct {
	Name        string
	In          string // "header" or "query"
	Description string
	Required    bool
	Schema      Schema // default {"type":"string"}
}

// Doc describes what a route takes and answers.
type Doc struct {
	Description string
	Params      []Param
	Request     *Body
	Responses   map[int]Response
	Tags        []string
}

var (
	docsMu sync.Mutex
	docs   = map[string]Doc{} // by MuxPattern
	// components are shared schemas referenced as #/components/schemas/<name>.
	components = map[string]Schema{
		"Error": {
			"type":     "object",
			"required": []string{"error"},
			"properties": Schema{"error": Schema{
				"type":     "object",
				"required": []string{"code", "message"},
				"properties": Schema{
					"code":    Schema{"type": "string", "description": "machine-readable error name, e.g. InvalidLead"},
					"message": Schema{"type": "string"},
					"fields": Schema{"type": "array", "items": Schema{
						"type": "object", "required": []string{"field", "reason"},
						"properties": Schema{"field": Schema{"type": "string"}, "reason": Schema{"type": "string"}},
					}},
				},
			}},
		},
	}
)

// Describe registers the documentation of the route method path. Describing a route twice is a
// programming error.
func Describe(method, path string, d Doc) {
	docsMu.Lock()
	defer docsMu.Unlock()
	k := method + " " + path
	if _, dup := docs[k]; dup {
		panic("httpapi: route " + k + " described twice")
	}
	docs[k] = d
}

// DescribeSchema registers a shared schema, referenced with Ref(name).
func DescribeSchema(name string, s Schema) {
	docsMu.Lock()
	defer docsMu.Unlock()
	if _, dup := components[name]; dup {
		panic("httpapi: schema " + name + " described twice")
	}
	components[name] = s
}

// Ref is a reference to a shared schema.
func Ref(name string) Schema { return Schema{"$ref": "#/components/schemas/" + name} }

// Described returns the documentation registered for a route.
func Described(method, path string) (Doc, bool) {
	docsMu.Lock()
	defer docsMu.Unlock()
	d, ok := docs[method+" "+path]
	return d, ok
}

// Undocumented lists the routes of rs that have no Describe call, as "METHOD /path".
func Undocumented(rs []Route) []string {
	var out []string
	for _, r := range rs {
		if _, ok := Described(r.Method, r.Path); !ok {
			out = append(out, r.MuxPattern())
		}
	}
	return out
}

// Stale lists described routes that are not in rs (a route renamed without its doc).
func Stale(rs []Route) []string {
	docsMu.Lock()
	defer docsMu.Unlock()
	var out []string
	for k := range docs {
		if !slices.ContainsFunc(rs, func(r Route) bool { return r.MuxPattern() == k }) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Info heads the document.
type Info struct {
	Title, Version, Description string
}

// securitySchemes maps Route.Auth to an OpenAPI security scheme; auths absent here need none.
var securitySchemes = map[string]Schema{
	"bearer": {"type": "http", "scheme": "bearer",
		"description": "An API token (dealflow tokens create --name N --scopes S), or the console's session cookie with its X-CSRF-Token on writes. 401 without valid credentials, 403 when the token's scopes or the person's role do not allow the action on this object."},
	"dealflow-signature": {"type": "apiKey", "in": "header", "name": "Dealflow-Signature",
		"description": "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\"> with a lead secret from the org file (webhooks.leads.secret_env)."},
	"hubspot-signature": {"type": "apiKey", "in": "header", "name": "X-HubSpot-Signature-v3",
		"description": "HubSpot request signature v3 with the app's client secret; X-HubSpot-Request-Timestamp must be within 5 minutes. https://developers.hubspot.com/docs/api/webhooks/validating-requests"},
}

var pathParamRE = regexp.MustCompile(`\{([A-Za-z0-9_]+)\+?\}`)

// OpenAPI builds the document for the routes rs: one operation per route, with what Describe
// registered for it, every error answer typed as the shared Error body.
func OpenAPI(info Info, rs []Route) map[string]any {
	paths := map[string]any{}
	usedSchemes := map[string]bool{}
	for _, r := range rs {
		d, _ := Described(r.Method, r.Path)
		op := map[string]any{
			"operationId": operationID(r),
			"summary":     r.Summary,
			"responses":   responses(d),
		}
		if d.Description != "" {
			op["description"] = d.Description
		}
		if r.Function != "" {
			op["x-dealflow-function"] = r.Function
		}
		if r.Auth != "" {
			op["x-dealflow-auth"] = r.Auth
		}
		if len(d.Tags) > 0 {
			op["tags"] = d.Tags
		}
		var security []any
		for _, a := range strings.Fields(r.Auth) {
			if _, ok := securitySchemes[a]; ok {
				security = append(security, map[string]any{a: []string{}})
				usedSchemes[a] = true
			}
		}
		if len(security) > 0 {
			op["security"] = security
		}
		if r.Action != "" {
			op["x-dealflow-action"] = r.Action
		}
		if ps := parameters(r.Path, d.Params); len(ps) > 0 {
			op["parameters"] = ps
		}
		if d.Request != nil {
			op["requestBody"] = map[string]any{"required": true, "content": content(d.Request)}
		}
		item, _ := paths[r.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[r.Path] = item
		}
		item[strings.ToLower(r.Method)] = op
	}
	schemes := map[string]any{}
	for name := range usedSchemes {
		schemes[name] = securitySchemes[name]
	}
	docsMu.Lock()
	comps := map[string]any{}
	for k, v := range components {
		comps[k] = v
	}
	docsMu.Unlock()
	c := map[string]any{"schemas": comps}
	if len(schemes) > 0 {
		c["securitySchemes"] = schemes
	}
	inf := map[string]any{"title": info.Title, "version": info.Version}
	if info.Description != "" {
		inf["description"] = info.Description
	}
	return map[string]any{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info":              inf,
		"paths":             paths,
		"components":        c,
	}
}

func operationID(r Route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.Method))
	for _, seg := range strings.Split(r.Path, "/") {
		seg = strings.Trim(seg, "{}+")
		if seg == "" {
			continue
		}
		for _, part := range strings.FieldsFunc(seg, func(c rune) bool { return c == '-' || c == '_' || c == '.' }) {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

func parameters(path string, extra []Param) []any {
	var out []any
	for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
		out = append(out, map[string]any{"name": m[1], "in": "path", "required": true, "schema": Schema{"type": "string"}})
	}
	for _, p := range extra {
		s := p.Schema
		if s == nil {
			s = Schema{"type": "string"}
		}
		m := map[string]any{"name": p.Name, "in": p.In, "schema": s}
		if p.Required {
			m["required"] = true
		}
		if p.Description != "" {
			m["description"] = p.Description
		}
		out = append(out, m)
	}
	return out
}

func content(b *Body) map[string]any {
	ct := b.ContentType
	if ct == "" {
		ct = "application/json"
	}
	mt := map[string]any{}
	if b.Schema != nil {
		mt["schema"] = b.Schema
	}
	if b.Example != nil {
		mt["example"] = b.Example
	}
	return map[string]any{ct: mt}
}

func responses(d Doc) map[string]any {
	out := map[string]any{}
	for code, r := range d.Responses {
		desc := r.Description
		if desc == "" {
			desc = http.StatusText(code)
		}
		m := map[string]any{"description": desc}
		switch {
		case r.Body != nil:
			m["content"] = content(r.Body)
		case code >= 400:
			m["content"] = content(&Body{Schema: Ref("Error")})
		}
		if len(r.Headers) > 0 {
			hs := map[string]any{}
			for _, h := range r.Headers {
				hs[h] = map[string]any{"schema": Schema{"type": "string"}}
			}
			m["headers"] = hs
		}
		out[strconv.Itoa(code)] = m
	}
	// Every route may answer an error not listed (500, 503): its body is always Error.
	out["default"] = map[string]any{"description": "An error.", "content": content(&Body{Schema: Ref("Error")})}
	return out
}

// CheckOpenAPI reports structural problems of a generated document: a $ref to a missing
// schema, a path parameter without its declaration, an operation without a success answer.
func CheckOpenAPI(doc map[string]any) []string {
	var probs []string
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				name, found := strings.CutPrefix(ref, "#/components/schemas/")
				if _, ok := schemas[name]; !found || !ok {
					probs = append(probs, fmt.Sprintf("%s: $ref %s does not resolve", at, ref))
				}
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(at+"/"+strconv.Itoa(i), x)
			}
		}
	}
	walk("#", doc)
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		for method, op := range item.(map[string]any) {
			o := op.(map[string]any)
			declared := map[string]bool{}
			ps, _ := o["parameters"].([]any)
			for _, x := range ps {
				m := x.(map[string]any)
				if m["in"] == "path" {
					declared[m["name"].(string)] = true
				}
			}
			for _, m := range pathParamRE.FindAllStringSubmatch(p, -1) {
				if !declared[m[1]] {
					probs = append(probs, fmt.Sprintf("%s %s: path parameter %s is not declared", method, p, m[1]))
				}
			}
			ok := false
			for code := range o["responses"].(map[string]any) {
				if len(code) == 3 && (code[0] == '2' || code[0] == '3') {
					ok = true
				}
			}
			if !ok {
				probs = append(probs, fmt.Sprintf("%s %s: no success response documented", method, p))
			}
		}
	}
	sort.Strings(probs)
	return probs
}
