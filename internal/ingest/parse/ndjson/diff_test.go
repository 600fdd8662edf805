package ndjson

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/schema"
)

// fastjsonLine is how lines were decoded before normalize.JSON.Line: parsed into fastjson's tree, then written by
// normalize.JSON.Object (which the other receivers still use).
func fastjsonLine() func(*normalize.JSON, []byte) error {
	var p fastjson.Parser
	return func(w *normalize.JSON, text []byte) error {
		v, err := p.ParseBytes(text)
		if err != nil {
			return fmt.Errorf("invalid JSON: %v", err)
		}
		o, err := v.Object()
		if err != nil {
			return fmt.Errorf("not a JSON object but %s", v.Type())
		}
		return w.Object(o)
	}
}

// diffTables are the tables the decoders are compared on: a Defender table, and a custom one with a column of
// every type.
func diffTables(t testing.TB) []*schema.Table {
	c := schema.NewCatalog()
	dpe, ok := c.Table("DeviceProcessEvents")
	if !ok {
		t.Fatal("no DeviceProcessEvents")
	}
	all, err := c.AddCustom("Every_CL", []schema.Column{
		{Name: "S", Type: schema.TypeString}, {Name: "I", Type: schema.TypeInt}, {Name: "L", Type: schema.TypeLong},
		{Name: "R", Type: schema.TypeReal}, {Name: "D", Type: schema.TypeDecimal}, {Name: "B", Type: schema.TypeBool},
		{Name: "Dt", Type: schema.TypeDatetime}, {Name: "T", Type: schema.TypeTimespan},
		{Name: "Dy", Type: schema.TypeDynamic}, {Name: "G", Type: schema.TypeGUID},
	})
	if err != nil {
		t.Fatal(err)
	}
	return []*schema.Table{dpe, all}
}

// decoded is what a read gave: its result and its rows.
type decoded struct {
	res     Result
	batches []*batch.Batch
}

// lineDecoder makes the line decoder of a read into b.
type lineDecoder func(b *batch.Builder) func(*normalize.JSON, []byte) error

var (
	onePass   lineDecoder = func(*batch.Builder) func(*normalize.JSON, []byte) error { return readLine }
	viaObject lineDecoder = func(*batch.Builder) func(*normalize.JSON, []byte) error { return fastjsonLine() }
	before    lineDecoder = frozenLine
)

