package sfn

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dealflow/dealflow/internal/testenv"
)

// The conformance test runs the AWS-recorded ASL corpus (the asl/cases folder of the conformance
// oracles, found by internal/testenv; the corpus documents its format in its own asl/README.md):
// go test ./local/sfn/ -run TestConformance -v; ASL_CONFORMANCE_DIR=DIR runs another corpus.

// conformanceStart is the frozen "now" of the corpus extraction (the corpus README, "How it was extracted").
var conformanceStart = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// conformanceHorizon is how much virtual time a case may take before it is reported RUNNING,
// as a test that reads the history after a while would see it.
const conformanceHorizon = 2 * time.Hour

const (
	confRegion  = "us-east-1"
	confAccount = "000000000000"
)

// conformanceDir is the ASL corpus: $ASL_CONFORMANCE_DIR (another corpus of the same layout),
// else asl/cases of the shared conformance folder (internal/testenv says where that is).
func conformanceDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("ASL_CONFORMANCE_DIR"); d != "" {
		return d
	}
	return testenv.ConformanceDir(t, filepath.Join("asl", "cases"))
}

type expectedResult struct {
	Status  string          `json:"status"`
	Output  json.RawMessage `json:"output"`
	Error   *string         `json:"error"`
	Cause   json.RawMessage `json:"cause"`
	History []struct {
		Type    string          `json:"type"`
		Details json.RawMessage `json:"details"`
		ID      any             `json:"id"`
	} `json:"history"`
}

type caseMeta struct {
	HistoryOrder       string   `json:"history_order"`
	PlaceholderTokens  []string `json:"placeholder_tokens"`
	SkipSnapshotVerify []string `json:"skip_snapshot_verify"`
	DetailsParsing     string   `json:"details_json_text_parsing"`
	CauseIsParsedJSON  bool     `json:"cause_is_parsed_json"`
}

type indexRow struct {
	jsonata, hasHistory, placeholders bool
}

type actualResult struct {
	Status  string        `json:"status"`
	Output  any           `json:"output"`
	Error   *string       `json:"error"`
	Cause   *string       `json:"cause"`
	History []actualEvent `json:"history"`
}

type actualEvent struct {
	ID              int64          `json:"id"`
	PreviousEventID int64          `json:"previousEventId"`
	Type            string         `json:"type"`
	Details         map[string]any `json:"details"`
}

