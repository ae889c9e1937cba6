package phone

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

var updateMetadata = flag.Bool("update-phone-metadata", false, "rewrite internal/libphonenumber/data/metadata.json.gz from github.com/nyaruka/phonenumbers")

const metadataFile = "internal/libphonenumber/data/metadata.json.gz"

// libraryMetadata is the library's metadata collection as JSON (the field names of its protobuf
// messages, which internal/libphonenumber's plain structs share).
func libraryMetadata(t *testing.T) []byte {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(coll)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestMetadataIsCurrent: the embedded metadata is the library's (go generate ./shared/phone after
// updating github.com/nyaruka/phonenumbers).
func TestMetadataIsCurrent(t *testing.T) {
	want := libraryMetadata(t)
	if *updateMetadata {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(want)
		zw.Close()
		if err := os.WriteFile(metadataFile, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(metadataFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatal(metadataFile + " differs from github.com/nyaruka/phonenumbers' metadata: run go generate ./shared/phone")
	}
}

func libraryE164(raw, region string) (string, bool) {
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), true
}

// TestAgreesWithTheLibrary: for every region's example numbers of every type, written the ways
// people write them, and for random digit strings, E164 answers exactly what the library answers.
func TestAgreesWithTheLibrary(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var regions []string
	for r := range phonenumbers.GetSupportedRegions() {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	regions = append(regions, "ZZ")
	var inputs [][2]string
	add := func(raw, region string) { inputs = append(inputs, [2]string{raw, region}) }
	for _, region := range regions {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
			phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
			phonenumbers.UAN, phonenumbers.VOICEMAIL} {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			for _, f := range []phonenumbers.PhoneNumberFormat{phonenumbers.E164, phonenumbers.INTERNATIONAL, phonenumbers.NATIONAL, phonenumbers.RFC3966} {
				s := phonenumbers.Format(ex, f)
				for _, r := range []string{region, "DE", "US", "ZZ"} {
					add(s, r)
				}
				add(s+" ext. 12", region)
				add("("+s+")", region)
			}
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			add(fmt.Sprintf("00%d %s", ex.GetCountryCode(), nsn), region)
			add(fmt.Sprintf("011 %d %s", ex.GetCountryCode(), nsn), "US")
			add(fmt.Sprintf("%d%s", ex.GetCountryCode(), nsn), region)
			add(nsn[:len(nsn)-1], region)
			add(nsn+"9", region)
		}
		for range 20 {
			n := 4 + rnd.IntN(12)
			b := make([]byte, n)
			for i := range b {
				b[i] = byte('0' + rnd.IntN(10))
			}
			add(string(b), region)
			add("+"+string(b), region)
		}
	}
	for _, s := range []string{"", "+", "abc", "+49 (0)30 1234567", "+1-800-FLOWERS", "tel:+49-30-1234567;phone-context=+49", "0049 30 12345678",
		"+49 30 12345678 / x 99", "030/123 456 78", "+４９ ３０ １２３４５６７８", "+49 1511 2345678#", "1-800-GOT-JUNK"} {
		for _, r := range []string{"DE", "US", "ZZ", "GB", "IT", ""} {
			add(s, r)
		}
	}
	diffs := 0
	for _, in := range inputs {
		got, gotOK := E164(in[0], in[1])
		want, wantOK := libraryE164(in[0], in[1])
		if got != want || gotOK != wantOK {
			diffs++
			if diffs <= 20 {
				t.Errorf("E164(%q, %q) = %q, %v; library: %q, %v", in[0], in[1], got, gotOK, want, wantOK)
			}
		}
	}
	if diffs > 0 {
		t.Errorf("%d of %d inputs differ", diffs, len(inputs))
	}
	t.Logf("%d inputs agree", len(inputs))
}
