package file_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/batch"
	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/schema"
)

// FuzzImportText puts a fuzzed line between good syslog, CEF and LEEF lines: the import never fails, every line
// is counted once, and the good lines are always accepted.
func FuzzImportText(f *testing.F) {
	for _, s := range []string{
		"<13>Jan 1 00:00:00 h a: b", "CEF:0|a|b|c|d|e|f|g=h", "LEEF:2.0|a|b|c|d|^|e=f^g", "<999>x", "CEF:0|", "LEEF:1.0",
		"<38>Jan  9 23:59:01 web01 sshd[1]: Accepted password for a from b port c ssh2",
	} {
		f.Add(s)
	}
	cat := schema.NewCatalog()
	good := []string{
		"<38>Jan  9 23:59:01 web01 sshd[4242]: Failed password for root from 203.0.113.9 port 52222 ssh2",
		"CEF:0|Security|threatmanager|1.0|100|worm stopped|10|src=10.0.0.1",
		"LEEF:1.0|V|P|1|E|src=1.2.3.4\tdst=5.6.7.8",
	}
	f.Fuzz(func(t *testing.T, line string) {
		line = strings.NewReplacer("\n", " ", "\r", " ").Replace(line)
		in := strings.Join([]string{good[0], good[1], line, good[2]}, "\n")
		rows := 0
		sum, err := file.Import(context.Background(), strings.NewReader(in), file.FormatSyslog, cat, func(b *batch.Batch) error {
			rows += b.Len
			return nil
		})
		require.NoError(t, err)
		require.GreaterOrEqual(t, sum.Accepted, 3)
		require.Equal(t, sum.Read, sum.Accepted+sum.Rejected)
		require.Equal(t, sum.ByTable["Syslog"]+sum.ByTable["CommonSecurityLog"], sum.Accepted)
		require.Equal(t, rows, sum.Accepted+sum.ByTable["DeviceLogonEvents"])
	})
}
