package selfsigned_test

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/selfsigned"
)

func TestEnsure(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	cert, key, created, err := selfsigned.Ensure(dir, []string{"vigil.example", "192.0.2.7"}, now)
	require.NoError(t, err)
	require.True(t, created)
	st, err := os.Stat(key)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the private key is readable by the owner only")
	pair, err := tls.LoadX509KeyPair(cert, key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(pair.Certificate[0])
	require.NoError(t, err)
	require.NoError(t, c.VerifyHostname("vigil.example"))
	require.NoError(t, c.VerifyHostname("127.0.0.1"))
	require.NoError(t, c.VerifyHostname("192.0.2.7"))

	_, _, created, err = selfsigned.Ensure(dir, nil, now.Add(time.Hour))
	require.NoError(t, err)
	require.False(t, created, "kept across restarts")
	_, _, created, err = selfsigned.Ensure(dir, nil, now.Add(selfsigned.Validity-selfsigned.Renew+time.Hour))
	require.NoError(t, err)
	require.True(t, created, "renewed near its end")
}
