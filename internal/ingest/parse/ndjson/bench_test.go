package ndjson_test

import (
	"bytes"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/parse/ndjson"
)

// benchEvents renders n DeviceProcessEvents events of about 500 bytes, like those vigil bench ingest sends.
func benchEvents(n int) []byte {
	procs := [...]string{"powershell.exe", "cmd.exe", "svchost.exe", "chrome.exe", "outlook.exe", "rundll32.exe", "python.exe"}
	ts := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var dst []byte
	for i := 0; i < n; i++ {
		p := procs[i%len(procs)]
		dev := i * 7 % 500
		dst = append(dst, `{"Timestamp":"`...)
		dst = ts.Add(time.Duration(i)*time.Millisecond).AppendFormat(dst, "2006-01-02T15:04:05.000000Z")
		dst = append(dst, `","DeviceId":"`...)
		dst = strconv.AppendInt(dst, int64(1_000_000_000+dev*7919), 16)
		dst = append(dst, `","DeviceName":"ws-`...)
		dst = strconv.AppendInt(dst, int64(dev), 10)
		dst = append(dst, `.corp.example.com","ActionType":"ProcessCreated","FileName":"`...)
		dst = append(dst, p...)
		dst = append(dst, `","FolderPath":"C:\\Windows\\System32\\`...)
		dst = append(dst, p...)
		dst = append(dst, `","ProcessId":`...)
		dst = strconv.AppendInt(dst, int64(i%60000), 10)
		dst = append(dst, `,"ProcessCommandLine":"`...)
		dst = append(dst, p...)
		dst = append(dst, ` -NoProfile -ExecutionPolicy Bypass -File C:\\Users\\user`...)
		dst = strconv.AppendInt(dst, int64(i%100), 10)
		dst = append(dst, `\\AppData\\Local\\Temp\\script`...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		dst = append(dst, `.ps1","SHA256":"`...)
		for k := 0; k < 4; k++ {
			dst = strconv.AppendUint(dst, uint64(i*31+k)*0x9e3779b97f4a7c15|1<<63, 16)
		}
		dst = append(dst, `","AccountDomain":"corp","AccountName":"user`...)
		dst = strconv.AppendInt(dst, int64(i%100), 10)
		dst = append(dst, `","InitiatingProcessFileName":"explorer.exe","InitiatingProcessId":`...)
		dst = strconv.AppendInt(dst, int64(i%60000), 10)
		dst = append(dst, `,"InitiatingProcessCommandLine":"C:\\Windows\\explorer.exe","ReportId":`...)
		dst = strconv.AppendInt(dst, int64(i), 10)
		dst = append(dst, "}\n"...)
	}
	return dst
}

// BenchmarkRead reads NDJSON bodies of 4096 events into DeviceProcessEvents batches and encodes them as the stream
// does; an op is one event. Like the receiver, it passes each read the line count of the last as RowsHint. It
// reports the process's CPU per event.
func BenchmarkRead(b *testing.B) {
	tb, _ := catalog.Table("DeviceProcessEvents")
	body := benchEvents(4096)
	b.SetBytes(int64(len(body) / 4096))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	hint := 0
	for done := 0; done < b.N; done += 4096 {
		res, err := ndjson.Read(bytes.NewReader(body), batch.NewBuilder(tb), ndjson.Options{RowsHint: hint}, func(bl *batch.Builder) error {
			batch.Encode(nil, bl.Finish("id", 0))
			return nil
		})
		if err != nil || res.Rejected > 0 {
			b.Fatal(err, res.Rejects)
		}
		hint = res.Read
	}
	if d := processCPU() - cpu; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/event")
	}
}

// processCPU returns the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A hint changes only the room the columns get, never what is read, on either side of the row count where it acts.
func TestRowsHintKeepsContent(t *testing.T) {
	tb, _ := catalog.Table("DeviceProcessEvents")
	for _, n := range []int{1, 127, 128, 129, 300, 5000} {
		body := benchEvents(n)
		read := func(hint int) []*batch.Batch {
			var out []*batch.Batch
			res, err := ndjson.Read(bytes.NewReader(body), batch.NewBuilder(tb), ndjson.Options{RowsHint: hint}, func(bl *batch.Builder) error {
				out = append(out, bl.Finish("id", 0))
				return nil
			})
			if err != nil || res.Accepted != n {
				t.Fatalf("n=%d hint=%d: %v, %+v", n, hint, err, res)
			}
			return out
		}
		require.Equal(t, read(0), read(4096), "n=%d", n)
		require.Equal(t, read(0), read(200), "n=%d", n)
	}
}

// BenchmarkDecode reads the same bodies as BenchmarkRead but only takes the rows (no encoding), so it measures the
// line reader and the decoding of each line into the builder; an op is one event.
func BenchmarkDecode(b *testing.B) {
	tb, _ := catalog.Table("DeviceProcessEvents")
	body := benchEvents(4096)
	b.SetBytes(int64(len(body) / 4096))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	hint := 0
	for done := 0; done < b.N; done += 4096 {
		res, err := ndjson.Read(bytes.NewReader(body), batch.NewBuilder(tb), ndjson.Options{RowsHint: hint}, func(bl *batch.Builder) error {
			bl.Finish("id", 0)
			return nil
		})
		if err != nil || res.Rejected > 0 {
			b.Fatal(err, res.Rejects)
		}
		hint = res.Read
	}
	if d := processCPU() - cpu; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/event")
	}
}
