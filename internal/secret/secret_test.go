package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/secret"
)

func TestSealOpen(t *testing.T) {
	dir := t.TempDir()
	b, created, err := secret.LoadOrCreate("", dir)
	require.NoError(t, err)
	require.True(t, created)
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())

	plain := []byte("client-secret-value-123")
	sealed := b.Seal(plain, "oidc")
	require.False(t, bytes.Contains(sealed, plain), "the stored bytes are not the plaintext")
	require.NotEqual(t, sealed, b.Seal(plain, "oidc"), "a fresh nonce each time")
	got, err := b.Open(sealed, "oidc")
	require.NoError(t, err)
	require.Equal(t, plain, got)

	_, err = b.Open(sealed, "totp:someone")
	require.ErrorIs(t, err, secret.ErrOpen, "bound to its context")
	sealed[len(sealed)-1] ^= 1
	_, err = b.Open(sealed, "oidc")
	require.ErrorIs(t, err, secret.ErrOpen, "tampering is detected")
	_, err = b.Open([]byte{1, 2}, "oidc")
	require.ErrorIs(t, err, secret.ErrOpen)

	// The same key file opens it again after a restart; another key does not.
	b2, created, err := secret.LoadOrCreate("", dir)
	require.NoError(t, err)
	require.False(t, created)
	s := b.SealString("hello", "x")
	v, err := b2.OpenString(s, "x")
	require.NoError(t, err)
	require.Equal(t, "hello", v)
	other, _, err := secret.LoadOrCreate("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "")
	require.NoError(t, err)
	_, err = other.OpenString(s, "x")
	require.ErrorIs(t, err, secret.ErrOpen)

	_, _, err = secret.LoadOrCreate("too-short", "")
	require.ErrorContains(t, err, "want 32 bytes")
}
