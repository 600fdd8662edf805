package app_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The shipper tests run real shippers built from Go modules (test/shippers/<name>, each its own module, so the
// main module's dependencies do not grow). A build takes minutes on two busy cores, so the binary is cached,
// keyed by the hash of the program's go.mod, go.sum and Go files and the Go version, under
// $VIGIL_TEST_CACHE or the user cache directory (~/.cache/vigil-test).

// repoRoot returns the repository root (the directory of the main module's go.mod).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module github.com/vigilsec/vigil\n") {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "the repository root (go.mod of github.com/vigilsec/vigil) was not found")
		dir = parent
	}
}

// goTool returns the go command: the one on PATH, else the toolchain's usual place (.ci/run adds it).
func goTool(t testing.TB) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := "/usr/local/go/bin/go"
	require.True(t, fileExists(p), "the go command is needed to build the shipper")
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// buildShipper returns the binary of test/shippers/<name>, building it unless a cached build of the same sources
// exists. It skips only with -short.
func buildShipper(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs a real shipper (minutes on a cold cache)")
	}
	src := filepath.Join(repoRoot(t), "test", "shippers", name)
	files, err := filepath.Glob(filepath.Join(src, "*.go"))
	require.NoError(t, err)
	files = append(files, filepath.Join(src, "go.mod"), filepath.Join(src, "go.sum"))
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
		h.Write(b)
	}
	fmt.Fprintf(h, "%s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	cache := os.Getenv("VIGIL_TEST_CACHE")
	if cache == "" {
		dir, err := os.UserCacheDir()
		require.NoError(t, err)
		cache = filepath.Join(dir, "vigil-test")
	}
	require.NoError(t, os.MkdirAll(cache, 0o755))
	bin := filepath.Join(cache, name+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	if fileExists(bin) {
		return bin
	}
	// One build at a time across test processes; the others wait and then find the binary.
	lock, err := os.OpenFile(filepath.Join(cache, name+".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	require.NoError(t, err)
	defer lock.Close()
	require.NoError(t, syscall.Flock(int(lock.Fd()), syscall.LOCK_EX))
	defer func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) }()
	if fileExists(bin) {
		return bin
	}
	tmp := fmt.Sprintf("%s.tmp%d", bin, os.Getpid())
	cmd := exec.Command(goTool(t), "build", "-trimpath", "-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false", "CGO_ENABLED=0")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "building test/shippers/%s failed:\n%s", name, out)
	require.NoError(t, os.Rename(tmp, bin))
	st, _ := os.Stat(bin)
	t.Logf("built test/shippers/%s in %s (%d MB), cached as %s", name, time.Since(start).Round(time.Second), st.Size()>>20, bin)
	return bin
}