func TestConformance(t *testing.T) {
	dir := conformanceDir(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("read the conformance corpus: %v", err)
	}
	index := readIndex(filepath.Join(dir, "..", "INDEX.tsv"))
	_, self, _, _ := runtime.Caller(0)
	known := readKnownFailures(t, filepath.Join(filepath.Dir(self), "testdata", "known-failures.txt"))
	var report *os.File
	if p := os.Getenv("ASL_CONFORMANCE_REPORT"); p != "" {
		if report, err = os.Create(p); err != nil {
			t.Fatalf("create report: %v", err)
		}
		defer report.Close()
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var passed, failed int
	var pathTotal, pathOK, nataTotal, nataOK, histTotal, histOK int
	var unexpected []string
	seen := map[string]bool{}
	for _, name := range names {
		seen[name] = true
		cdir := filepath.Join(dir, name)
		act, verdict := runConformanceCase(t, cdir)
		if report != nil {
			b, _ := json.Marshal(map[string]any{"case": name, "actual": act})
			report.Write(append(b, '\n'))
		}
		row, hasRow := index[name]
		if !hasRow {
			row.jsonata = verdict.jsonata
			row.hasHistory = verdict.hasHistory
		}
		if row.jsonata {
			nataTotal++
			if verdict.resultOK {
				nataOK++
			}
		} else {
			pathTotal++
			if verdict.resultOK {
				pathOK++
			}
		}
		if row.hasHistory {
			histTotal++
			if verdict.typesOK {
				histOK++
			}
		}
		reason, listed := known[name]
		if verdict.ok() {
			passed++
			fmt.Printf("PASS %s\n", name)
			if listed {
				unexpected = append(unexpected, fmt.Sprintf("%s passes but is listed in known-failures.txt (%s)", name, reason))
			}
		} else {
			failed++
			fmt.Printf("FAIL %s: %s\n", name, verdict.reason)
			if !listed {
				unexpected = append(unexpected, fmt.Sprintf("%s fails and is not listed in known-failures.txt: %s", name, verdict.reason))
			}
		}
	}
	pct := func(a, b int) float64 {
		if b == 0 {
			return 100
		}
		return 100 * float64(a) / float64(b)
	}
	fmt.Printf("metrics: JSONPath exact %d/%d (%.1f%%), JSONata exact %d/%d (%.1f%%), history type sequence %d/%d (%.1f%%)\n",
		pathOK, pathTotal, pct(pathOK, pathTotal), nataOK, nataTotal, pct(nataOK, nataTotal), histOK, histTotal, pct(histOK, histTotal))
	fmt.Printf("conformance: %d passed, %d failed\n", passed, failed)
	if os.Getenv("ASL_CONFORMANCE_DIR") == "" {
		for name := range known {
			if !seen[name] {
				unexpected = append(unexpected, name+" is listed in known-failures.txt but is not in the corpus")
			}
		}
	}
	sort.Strings(unexpected)
	for _, u := range unexpected {
		t.Error(u)
	}
}

func readIndex(path string) map[string]indexRow {
	out := map[string]indexRow{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cols []string
	for sc.Scan() {
		parts := strings.Split(sc.Text(), "\t")
		if cols == nil {
			cols = parts
			continue
		}
		row := indexRow{}
		var name string
		for i, c := range cols {
			if i >= len(parts) {
				break
			}
			switch c {
			case "case":
				name = parts[i]
			case "uses_jsonata":
				row.jsonata = parts[i] == "yes"
			case "has_history":
				row.hasHistory = parts[i] == "yes"
			case "result_has_placeholders":
				row.placeholders = parts[i] == "yes"
			}
		}
		out[name] = row
	}
	return out
}

func readKnownFailures(t *testing.T, path string) map[string]string {
	out := map[string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("read known failures: %v", err)
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, "\t")
		if !ok || strings.TrimSpace(reason) == "" {
			t.Errorf("known-failures.txt: line %q needs case<TAB>reason", line)
			continue
		}
		out[name] = reason
	}
	return out
}

type caseVerdict struct {
	resultOK, typesOK, detailsOK bool
	jsonata, hasHistory          bool
	reason                       string
}

func (v caseVerdict) ok() bool { return v.resultOK && v.typesOK && v.detailsOK }

// runConformanceCase executes one case folder and compares the result with expected.json.
func runConformanceCase(t *testing.T, cdir string) (actualResult, caseVerdict) {
	var v caseVerdict
	defText, err := os.ReadFile(filepath.Join(cdir, "definition.json"))
	if err != nil {
		v.reason = "read definition: " + err.Error()
		return actualResult{}, v
	}
	v.jsonata = strings.Contains(string(defText), `"JSONata"`)
	inText, _ := os.ReadFile(filepath.Join(cdir, "input.json"))
	var exp expectedResult
	if err := readJSON(filepath.Join(cdir, "expected.json"), &exp); err != nil {
		v.reason = "read expected: " + err.Error()
		return actualResult{}, v
	}
	v.hasHistory = exp.History != nil
	var meta caseMeta
	_ = readJSON(filepath.Join(cdir, "meta.json"), &meta)

	act := executeCase(defText, inText)
	v.resultOK, v.typesOK, v.detailsOK = true, true, true
	var reasons []string
	tokens := newTokenSet(meta.PlaceholderTokens)
	norm := normaliseActual(act)
	if norm.Status != exp.Status {
		v.resultOK = false
		reasons = append(reasons, fmt.Sprintf("status %s, want %s", norm.Status, exp.Status))
	}
	if !eqPtr(norm.Error, exp.Error) {
		v.resultOK = false
		reasons = append(reasons, fmt.Sprintf("error %s, want %s", show(norm.Error), show(exp.Error)))
	}
	if ok, why := compareCause(norm.Cause, exp.Cause, tokens); !ok {
		v.resultOK = false
		reasons = append(reasons, why)
	}
	expOut, _ := decodeJSON(orNull(exp.Output))
	// skip_snapshot_verify paths ($..SdkHttpMetadata etc.) are ignored in outputs too (README).
	expOut = stripSkipped(expOut, meta.SkipSnapshotVerify)
	if !tokens.match(expOut, stripSkipped(norm.Output, meta.SkipSnapshotVerify)) {
		v.resultOK = false
		reasons = append(reasons, fmt.Sprintf("output %s, want %s", clip(encodeJSON(norm.Output)), clip(encodeJSON(expOut))))
	}
	if exp.History != nil {
		ok1, ok2, why := compareHistory(exp, meta, norm.History, tokens)
		v.typesOK, v.detailsOK = ok1, ok2
		if why != "" {
			reasons = append(reasons, why)
		}
	}
	v.reason = strings.Join(reasons, "; ")
	return act, v
}

func orNull(b json.RawMessage) []byte {
	if len(b) == 0 {
		return []byte("null")
	}
	return b
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func show(s *string) string {
	if s == nil {
		return "null"
	}
	return fmt.Sprintf("%q", clip(*s))
}

func clip(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// executeCase runs a definition on a virtual clock with the fixture Lambdas (lambdas_test.go).
func executeCase(defText, inText []byte) actualResult {
	clk := newVirtualClock(conformanceStart)
	reg := NewRegistry()
	registerFixtureLambdas(reg, clk)
	e, err := New(WithClock(clk), WithFunctions(reg), WithAccount(confRegion, confAccount),
		WithRoleARN("arn:aws:iam::"+confAccount+":role/sfn-test-role"))
	if err != nil {
		return actualResult{Status: "ERROR", Error: ptr(err.Error())}
	}
	ctx := context.Background()
	sm, err := e.CreateStateMachine(ctx, "conformance", defText, "definition.json")
	if err != nil {
		return actualResult{Status: "INVALID_DEFINITION", Error: ptr(err.Error())}
	}
	input := strings.TrimSpace(string(inText))
	out, err := e.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm.ARN, Name: "conformance-exec", Input: input})
	if err != nil {
		return actualResult{Status: "START_FAILED", Error: ptr(err.Error())}
	}
	x, _ := e.Execution(out.ExecutionArn)
	driveUntilDone(x, clk, conformanceStart.Add(conformanceHorizon))
	defer func() {
		x.cancel(errEngineClosed)
	}()
	status, output, errName, cause := x.Status()
	res := actualResult{Status: status, Error: errName, Cause: cause}
	if output != nil {
		res.Output, _ = decodeJSON([]byte(*output))
	}
	for _, h := range x.History() {
		res.History = append(res.History, actualEvent{ID: h.ID, PreviousEventID: h.PreviousEventID, Type: h.Type, Details: h.Details})
	}
	return res
}

// driveUntilDone advances the virtual clock to the next timer whenever the execution is idle
// (its history has not grown for a few real milliseconds), up to horizon.
func driveUntilDone(x *Execution, clk *virtualClock, horizon time.Time) {
	lastLen := -1
	quiet := 0
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-x.Done():
			return
		case <-time.After(time.Millisecond):
		}
		n := x.historyLen()
		if n != lastLen {
			lastLen, quiet = n, 0
			continue
		}
		quiet++
		// Idle means: no new event for 10 ms and no fixture Lambda computing.
		if quiet < 10 || lambdasInFlight.Load() > 0 {
			continue
		}
		due, ok := clk.next()
		if !ok || due.After(horizon) {
			if quiet > 300 {
				return // parked on something the horizon does not reach: RUNNING
			}
			continue
		}
		clk.advanceTo(due)
		quiet = 0
	}
}

