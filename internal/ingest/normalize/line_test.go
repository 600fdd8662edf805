package normalize_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/schema"
)

func lineTable(t *testing.T) *schema.Table {
	tb, err := schema.NewCatalog().AddCustom("Line_CL", []schema.Column{
		{Name: "S", Type: schema.TypeString}, {Name: "I", Type: schema.TypeInt}, {Name: "Dy", Type: schema.TypeDynamic},
	})
	require.NoError(t, err)
	return tb
}

// A line that is not JSON is rejected with what is wrong and the column (1-based byte offset) where it was found.
func TestLineSyntaxErrorsSayWhere(t *testing.T) {
	j := normalize.NewJSON(batch.NewBuilder(lineTable(t)))
	for line, want := range map[string]string{
		`{"TimeGenerated":"2024-05-01T10:00:00Z",,"S":"x"}`:  "invalid JSON: expected a field name in quotes at column 41",
		`{"TimeGenerated":"2024-05-01T10:00:00Z" "S":"x"}`:   "invalid JSON: expected ',' or '}' after a field's value at column 41",
		`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"x}`:    "invalid JSON: unterminated string at column 45",
		`{"TimeGenerated":"2024-05-01T10:00:00Z"}x`:          "invalid JSON: unexpected text after the object at column 41",
		`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":[1,]}`: "invalid JSON: invalid value at column 49",
		`{"S" 1}`: "invalid JSON: expected ':' after the field name at column 6",
		`{"S":`:   "invalid JSON: missing value at column 6",
		`[1,2]`:   "not a JSON object but array",
		`"text"`:  "not a JSON object but string",
	} {
		err := j.Line([]byte(line))
		require.EqualError(t, err, want, line)
	}
}

// A value its column cannot hold names the field; when the line is also not JSON, the syntax error is reported, as
// it was when lines were parsed whole before being converted.
func TestLineFieldErrors(t *testing.T) {
	b := batch.NewBuilder(lineTable(t))
	j := normalize.NewJSON(b)
	err := j.Line([]byte(`{"TimeGenerated":"2024-05-01T10:00:00Z","I":"x","S":"kept?"}`))
	var fe *normalize.FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "I", fe.Field)
	require.EqualError(t, err, `field "I": expected an integer, got "x"`)

	err = j.Line([]byte(`{"TimeGenerated":"2024-05-01T10:00:00Z","I":"x","S":}`))
	var se *normalize.SyntaxError
	require.True(t, errors.As(err, &se), "%v", err)
	require.Equal(t, 52, se.Offset)

	require.EqualError(t, j.Line([]byte(`{"S":"no time"}`)), `field "TimeGenerated": missing time column TimeGenerated`)
	require.Equal(t, 0, b.Len(), "no rejected line leaves a row")
}

// Values are stored as they were before the one-pass decoder: objects and arrays without whitespace between tokens,
// and fields with no column in _Extra, which is JSON even when a field name holds control characters or bytes that
// are not UTF-8.
func TestLineStoresValues(t *testing.T) {
	b := batch.NewBuilder(lineTable(t))
	j := normalize.NewJSON(b)
	require.NoError(t, j.Line([]byte("{\"TimeGenerated\":\"2024-05-01T10:00:00Z\",\"Dy\":{ \"a\" : [1, \"x y\"] },"+
		"\"S\":\"C:\\\\Temp\\u00e9\\ud83d\\ude00\",\"I\":\"42\",\"K\\u0001\\n\xff\":[ true ]}")))
	out := b.Finish("x", 0)
	require.Equal(t, `{"a":[1,"x y"]}`, out.Column("Dy").Strs[0])
	require.Equal(t, "C:\\Temp\u00e9\U0001F600", out.Column("S").Strs[0])
	require.Equal(t, int64(42), out.Column("I").Ints[0])
	extra := out.Column(schema.ColExtra).Strs[0]
	require.Equal(t, `{"K\u0001\n\ufffd":[true]}`, extra)
	require.True(t, json.Valid([]byte(extra)))
}