func decodeWith(t testing.TB, tb *schema.Table, input string, mk lineDecoder) decoded {
	var d decoded
	var err error
	b := batch.NewBuilder(tb)
	line := mk(b)
	d.res, err = read(strings.NewReader(input), b, Options{BatchRows: 3, MaxLineBytes: max(4096, len(input))},
		func(b *batch.Builder) error {
			d.batches = append(d.batches, b.Finish("id", 0))
			return nil
		}, line)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sameDecoding fails t unless the one-pass decoder (JSON.Line) and JSON.Object after fastjson's parser both read
// input as the code before session 8 did (frozenLine): the same counts, the same lines rejected (for the same
// reason but for the wording of JSON syntax errors), and the same rows, value for value, byte for byte.
func sameDecoding(t *testing.T, tb *schema.Table, input string) {
	t.Helper()
	want := decodeWith(t, tb, input, before)
	sameAs(t, tb, input, want, decodeWith(t, tb, input, viaObject))
	sameAs(t, tb, input, want, decodeWith(t, tb, input, onePass))
}

func sameAs(t *testing.T, tb *schema.Table, input string, want, got decoded) {
	t.Helper()
	if got.res.Read != want.res.Read || got.res.Accepted != want.res.Accepted || got.res.Rejected != want.res.Rejected {
		t.Fatalf("%s: counts %+v, fastjson %+v\ninput %q", tb.Name, got.res, want.res, input)
	}
	for i, w := range want.res.Rejects {
		g := got.res.Rejects[i]
		if g.Line != w.Line || g.Raw != w.Raw {
			t.Fatalf("%s: reject %d: line %d, fastjson line %d\ninput %q", tb.Name, i, g.Line, w.Line, input)
		}
		if strings.HasPrefix(w.Error, "invalid JSON") {
			if !strings.HasPrefix(g.Error, "invalid JSON") {
				t.Fatalf("%s: line %d: %q, fastjson %q\ninput %q", tb.Name, w.Line, g.Error, w.Error, input)
			}
		} else if g.Error != w.Error {
			t.Fatalf("%s: line %d: %q, fastjson %q\ninput %q", tb.Name, w.Line, g.Error, w.Error, input)
		}
	}
	if len(got.batches) != len(want.batches) {
		t.Fatalf("%s: %d batches, fastjson %d\ninput %q", tb.Name, len(got.batches), len(want.batches), input)
	}
	for i, wb := range want.batches {
		if msg := diffBatch(got.batches[i], wb); msg != "" {
			t.Fatalf("%s: batch %d: %s\ninput %q", tb.Name, i, msg, input)
		}
	}
}

// diffBatch says how g differs from w, or returns "".
func diffBatch(g, w *batch.Batch) string {
	if g.Len != w.Len || len(g.Columns) != len(w.Columns) {
		return fmt.Sprintf("%d rows in %d columns, fastjson %d rows in %d columns", g.Len, len(g.Columns), w.Len, len(w.Columns))
	}
	for k, wc := range w.Columns {
		gc := g.Columns[k]
		if gc.Name != wc.Name {
			return fmt.Sprintf("column %d is %s, fastjson %s", k, gc.Name, wc.Name)
		}
		for r := 0; r < w.Len; r++ {
			if gc.IsNull(r) != wc.IsNull(r) {
				return fmt.Sprintf("row %d %s: null %v, fastjson %v", r, wc.Name, gc.IsNull(r), wc.IsNull(r))
			}
			if wc.IsNull(r) {
				continue
			}
			gv, wv := gc.Value(r), wc.Value(r)
			if wf, ok := wv.(float64); ok {
				if math.Float64bits(wf) != math.Float64bits(gv.(float64)) {
					return fmt.Sprintf("row %d %s: %v, fastjson %v", r, wc.Name, gv, wv)
				}
			} else if gv != wv {
				return fmt.Sprintf("row %d %s: %#v, fastjson %#v", r, wc.Name, gv, wv)
			}
		}
	}
	return ""
}

// diffSeeds are lines where a decoder could go wrong, each read on its own and all together.
var diffSeeds = []string{
	// Escapes, surrogates, invalid UTF-8, in values and in field names.
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"a\"b\\c\/d\b\f\n\r\t\u00e9\u0000\u20AC","Dy":"q\"\u0001"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"\ud83d\ude00 \ud83d \ud83dx \ude00\ud83d \ud83d\u0041 \ud83d\u00 \u12 \uZZZZ \x \u"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"\uD83D\uDE00","G":"\ud800\udfff","Odd\u0000":"\ud83d","\u0053":"named by an escape"}`,
	"{\"TimeGenerated\":\"2024-05-01T10:00:00Z\",\"S\":\"\xff\xfe\xc3\",\"K\xff\x01\":\"\xe2\x82\",\"Dy\":\"\xc3(\"}",
	"{\"TimeGenerated\":\"2024-05-01T10:00:00Z\",\"S\":\"raw\tcontrol\x01chars\",\"Extra\":\"tab\there\"}",
	`{"Timestamp":"2024-05-01T10:00:00Z","FolderPath":"C:\\Windows\\System32\\cmd.exe","ProcessCommandLine":"\\\\server\\share \"quoted\""}`,
	`{"Timestamp":"2024-05-01T10:00:00Z","DeviceName":"ends in backslash\\","AccountName":"\\\"","FileName":"\\\\\""}`,
	// Numbers.
	`{"TimeGenerated":"2024-05-01T10:00:00Z","L":123456789012345678901234567890,"I":2147483648}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","L":9223372036854775807,"I":-2147483648,"R":1e400,"D":-0}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","L":9223372036854775808}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","I":"1.0"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","I":1.0,"L":1e3,"R":"2.5","D":"-0","B":1,"T":1.5}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","R":NaN,"D":-inf,"L":"0x1F","S":1e5,"G":-0.0,"Dy":12.50}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","R":nan,"D":+Inf,"S":01,"Dy":1.2.3,"X":-,"Y":e,"Z":+}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","R":-Infinity}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","L":1.5}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","R":"abc"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","T":"1.02:03:04.5","B":"TRUE","S":true,"G":false}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","B":2}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","B":{"x" : [1, "a b"]}}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","B":"yes\n"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dt":5}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","T":[1]}`,
	// Nested values, JSON in strings, empty objects.
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":{"a" : {"b":[1, {"c":null} , "x y"]}},"S":[ 1 ,2 ],"U":{ "k" : "v" }}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":[[1, 2]],"S":{"a":{"b": 1}},"U":[{"k":[ ]}]}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":" {\"x\": 1} ","S":{}}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":"[1,2","G":[]}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":[ ],"Odd":{ }}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":"plain \\ text"}`,
	`{}`,
	`{ }`,
	// The time column twice, nulls.
	`{"TimeGenerated":"2024-05-01T10:00:00Z","TimeGenerated":"2024-05-02T10:00:00Z"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","TimeGenerated":null,"S":"a","S":"b","X":1,"X":2}`,
	`{"TimeGenerated":null,"TimeGenerated":"2024-05-01T10:00:00Z"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","TimeGenerated":"later"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":null,"I":null,"L":null,"R":null,"D":null,"B":null,"Dt":null,"T":null,"Dy":null,"G":null,"X":null}`,
	`{"TimeGenerated":null}`,
	`{"Timestamp":"2024-05-01T10:00:00Z","_Extra":"mine","_ItemId":"x","_TimeReceived":1}`,
	// Whitespace, BOM, CRLF.
	" \t{ \"TimeGenerated\" : \"2024-05-01T10:00:00Z\" , \"X\" : [ 1 , 2 ] , \"S\" :\"s\"\t} \t",
	"\r{\"TimeGenerated\":\"2024-05-01T10:00:00Z\"}\r\n{\"TimeGenerated\":\"2024-05-01T10:00:01Z\"}\r\n",
	"\xef\xbb\xbf{\"TimeGenerated\":\"2024-05-01T10:00:00Z\"}",
	// Lines that are not JSON objects, or not JSON.
	`[1,2]`, `"s"`, `1`, `null`, `nan`, `true`, `[1,`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a" 1}`, `{"a":1,}`, `{,"a":1}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z"}x`, `{"TimeGenerated":"2024-05-01T10:00:00Z"}{}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z",,"S":"x"}`, `{"TimeGenerated":"2024-05-01T10:00:00Z" "S":"x"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"unterminated}`, `{"TimeGenerated":"2024-05-01T10:00:00Z","S":tru}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":nul}`, `{"TimeGenerated":"2024-05-01T10:00:00Z","S":-nan,"R":-nAn}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":[1 2]}`, `{"TimeGenerated":"2024-05-01T10:00:00Z","S":{"a":1 "b":2}}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","I":"x","S":[1,}`, `{"TimeGenerated":"2024-05-01T10:00:00Z","S":"\"}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"a"b"}`, `{"TimeGenerated":"2024-05-01T10:00:00Z","S":truex}`,
	`{"TimeGenerated":"2024-05-01T10:00:00Z","S":"x"`, `{"TimeGenerated"`, `{"TimeGenerated":`,
	`{"I":"x","TimeGenerated":"2024-05-01T10:00:00Z"}`, `{"I":"x"}`,
	// Nesting at fastjson's limit of 300 and past it.
	deep(298), deep(299), deep(300),
}

// deep returns a line with an array nested n deep in the line's object.
func deep(n int) string {
	return `{"TimeGenerated":"2024-05-01T10:00:00Z","Dy":` + strings.Repeat("[", n) + "1" + strings.Repeat("]", n) + `}`
}

func TestDecodersAgreeOnSeeds(t *testing.T) {
	for _, tb := range diffTables(t) {
		for _, s := range diffSeeds {
			sameDecoding(t, tb, s)
		}
		sameDecoding(t, tb, strings.Join(diffSeeds, "\n"))
	}
}

// Long lines take other paths (strings too long for the arena's chunks are copied on their own): they agree too.
func TestDecodersAgreeOnLongLines(t *testing.T) {
	long := strings.Repeat(`C:\\Temp\\x \"q\" \u00e9 `, 2000) // 46,000 bytes of JSON text, escapes throughout
	plain := strings.Repeat("abcdefgh", 3000)
	for _, tb := range diffTables(t) {
		input := `{"TimeGenerated":"2024-05-01T10:00:00Z","Timestamp":"2024-05-01T10:00:00Z","S":"` + long +
			`","DeviceName":"` + plain + `","G":"` + plain + `","FolderPath":"` + long + `","Odd":"` + long + `","Dy":"` + long + `"}` + "\n" +
			`{"TimeGenerated":"2024-05-01T10:00:00Z","Timestamp":"2024-05-01T10:00:00Z","S":"` + plain + `unterminated}`
		sameDecoding(t, tb, input)
		if res := decodeWith(t, tb, input, onePass).res; res.Accepted != 1 || res.Rejected != 1 {
			t.Fatalf("%s: %+v, want the first line accepted and the second rejected", tb.Name, res)
		}
	}
}

// FuzzReadMatchesFastjson holds the one-pass decoder to the fastjson one on arbitrary input.
func FuzzReadMatchesFastjson(f *testing.F) {
	for _, s := range diffSeeds {
		f.Add(s)
	}
	tables := diffTables(f)
	f.Fuzz(func(t *testing.T, input string) {
		for _, tb := range tables {
			sameDecoding(t, tb, input)
		}
	})
}