func ptr(s string) *string { return &s }

// --- normalisation (README N1–N4) ---

var isoRE = regexp.MustCompile(`(?:[1-9]\d{3}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)|(?:[1-9]\d(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[13579][26])00)-02-29)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-][01]\d:?([0-5]\d)?)`)
var timestampKeyRE = regexp.MustCompile(`(?i).*timestamp.*`)

// normString applies N2 and N3 to one string.
func normString(s string) string {
	s = isoRE.ReplaceAllString(s, "date")
	s = strings.ReplaceAll(s, "arn:aws:", "arn:<partition>:")
	s = strings.ReplaceAll(s, confRegion, "<region>")
	s = strings.ReplaceAll(s, confAccount, "111111111111")
	return s
}

// normValue applies N2–N4 to a document; parseJSONTexts also applies N1 (one level).
func normValue(v any, parseJSONTexts bool) any {
	switch t := v.(type) {
	case string:
		return normString(t)
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = normValue(x, parseJSONTexts)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if s, ok := x.(string); ok && parseJSONTexts && strings.HasPrefix(s, "{") {
				if d, err := decodeJSON([]byte(s)); err == nil {
					out[k] = normValue(d, false)
					continue
				}
			}
			if s, ok := x.(string); ok && timestampKeyRE.MatchString(k) && !isoRE.MatchString(s) {
				out[k] = "timestamp"
				continue
			}
			if _, isNum := x.(json.Number); isNum && timestampKeyRE.MatchString(k) {
				out[k] = "timestamp"
				continue
			}
			out[k] = normValue(x, parseJSONTexts)
		}
		return out
	}
	return v
}

