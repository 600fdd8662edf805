package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The pre-rendered stream is, byte for byte, what the generator used to format message by message.
func TestSyslogRenderMatchesFormat(t *testing.T) {
	ts := time.Date(2026, 3, 7, 9, 5, 3, 120_000_000, time.UTC)
	for _, c := range []int{0, 3, 12} {
		r := newSyslogRender(c, ts)
		var got []byte
		var want strings.Builder
		for i := 0; i < 3000; i++ {
			got = r.append(got, i)
			if i%2 == 0 {
				fmt.Fprintf(&want, "<34>%s web-%d sshd[%d]: Failed password for invalid user admin%d from 198.51.100.%d port %d ssh2\n",
					ts.Format(time.Stamp), c, 1000+i%500, i%97, i%250, 40000+i%20000)
			} else {
				fmt.Fprintf(&want, "<165>1 %s app-%d.example.com payments %d ID47 [meta@32473 req=\"%d\"] request %d served in %d ms\n",
					ts.Format(time.RFC3339Nano), c, 2000+i%300, i, i, i%250)
			}
		}
		require.Equal(t, want.String(), string(got))
	}

	name := filepath.Join(t.TempDir(), "c.log")
	size, err := renderSyslogFile(name, 1, 70_001, ts)
	require.NoError(t, err)
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), size)
	require.Equal(t, 70_001, strings.Count(string(data), "\n"))
	last := newSyslogRender(1, ts).append(nil, 70_000)
	require.True(t, strings.HasSuffix(string(data), string(last)), "the file ends with the last message")
}

func TestSyslogPollPause(t *testing.T) {
	require.Equal(t, 500*time.Millisecond, syslogPollPause(0, 1000, time.Second))
	require.Equal(t, 500*time.Millisecond, syslogPollPause(100, 1000, time.Second)) // 4.5 s to go
	require.Equal(t, 250*time.Millisecond, syslogPollPause(500, 1000, 500*time.Millisecond))
	require.Equal(t, 20*time.Millisecond, syslogPollPause(990, 1000, time.Second))
}

// The benchmark counts every message once, on the real server.
func TestSyslogBenchStoresEveryMessageOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	rep, err := Syslog(context.Background(), SyslogOptions{Messages: 30_001, Connections: 3, NoDetection: true, Dir: t.TempDir()})
	require.NoError(t, err)
	require.Equal(t, int64(30_001), rep.StoredRows)
	require.Equal(t, int64(30_001), rep.DistinctRows)
	require.Greater(t, rep.SentBytes, int64(30_001*80))
	require.Greater(t, rep.MessagesPerSecond, 0.0)
}
