package external

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
)

// Decode splits a fetched document into rows of cols text cells by format: "csv" and "tsv" (ignoreFirst drops a
// header record), "txt" (one line per row, in the first column), "json" or "multijson" (a JSON array of objects, or
// one object per line; each column is the property of the same name, nested values as JSON text). Missing cells are
// empty; extra cells are dropped.
func Decode(data []byte, format string, cols []string, ignoreFirst bool) ([][]string, error) {
	switch strings.ToLower(format) {
	case "", "csv", "tsv", "scsv", "psv":
		r := csv.NewReader(bytes.NewReader(data))
		switch strings.ToLower(format) {
		case "tsv":
			r.Comma = '\t'
		case "scsv":
			r.Comma = ';'
		case "psv":
			r.Comma = '|'
		}
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		recs, err := r.ReadAll()
		if err != nil {
			return nil, fmt.Errorf("externaldata: %s: %w", format, err)
		}
		if ignoreFirst && len(recs) > 0 {
			recs = recs[1:]
		}
		out := make([][]string, 0, len(recs))
		for _, rec := range recs {
			out = append(out, fit(rec, len(cols)))
		}
		return out, nil
	case "txt", "raw":
		lines := strings.Split(strings.TrimRight(string(data), "\r\n"), "\n")
		if ignoreFirst && len(lines) > 0 {
			lines = lines[1:]
		}
		out := make([][]string, 0, len(lines))
		for _, l := range lines {
			out = append(out, fit([]string{strings.TrimRight(l, "\r")}, len(cols)))
		}
		return out, nil
	case "json", "multijson", "singlejson":
		var objs []map[string]any
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) > 0 && trimmed[0] == '[' {
			if err := json.Unmarshal(trimmed, &objs); err != nil {
				return nil, fmt.Errorf("externaldata: json: %w", err)
			}
		} else {
			dec := json.NewDecoder(bytes.NewReader(trimmed))
			for dec.More() {
				var o map[string]any
				if err := dec.Decode(&o); err != nil {
					return nil, fmt.Errorf("externaldata: json: %w", err)
				}
				objs = append(objs, o)
			}
		}
		out := make([][]string, 0, len(objs))
		for _, o := range objs {
			row := make([]string, len(cols))
			for i, c := range cols {
				switch v := o[c].(type) {
				case nil:
				case string:
					row[i] = v
				default:
					b, _ := json.Marshal(v)
					row[i] = string(b)
				}
			}
			out = append(out, row)
		}
		return out, nil
	}
	return nil, fmt.Errorf("externaldata: format %q is not supported (csv, tsv, scsv, psv, txt, json, multijson)", format)
}

func fit(rec []string, n int) []string {
	row := make([]string, n)
	copy(row, rec)
	return row
}
