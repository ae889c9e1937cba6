package pattern_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/dealflow/dealflow/internal/testenv"
	"github.com/dealflow/dealflow/local/eventbus/pattern"
)

// seedFromConformance adds the oracle's patterns and events to a fuzz corpus.
func seedFromConformance(f *testing.F, add func(c conformanceCase)) {
	fh, err := os.Open(filepath.Join(testenv.ConformanceDir(f, "eventbridge"), "cases.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c conformanceCase
		if json.Unmarshal(sc.Bytes(), &c) == nil {
			add(c)
		}
	}
}

var fuzzEvents = []string{
	envelope(`{"state":"running","c-count":5,"x":[1,"a",null,true,{"y":"z"}],"ip":"10.0.0.1"}`),
	envelope(`{"employees":[[{"firstName":"John","ids":[1,2]},{"firstName":"Anna"}],[{"firstName":"Peter","ids":[]}]]}`),
	`{"a":{"b":[[{"c":"d"}],[]]},"e":-1.5e3,"f":""}`,
}

// FuzzCompile checks that no pattern text makes Compile or matching panic, and that matching a
// compiled pattern gives the same answer on raw bytes and on a decoded event.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{
		`{"source":["a"]}`, `{"detail":{"$or":[{"a":[1]},{"b":[{"exists":false}]}]}}`,
		`{"a":[{"wildcard":"a\\**b"}]}`, `{"a":[{"cidr":"10.0.0.0/8"}]}`, `{"a":[{"numeric":[">",0,"<=",5]}]}`,
		`{"a":[{"anything-but":{"equals-ignore-case":["ß","İ"]}}]}`, `[]`, `{`, `{"a":[]}`,
	} {
		f.Add([]byte(s))
	}
	seedFromConformance(f, func(c conformanceCase) { f.Add([]byte(c.Pattern)) })
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := pattern.Compile(src)
		if err != nil {
			if _, ok := err.(*pattern.InvalidPatternError); !ok {
				t.Fatalf("Compile error of type %T: %v", err, err)
			}
			return
		}
		for _, ev := range fuzzEvents {
			got, err := p.Match([]byte(ev))
			if err != nil {
				t.Fatal(err)
			}
			dec, _ := pattern.DecodeEvent([]byte(ev))
			if p.MatchValue(dec) != got {
				t.Fatalf("Match and MatchValue disagree on %s", ev)
			}
		}
	})
}

// FuzzMatch checks matching arbitrary events against ReferenceMatch, a naive implementation of
// event-ruler's flattened, array-consistent matching, and that the answer does not depend on
// whether numbers were decoded as json.Number or float64.
func FuzzMatch(f *testing.F) {
	for _, ev := range fuzzEvents {
		f.Add([]byte(`{"detail":{"employees":{"firstName":["Anna"],"ids":[{"exists":false}]}}}`), []byte(ev))
		f.Add([]byte(`{"a":{"b":{"c":[{"prefix":"d"},{"anything-but":1}]}},"e":[{"numeric":["<",0]}]}`), []byte(ev))
	}
	seedFromConformance(f, func(c conformanceCase) {
		if !c.Invalid {
			f.Add([]byte(c.Pattern), []byte(c.Event))
		}
	})
	f.Fuzz(func(t *testing.T, src, event []byte) {
		p, err := pattern.Compile(src)
		if err != nil {
			return
		}
		dec, err := pattern.DecodeEvent(event)
		if err != nil || len(event) > 4096 {
			return // the reference is exponential; keep it to small events
		}
		got := p.MatchValue(dec)
		if ref := pattern.ReferenceMatch(p, dec); ref != got {
			t.Fatalf("MatchValue %v, reference %v\npattern %s\nevent %s", got, ref, src, event)
		}
		var plain any
		if json.Unmarshal(event, &plain) != nil {
			return
		}
		if again := p.MatchValue(plain); again != got {
			t.Fatalf("json.Number match %v, float64 match %v\npattern %s\nevent %s", got, again, src, event)
		}
	})
}
