package normalize_test

import (
	"bytes"
	"testing"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/normalize"
	"github.com/vigilsec/vigil/internal/schema"
)

// benchLines are DeviceProcessEvents events of about 630 bytes, shaped like those vigil bench ingest sends.
var benchLines = bytes.Split(bytes.TrimSpace([]byte(`{"Timestamp":"2026-05-01T10:00:00.000000Z","DeviceId":"3b9b1e05","DeviceName":"ws-123.corp.example.com","ActionType":"ProcessCreated","FileName":"powershell.exe","FolderPath":"C:\\Windows\\System32\\powershell.exe","ProcessId":4242,"ProcessCommandLine":"powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\user17\\AppData\\Local\\Temp\\script123456.ps1","SHA256":"9e3779b97f4a7c15f39cc0605cedc8341082276bf3a27251f86c6a11d0c18e95","AccountDomain":"corp","AccountName":"user17","InitiatingProcessFileName":"explorer.exe","InitiatingProcessId":1234,"InitiatingProcessCommandLine":"C:\\Windows\\explorer.exe","ReportId":123456}
{"Timestamp":"2026-05-01T10:00:00.001000Z","DeviceId":"3b9c4a17","DeviceName":"ws-7.corp.example.com","ActionType":"ProcessCreated","FileName":"rundll32.exe","FolderPath":"C:\\Windows\\System32\\rundll32.exe","ProcessId":871,"ProcessCommandLine":"rundll32.exe -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\user3\\AppData\\Local\\Temp\\script123457.ps1","SHA256":"f39cc0605cedc8341082276bf3a27251f86c6a11d0c18e959e3779b97f4a7c15","AccountDomain":"corp","AccountName":"user3","InitiatingProcessFileName":"explorer.exe","InitiatingProcessId":99,"InitiatingProcessCommandLine":"C:\\Windows\\explorer.exe","ReportId":123457}`)), []byte("\n"))

// benchDecode decodes benchLines into rows, one op a line, the builder emptied every 4096 rows as a reader would.
func benchDecode(b *testing.B, decode func(*normalize.JSON, []byte) error) {
	tb, _ := schema.NewCatalog().Table("DeviceProcessEvents")
	bl := batch.NewBuilder(tb)
	j := normalize.NewJSON(bl)
	b.SetBytes(int64(len(benchLines[0])))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := decode(j, benchLines[i%len(benchLines)]); err != nil {
			b.Fatal(err)
		}
		if bl.Len() == 4096 {
			bl.Finish("x", 0)
		}
	}
}

// BenchmarkLine is the one-pass decoder, JSON.Line.
func BenchmarkLine(b *testing.B) {
	benchDecode(b, (*normalize.JSON).Line)
}

// BenchmarkFastjsonObject is the way lines were decoded before JSON.Line: fastjson's tree, then JSON.Object.
func BenchmarkFastjsonObject(b *testing.B) {
	var p fastjson.Parser
	benchDecode(b, func(j *normalize.JSON, line []byte) error {
		v, err := p.ParseBytes(line)
		if err != nil {
			return err
		}
		return j.Object(v.GetObject())
	})
}