func normaliseActual(a actualResult) actualResult {
	n := a
	if a.Error != nil {
		n.Error = ptr(normString(*a.Error))
	}
	if a.Cause != nil {
		n.Cause = ptr(normString(*a.Cause))
	}
	n.Output = normValue(a.Output, false)
	n.History = nil
	for _, h := range a.History {
		var d map[string]any
		if h.Details != nil {
			d, _ = normValue(h.Details, true).(map[string]any)
		}
		n.History = append(n.History, actualEvent{ID: h.ID, PreviousEventID: h.PreviousEventID, Type: h.Type, Details: d})
	}
	return n
}

// --- placeholder matching ---

type tokenSet struct {
	whole   []*regexp.Regexp // a token alone
	inside  *regexp.Regexp   // any token inside a string
	special map[string]bool  // date, timestamp, datetime: only as the whole value
}

func newTokenSet(tokens []string) *tokenSet {
	ts := &tokenSet{special: map[string]bool{"date": true, "timestamp": true, "datetime": true}}
	var alts []string
	for _, tok := range tokens {
		if ts.special[tok] {
			continue
		}
		p := regexp.QuoteMeta(tok)
		if strings.HasPrefix(tok, "<") {
			p = regexp.MustCompile(`\d+|N`).ReplaceAllString(p, `\d+`)
		}
		ts.whole = append(ts.whole, regexp.MustCompile("^"+p+"$"))
		alts = append(alts, p)
	}
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	if len(alts) > 0 {
		ts.inside = regexp.MustCompile(strings.Join(alts, "|"))
	}
	return ts
}

