package file_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/normalize/tables"
	"github.com/vigilsec/vigil/internal/schema"
)

func TestDetect(t *testing.T) {
	for in, want := range map[string]string{
		`{"System":{"EventID":1}}`:                     file.FormatWinEvent,
		"\ufeff[\n {\"winlog\":{}}]":                   file.FormatWinEvent,
		`{"EventID":4624,"Channel":"Security"}`:        file.FormatWinEvent,
		`{"TimeGenerated":"2024-01-01T00:00:00Z"}`:     "",
		"<13>Jan 1 00:00:00 h a: b\n":                  file.FormatSyslog,
		"<13>Jan 1 00:00:00 h CEF:0|a|b|c|d|e|f|x=y\n": file.FormatCEF,
		"LEEF:1.0|a|b|c|d|x=y\n":                       file.FormatLEEF,
		"":                                             "",
	} {
		require.Equal(t, want, file.Detect([]byte(in)), in)
	}
}

var registerOnce sync.Once

func TestRegister(t *testing.T) {
	registerOnce.Do(func() { // the registry is global: once per process, also under -count
		file.Register("test-upper", func(in file.Input) (file.Counts, error) {
			b, err := in.Out.Builder("Syslog")
			if err != nil {
				return file.Counts{}, err
			}
			r := tables.Begin(b)
			r.Int("TimeGenerated", 1)
			r.String("SyslogMessage", "from a registered format")
			r.Commit()
			return file.Counts{Read: 1, Accepted: 1}, in.Flush()
		})
		file.RegisterMagic("test-upper", []byte("MAGIC\x00"))
	})
	require.Contains(t, file.Formats(), "test-upper")
	require.Equal(t, "test-upper", file.Detect([]byte("MAGIC\x00rest")))
	sum, err := importString(t, "MAGIC\x00whatever", "")
	require.NoError(t, err)
	require.Equal(t, file.Summary{Format: "test-upper", Read: 1, Accepted: 1, ByTable: map[string]int{"Syslog": 1}}, sum)
	require.Panics(t, func() { file.Register("test-upper", nil) })
}

func importString(t *testing.T, in, format string) (file.Summary, error) {
	t.Helper()
	return file.Import(context.Background(), strings.NewReader(in), format, schema.NewCatalog(), func(b *batch.Batch) error {
		require.NotEmpty(t, b.ID)
		return nil
	})
}

func TestImportMixedText(t *testing.T) {
	in := strings.Join([]string{
		"<38>Jan  9 23:59:01 web01 sshd[4242]: Accepted password for alice from 203.0.113.9 port 52222 ssh2",
		"",
		"<134>Sep 19 08:26:10 fw01 CEF:0|Security|threatmanager|1.0|100|worm stopped|10|src=10.0.0.1",
		"<134>Sep 19 08:26:10 fw01 CEF:0|broken",
		"<13>Jan 18 11:07:53 h LEEF:2.0|V|P|1|E|^|src=1.2.3.4^dst=5.6.7.8",
		"<999>bad pri",
		"plain text line",
	}, "\r\n")
	sum, err := importString(t, in, "")
	require.NoError(t, err)
	require.Equal(t, file.Summary{
		Format: file.FormatSyslog, Read: 6, Accepted: 4, Rejected: 2,
		Rejects: []file.Reject{
			{Line: 4, Error: "malformed CEF message: CEF header has 2 of 7 fields"},
			{Line: 6, Error: `malformed syslog message: invalid PRI "<999>": want <0> to <191>`},
		},
		ByTable: map[string]int{"Syslog": 2, "DeviceLogonEvents": 1, "CommonSecurityLog": 2},
	}, sum)
}

func TestImportNDJSONAndErrors(t *testing.T) {
	in := `{"TimeGenerated":"2024-01-01T00:00:00Z","Computer":"h","SyslogMessage":"x"}` + "\n" + `{"Computer":"no time"}` + "\n"
	sum, err := importString(t, in, "ndjson:Syslog")
	require.NoError(t, err)
	require.Equal(t, 1, sum.Accepted)
	require.Equal(t, 1, sum.Rejected)
	require.Equal(t, map[string]int{"Syslog": 1}, sum.ByTable)
	sum, err = importString(t, in, "Syslog")
	require.NoError(t, err)
	require.Equal(t, 1, sum.Accepted)

	_, err = importString(t, in, "")
	require.ErrorContains(t, err, "cannot detect the format")
	_, err = importString(t, in, "nope")
	require.ErrorContains(t, err, `unknown format "nope"`)

	boom := errors.New("boom")
	_, err = file.Import(context.Background(), strings.NewReader("<13>x\n"), "", schema.NewCatalog(), func(*batch.Batch) error { return boom })
	require.ErrorIs(t, err, boom)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = file.Import(ctx, strings.NewReader("<13>x\n"), "", schema.NewCatalog(), func(*batch.Batch) error { return nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestImportDetectedCEFReadsOtherLines(t *testing.T) {
	sum, err := importString(t, "CEF:0|a|b|c|d|e|5|src=1.1.1.1\n<13>Jan 1 00:00:00 h a: not cef\n", "")
	require.NoError(t, err)
	require.Equal(t, file.FormatCEF, sum.Format)
	require.Equal(t, 2, sum.Accepted)
	require.Equal(t, map[string]int{"CommonSecurityLog": 1, "Syslog": 1}, sum.ByTable)
}

func TestImportGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write([]byte("<13>Jan 1 00:00:00 h a: one\n<13>Jan 1 00:00:00 h a: two\n"))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	sum, err := importString(t, buf.String(), "")
	require.NoError(t, err)
	require.Equal(t, file.FormatSyslog, sum.Format)
	require.Equal(t, map[string]int{"Syslog": 2}, sum.ByTable)
}

func TestImportStrictCEF(t *testing.T) {
	sum, err := importString(t, "CEF:0|a|b|c|d|e|5|src=1.1.1.1\n<13>Jan 1 00:00:00 h a: not cef\n", file.FormatCEF)
	require.NoError(t, err)
	require.Equal(t, 1, sum.Accepted)
	require.Equal(t, []file.Reject{{Line: 2, Error: "malformed CEF message: no CEF: header"}}, sum.Rejects)
}

// With a shared set, an import leaves its rows in the set for the caller to flush with the next inputs' rows.
func TestImportIntoSharedSet(t *testing.T) {
	cat := schema.NewCatalog()
	set := tables.NewSet(cat)
	var emitted []*batch.Batch
	emit := func(b *batch.Batch) error { emitted = append(emitted, b); return nil }
	for _, line := range []string{
		"<38>Jan  9 23:59:01 web01 su: session opened for user root",
		"<38>Jan  9 23:59:02 web02 su: session opened for user root",
	} {
		sum, err := file.ImportWith(context.Background(), strings.NewReader(line+"\n"), file.Options{Set: set}, cat, emit)
		require.NoError(t, err)
		require.Equal(t, 1, sum.Accepted)
		require.Empty(t, sum.ByTable, "nothing flushed yet")
	}
	require.Empty(t, emitted)
	require.Equal(t, 2, set.Rows())
	counts := map[string]int{}
	require.NoError(t, set.Flush(emit, counts))
	require.Len(t, emitted, 1, "both files' rows in one batch")
	require.Equal(t, 2, emitted[0].Len)
	require.Equal(t, map[string]int{"Syslog": 2}, counts)
}
