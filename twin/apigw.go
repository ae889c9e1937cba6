package twin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// APIDomain is the HTTP API's default endpoint host the twin pretends to be.
const APIDomain = "twinapi.execute-api." + Region + ".amazonaws.com"

type route struct {
	method string
	segs   []string
	key    string
	fn     *Function
	limit  *bucket // the route's own throttle (RouteSettings), else the stage default
}

// bucket is API Gateway's token bucket: Burst tokens, refilled at Rate per second.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
type bucket struct {
	rate, burst float64
	mu          sync.Mutex
	tokens      float64
	last        time.Time
}

func newBucket(settings any) *bucket {
	m, ok := settings.(map[string]any)
	if !ok {
		return nil
	}
	b := &bucket{last: time.Now()}
	b.rate, _ = m["ThrottlingRateLimit"].(float64)
	b.burst, _ = m["ThrottlingBurstLimit"].(float64)
	b.tokens = b.burst
	return b
}

func (b *bucket) allow() bool {
	if b == nil || b.rate <= 0 {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// httpAPI serves the template's AWS::ApiGatewayV2 routes, invoking each route's function with
// the payload format 2.0 event and mapping its answer back.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
type httpAPI struct {
	tw     *Twin
	routes []route
	ln     net.Listener
	srv    *http.Server
	// Stage throttling (the default route settings) and each route's own (route.limit).
	rate, burst float64
	stage       *bucket
	throttled   atomic.Int64
	requests    atomic.Int64
}

func newHTTPAPI(tw *Twin) (*httpAPI, error) {
	a := &httpAPI{tw: tw}
	integ := map[string]*Function{}
	for _, id := range tw.tmpl.Of("AWS::ApiGatewayV2::Integration") {
		uri, err := tw.tmpl.PropString(id, "IntegrationUri")
		if err != nil {
			return nil, err
		}
		if v, _ := tw.tmpl.PropString(id, "PayloadFormatVersion"); v != "2.0" {
			return nil, fmt.Errorf("twin: integration %s uses payload format %q; the twin models 2.0", id, v)
		}
		f := tw.Functions[uri[strings.LastIndex(uri, ":")+1:]]
		if f == nil {
			return nil, fmt.Errorf("twin: integration %s targets %s, not a function of the template", id, uri)
		}
		integ[id] = f
	}
	for _, id := range tw.tmpl.Of("AWS::ApiGatewayV2::Route") {
		key, _ := tw.tmpl.PropString(id, "RouteKey")
		f := integ[LogicalIDOf(tw.tmpl.RawProp(id, "Target"))]
		if f == nil {
			return nil, fmt.Errorf("twin: route %s has no Lambda integration", key)
		}
		method, p, _ := strings.Cut(key, " ")
		a.routes = append(a.routes, route{method: method, segs: strings.Split(strings.Trim(p, "/"), "/"), key: key, fn: f})
	}
	for _, id := range tw.tmpl.Of("AWS::ApiGatewayV2::Stage") {
		s, _ := tw.tmpl.Prop(id, "DefaultRouteSettings")
		if m, ok := s.(map[string]any); ok {
			a.rate, _ = m["ThrottlingRateLimit"].(float64)
			a.burst, _ = m["ThrottlingBurstLimit"].(float64)
		}
		a.stage = newBucket(s)
		rs, _ := tw.tmpl.Prop(id, "RouteSettings")
		perRoute, _ := rs.(map[string]any)
		for i := range a.routes {
			a.routes[i].limit = a.stage
			if b := newBucket(perRoute[a.routes[i].key]); b != nil {
				a.routes[i].limit = b
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a.ln = ln
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *httpAPI) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = a.srv.Shutdown(ctx)
}

// APIURL is the loopback address serving the HTTP API.
func (tw *Twin) APIURL() string { return "http://" + tw.api.ln.Addr().String() }

// PublicURL is the URL users and HubSpot call: the API's default endpoint.
func (tw *Twin) PublicURL() string { return "https://" + APIDomain }

// match finds the route for a request: literal segments beat {param}, {param} beats {proxy+}.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
func (a *httpAPI) match(method, p string) (*route, map[string]string) {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	var best *route
	var bestParams map[string]string
	bestScore := -1
	for i := range a.routes {
		r := &a.routes[i]
		if r.method != method && r.method != "ANY" {
			continue
		}
		params := map[string]string{}
		score, ok := 0, true
		for j, s := range r.segs {
			if strings.HasSuffix(s, "+}") {
				params[strings.Trim(s, "{+}")] = strings.Join(segs[j:], "/")
				break
			}
			if j >= len(segs) || (j == len(r.segs)-1 && len(segs) > len(r.segs)) {
				ok = false
				break
			}
			if strings.HasPrefix(s, "{") {
				params[strings.Trim(s, "{}")] = segs[j]
				score++
			} else if s == segs[j] {
				score += 100
			} else {
				ok = false
				break
			}
		}
		if ok && len(segs) >= len(r.segs) && score > bestScore {
			best, bestParams, bestScore = r, params, score
		}
	}
	return best, bestParams
}

func (a *httpAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	rt, params := a.match(r.Method, r.URL.Path)
	if rt != nil {
		rt.fn.logs.add("API " + r.Method + " " + r.URL.Path)
	}
	if rt == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"message":"Not Found"}`)
		return
	}
	if !rt.limit.allow() {
		a.throttled.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"Too Many Requests"}`)
		return
	}
	body, _ := io.ReadAll(r.Body)
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		lk := strings.ToLower(k)
		if lk == "cookie" {
			for _, v := range vs {
				for _, c := range strings.Split(v, ";") {
					cookies = append(cookies, strings.TrimSpace(c))
				}
			}
			continue
		}
		headers[lk] = strings.Join(vs, ",")
	}
	headers["host"] = APIDomain
	headers["x-forwarded-proto"] = "https"
	var query map[string]string
	if q := r.URL.Query(); len(q) > 0 {
		query = map[string]string{}
		for k, vs := range q {
			query[k] = strings.Join(vs, ",")
		}
	}
	now := time.Now()
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	ev := map[string]any{
		"version": "2.0", "routeKey": rt.key, "rawPath": r.URL.Path, "rawQueryString": r.URL.RawQuery,
		"headers": headers,
		"requestContext": map[string]any{
			"accountId": Account, "apiId": "twinapi", "domainName": APIDomain, "domainPrefix": "twinapi",
			"http":      map[string]any{"method": r.Method, "path": r.URL.Path, "protocol": "HTTP/1.1", "sourceIp": ip, "userAgent": r.UserAgent()},
			"requestId": newID(), "routeKey": rt.key, "stage": "$default",
			"time": now.UTC().Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": now.UnixMilli(),
		},
		"isBase64Encoded": false,
	}
	if len(cookies) > 0 {
		ev["cookies"] = cookies
	}
	if query != nil {
		ev["queryStringParameters"] = query
	}
	if len(params) > 0 {
		ev["pathParameters"] = params
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev["body"] = string(body)
		} else {
			ev["body"] = base64.StdEncoding.EncodeToString(body)
			ev["isBase64Encoded"] = true
		}
	}
	payload, _ := json.Marshal(ev)
	// The integration times out at 30 s (TimeoutInMillis), answering 504.
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	out, err := rt.fn.Invoke(ctx, payload)
	if err != nil {
		rt.fn.logs.add("API Gateway: integration failed: " + err.Error())
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"message":"Internal Server Error"}`)
		return
	}
	writeLambdaResponse(w, out)
}

// writeLambdaResponse maps a format 2.0 answer: an object with statusCode is a full response;
// anything else is a 200 JSON body.
func writeLambdaResponse(w http.ResponseWriter, out []byte) {
	var resp struct {
		StatusCode      *int              `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		MultiValue      map[string][]string
		Cookies         []string `json:"cookies"`
		Body            string   `json:"body"`
		IsBase64Encoded bool     `json:"isBase64Encoded"`
	}
	if json.Unmarshal(out, &resp) != nil || resp.StatusCode == nil {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(out)
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(*resp.StatusCode)
	_, _ = w.Write(body)
}
