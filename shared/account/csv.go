package account

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Row is one account line of an import file.
type Row struct {
	Line  int
	Input Input
}

// csvColumns maps the header names an export may use onto Input fields.
var csvColumns = map[string]string{
	"domain": "domain", "website": "domain", "company_domain": "domain",
	"name": "name", "company": "name", "account": "name", "account_name": "name",
	"owner": "owner", "ownerid": "owner", "owner_id": "owner", "owner_email": "owner",
	"segment": "segment", "territory": "territory",
}

// ParseCSV reads an account import: a header row naming the columns (domain is required; name,
// owner (rep id or email), segment, territory are optional; other columns are ignored), then one
// account per line.
func ParseCSV(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("the file is empty; the first line must name the columns (domain,name,owner,segment,territory)")
	}
	if err != nil {
		return nil, err
	}
	cols := map[int]string{}
	hasDomain := false
	for i, h := range header {
		key := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if f, ok := csvColumns[strings.ReplaceAll(key, " ", "_")]; ok {
			cols[i] = f
			hasDomain = hasDomain || f == "domain"
		}
	}
	if !hasDomain {
		return nil, fmt.Errorf("line 1: no domain column (columns: %s)", strings.Join(header, ","))
	}
	var rows []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		line, _ := cr.FieldPos(0)
		var in Input
		blank := true
		for i, v := range rec {
			v = strings.TrimSpace(v)
			blank = blank && v == ""
			switch cols[i] {
			case "domain":
				in.Domain = v
			case "name":
				in.Name = v
			case "owner":
				in.Owner = v
			case "segment":
				in.Segment = v
			case "territory":
				in.Territory = v
			}
		}
		if !blank {
			rows = append(rows, Row{Line: line, Input: in})
		}
	}
}
