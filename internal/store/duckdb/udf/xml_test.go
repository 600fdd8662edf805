package udf_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/store/duckdb/udf"
)

func TestParseXMLRejectsMalformed(t *testing.T) {
	for _, s := range []string{"", "text", "<a>", "<a></b>", "<a/><b/>", "x<a/>", "<a><b></a></b>",
		strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300)} {
		_, err := udf.ParseXML(s)
		require.Error(t, err, "%q", s)
	}
}

func FuzzParseXML(f *testing.F) {
	for _, s := range []string{`<e a="1">t<b>x</b><c>y</c><c>z</c><d/></e>`,
		`<EventData xmlns="x"><Data Name="A">1</Data><Data Name="B"/></EventData>`, `<?xml version="1.0"?><a>&amp;</a>`,
		`<a:b xmlns:a="u" a:c="d"/>`, `<a><![CDATA[x<y]]></a>`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := udf.ParseXML(s)
		if err != nil {
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("%q: result does not marshal: %v", s, err)
		}
	})
}