func (ts *tokenSet) isToken(s string) bool {
	if ts.special[s] {
		return true
	}
	for _, re := range ts.whole {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func (ts *tokenSet) containsToken(v any) bool {
	switch t := v.(type) {
	case string:
		return ts.isToken(t) || (ts.inside != nil && ts.inside.MatchString(t))
	case []any:
		for _, x := range t {
			if ts.containsToken(x) {
				return true
			}
		}
	case map[string]any:
		for _, x := range t {
			if ts.containsToken(x) {
				return true
			}
		}
	}
	return false
}

// match compares expected and actual documents with placeholders as wildcards.
func (ts *tokenSet) match(exp, act any) bool {
	switch e := exp.(type) {
	case string:
		if ts.isToken(e) {
			return true
		}
		a, ok := act.(string)
		if !ok {
			return false
		}
		if a == e {
			return true
		}
		if ts.inside == nil || !ts.inside.MatchString(e) {
			return false
		}
		var b strings.Builder
		b.WriteString("(?s)^")
		last := 0
		for _, loc := range ts.inside.FindAllStringIndex(e, -1) {
			b.WriteString(regexp.QuoteMeta(e[last:loc[0]]))
			b.WriteString(".*?")
			last = loc[1]
		}
		b.WriteString(regexp.QuoteMeta(e[last:]))
		b.WriteString("$")
		re, err := regexp.Compile(b.String())
		return err == nil && re.MatchString(a)
	case map[string]any:
		a, ok := act.(map[string]any)
		if !ok || len(a) != len(e) {
			return false
		}
		for k, ev := range e {
			av, ok := a[k]
			if !ok || !ts.match(ev, av) {
				return false
			}
		}
		return true
	case []any:
		a, ok := act.([]any)
		if !ok || len(a) != len(e) {
			return false
		}
		for i := range e {
			if !ts.match(e[i], a[i]) {
				return false
			}
		}
		return true
	case json.Number:
		x, ok1 := new(big.Rat).SetString(string(e))
		an, isNum := act.(json.Number)
		if !isNum || !ok1 {
			return false
		}
		y, ok2 := new(big.Rat).SetString(string(an))
		return ok2 && x.Cmp(y) == 0
	default:
		return exp == act
	}
}

func compareCause(act *string, exp json.RawMessage, ts *tokenSet) (bool, string) {
	e, _ := decodeJSON(orNull(exp))
	if e == nil {
		if act == nil {
			return true, ""
		}
		return false, fmt.Sprintf("cause %q, want null", clip(*act))
	}
	if act == nil {
		return false, fmt.Sprintf("cause null, want %s", clip(encodeJSON(e)))
	}
	var a any = *act
	if _, isObj := e.(map[string]any); isObj {
		d, err := decodeJSON([]byte(*act))
		if err != nil {
			return false, fmt.Sprintf("cause %q is not the JSON object expected", clip(*act))
		}
		a = d
	}
	if !ts.match(e, a) {
		return false, fmt.Sprintf("cause %s, want %s", clip(encodeJSON(a)), clip(encodeJSON(e)))
	}
	return true, ""
}

// --- history comparison ---

type cmpEvent struct {
	typ     string
	details any
	block   bool // member of a sorted Parallel block
}

// sortParallelBlocks re-applies LocalStack's SfnNoneRecursiveParallelTransformer to the actual
// history, including its slice-replacement quirk that drops a closing event (README).
func sortParallelBlocks(evs []cmpEvent) []cmpEvent {
	evs = append([]cmpEvent(nil), evs...)
	start := 0
	var sub []cmpEvent
	in := false
	for i := 0; i < len(evs); i++ {
		switch evs[i].typ {
		case "ParallelStateSucceeded", "ParallelStateAborted", "ParallelStateExited", "ParallelStateFailed":
			s := append([]cmpEvent(nil), sub...)
			sort.SliceStable(s, func(a, b int) bool { return s[a].key() < s[b].key() })
			tail := append([]cmpEvent(nil), evs[i:]...)
			evs = append(append(evs[:start], s...), tail...)
			i = start + len(s)
			in = false
		case "ParallelStateStarted":
			in, sub, start = true, nil, i+1
		default:
			if in {
				evs[i].block = true
				sub = append(sub, evs[i])
			}
		}
	}
	return evs
}

func (c cmpEvent) key() string { return c.typ + encodeJSON(c.details) }

func compareHistory(exp expectedResult, meta caseMeta, act []actualEvent, ts *tokenSet) (typesOK, detailsOK bool, why string) {
	var ev, av []cmpEvent
	for _, h := range exp.History {
		d, _ := decodeJSON(orNull(h.Details))
		_, blockID := h.ID.([]any)
		ev = append(ev, cmpEvent{typ: h.Type, details: stripSkipped(d, meta.SkipSnapshotVerify), block: blockID})
	}
	for _, h := range act {
		var d any
		if h.Details != nil {
			d = map[string]any(h.Details)
			if meta.DetailsParsing == "all-output-fields" {
				d = parseOutputFields(h.Details)
			}
		}
		av = append(av, cmpEvent{typ: h.Type, details: stripSkipped(d, meta.SkipSnapshotVerify)})
	}
	if meta.HistoryOrder == "parallel-blocks-sorted" {
		av = sortParallelBlocks(av)
		return compareBlocks(ev, av, ts)
	}
	if len(ev) != len(av) {
		return false, false, fmt.Sprintf("history has %d events, want %d: %s", len(av), len(ev), typeDiff(ev, av))
	}
	for i := range ev {
		if ev[i].typ != av[i].typ {
			return false, false, fmt.Sprintf("history event %d is %s, want %s", i+1, av[i].typ, ev[i].typ)
		}
	}
	for i := range ev {
		if ok, why := detailsMatch(ev[i], av[i], ts); !ok {
			return true, false, fmt.Sprintf("history event %d (%s): %s", i+1, ev[i].typ, why)
		}
	}
	return true, true, ""
}

func typeDiff(ev, av []cmpEvent) string {
	var a, b []string
	for _, e := range ev {
		a = append(a, e.typ)
	}
	for _, e := range av {
		b = append(b, e.typ)
	}
	return fmt.Sprintf("got [%s] want [%s]", clip(strings.Join(b, " ")), clip(strings.Join(a, " ")))
}

// compareBlocks compares histories whose Parallel blocks are sorted: positions outside blocks
// must match one to one, each block as a multiset.
func compareBlocks(ev, av []cmpEvent, ts *tokenSet) (bool, bool, string) {
	if len(ev) != len(av) {
		return false, false, fmt.Sprintf("history has %d events, want %d: %s", len(av), len(ev), typeDiff(ev, av))
	}
	detailsOK := true
	var why string
	for i := 0; i < len(ev); {
		if !ev[i].block {
			if ev[i].typ != av[i].typ {
				return false, false, fmt.Sprintf("history event %d is %s, want %s", i+1, av[i].typ, ev[i].typ)
			}
			if ok, w := detailsMatch(ev[i], av[i], ts); !ok && detailsOK {
				detailsOK, why = false, fmt.Sprintf("history event %d (%s): %s", i+1, ev[i].typ, w)
			}
			i++
			continue
		}
		j := i
		for j < len(ev) && ev[j].block {
			j++
		}
		used := make([]bool, j-i)
		for k := i; k < j; k++ {
			found, typeFound := false, false
			for m := i; m < j; m++ {
				if used[m-i] || av[m].typ != ev[k].typ {
					continue
				}
				typeFound = true
				if ok, _ := detailsMatch(ev[k], av[m], ts); ok {
					used[m-i], found = true, true
					break
				}
			}
			if !typeFound {
				return false, false, fmt.Sprintf("parallel block lacks a %s event", ev[k].typ)
			}
			if !found && detailsOK {
				detailsOK, why = false, fmt.Sprintf("parallel block: no matching details for %s", ev[k].typ)
			}
		}
		i = j
	}
	return true, detailsOK, why
}

// detailsMatch compares details field by field, skipping fields whose expected value holds a
// placeholder (the corpus README, "How a runner should compare", step 4).
func detailsMatch(e, a cmpEvent, ts *tokenSet) (bool, string) {
	em, _ := e.details.(map[string]any)
	am, _ := a.details.(map[string]any)
	if e.details == nil || a.details == nil {
		if (e.details == nil) != (a.details == nil) && len(em)+len(am) > 0 {
			return false, fmt.Sprintf("details %s, want %s", clip(encodeJSON(a.details)), clip(encodeJSON(e.details)))
		}
		return true, ""
	}
	for k, v := range em {
		if ts.containsToken(v) {
			continue
		}
		av, ok := am[k]
		if !ok {
			return false, fmt.Sprintf("missing field %s", k)
		}
		if !ts.match(v, av) {
			return false, fmt.Sprintf("field %s is %s, want %s", k, clip(encodeJSON(av)), clip(encodeJSON(v)))
		}
	}
	for k := range am {
		if _, ok := em[k]; !ok {
			return false, fmt.Sprintf("unexpected field %s", k)
		}
	}
	return true, ""
}

// stripSkipped removes "$..key" paths from skip_snapshot_verify.
func stripSkipped(v any, paths []string) any {
	var keys []string
	for _, p := range paths {
		if strings.HasPrefix(p, "$..") && !strings.ContainsAny(p[3:], ".[") {
			keys = append(keys, p[3:])
		}
	}
	if len(keys) == 0 {
		return v
	}
	var walk func(any) any
	walk = func(v any) any {
		switch t := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, x := range t {
				skip := false
				for _, s := range keys {
					if k == s {
						skip = true
					}
				}
				if !skip {
					out[k] = walk(x)
				}
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				out[i] = walk(x)
			}
			return out
		}
		return v
	}
	return walk(v)
}

// parseOutputFields parses every string "output" field (meta details_json_text_parsing =
// all-output-fields).
func parseOutputFields(d map[string]any) any {
	out := map[string]any{}
	for k, v := range d {
		out[k] = v
		if s, ok := v.(string); ok && k == "output" {
			if p, err := decodeJSON([]byte(s)); err == nil {
				out[k] = p
			}
		}
	}
	return out
}
