package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/stretchr/testify/require"
)

// TestHelperServe is not a test: the crash test runs the test binary with it to get a real server process that it
// can SIGKILL.
func TestHelperServe(t *testing.T) {
	args := os.Getenv("VIGIL_HELPER_ARGS")
	if args == "" {
		t.Skip("helper process for TestCrashLosesNothing")
	}
	os.Exit(run(strings.Split(args, "\x1f"), os.Stdout, os.Stderr))
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func startServer(t *testing.T, dir, addr string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperServe$")
	cmd.Env = append(os.Environ(), "VIGIL_HELPER_ARGS="+strings.Join([]string{"serve", "--data", dir, "--listen", addr, "--log-level", "warn"}, "\x1f"))
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	require.NoError(t, cmd.Start())
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatal("server did not become ready")
	return nil
}

// TestCrashLosesNothing SIGKILLs the server repeatedly while clients ingest. Every event the server acknowledged
// must be in the store exactly once after a restart, and no event may be stored twice. It runs with the store as
// shipped (no write-ahead log: the writer acknowledges the stream after the checkpoint that follows a commit),
// every other round with checkpoints at least every 250ms so that kills meet acknowledged and unacknowledged
// commits and running checkpoints, and with the write-ahead log (store.wal).
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes; skipped in -short")
	}
	for _, c := range []struct {
		name string
		env  func(round int) []string
	}{
		{"no-wal", func(round int) []string {
			if round%2 == 1 {
				return []string{"VIGIL_STORE_CHECKPOINT_INTERVAL=250ms"}
			}
			return nil
		}},
		{"wal", func(int) []string { return []string{"VIGIL_STORE_WAL=true"} }},
	} {
		t.Run(c.name, func(t *testing.T) { crashLosesNothing(t, c.env) })
	}
}

func crashLosesNothing(t *testing.T, env func(round int) []string) {
	dir := t.TempDir()
	var tok bytes.Buffer
	require.NoError(t, runToken(context.Background(), []string{"create", "--data", dir, "--role", "ingest"}, &tok))
	token := strings.TrimSpace(tok.String())
	addr := freeAddr(t)

	var (
		mu    sync.Mutex
		acked []int64
		next  int64
	)
	const perRequest = 500
	rng := rand.New(rand.NewPCG(7, 7))
	rounds := 5
	for round := 0; round < rounds; round++ {
		srv := startServer(t, dir, addr, env(round)...)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := 0; c < 3; c++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				client := &http.Client{Timeout: 10 * time.Second}
				for {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					first := next
					next += perRequest
					mu.Unlock()
					var body bytes.Buffer
					for i := first; i < first+perRequest; i++ {
						fmt.Fprintf(&body, `{"TimeGenerated":"2024-05-01T10:00:00Z","Computer":"crash","SyslogMessage":"event %d","ProcessID":%d}`+"\n", i, i)
					}
					req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/ingest/Syslog", &body)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err := client.Do(req)
					if err != nil {
						continue // the server died mid-request: not acknowledged
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode == 200 {
						mu.Lock()
						for i := first; i < first+perRequest; i++ {
							acked = append(acked, i)
						}
						mu.Unlock()
					} else if resp.StatusCode == 429 {
						time.Sleep(20 * time.Millisecond)
					}
				}
			}()
		}
		time.Sleep(time.Duration(300+rng.IntN(700)) * time.Millisecond)
		require.NoError(t, srv.Process.Signal(syscall.SIGKILL))
		_ = srv.Wait()
		close(stop)
		wg.Wait()
	}
	// A last start lets the writer catch up from the stream; a graceful stop drains it.
	srv := startServer(t, dir, addr, env(rounds)...)
	require.NoError(t, srv.Process.Signal(syscall.SIGTERM))
	require.NoError(t, srv.Wait())

	db, err := sql.Open("duckdb", filepath.Join(dir, "events.duckdb")+"?access_mode=read_only")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query(`SELECT ProcessID, count(*) FROM Syslog GROUP BY ProcessID`)
	require.NoError(t, err)
	defer rows.Close()
	stored := map[int64]int64{}
	for rows.Next() {
		var id, n int64
		require.NoError(t, rows.Scan(&id, &n))
		stored[id] = n
	}
	require.NoError(t, rows.Err())
	var dups []int64
	for id, n := range stored {
		if n != 1 {
			dups = append(dups, id)
		}
	}
	require.Empty(t, dups, "events stored more than once")
	missing := 0
	for _, id := range acked {
		if stored[id] != 1 {
			missing++
		}
	}
	require.NotEmpty(t, acked, "the clients got acknowledgements")
	require.Zero(t, missing, "acknowledged events missing after %d crashes", rounds)
	t.Logf("%d crashes: %d events acknowledged, %d stored (the rest were in flight at a kill), none lost, none twice", rounds, len(acked), len(stored))
}
