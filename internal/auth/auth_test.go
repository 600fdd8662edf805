package auth_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/state/sqlite"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "state.db"))
	require.NoError(t, err)
	defer st.Close()
	now := time.Now()
	tk := &auth.Tokens{Store: st, Now: func() time.Time { return now }}

	_, _, err = tk.Create(ctx, "x", "root", 0)
	require.ErrorContains(t, err, `unknown role "root"`)

	rec, secret, err := tk.Create(ctx, "ci", "ingest", time.Hour)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(secret, "vgl_"))
	got, err := tk.Verify(ctx, secret)
	require.NoError(t, err)
	require.Equal(t, rec.ID, got.ID)
	require.Equal(t, "ingest", got.Role)
	toks, err := st.Tokens(ctx)
	require.NoError(t, err)
	require.NotNil(t, toks[0].LastUsed, "a verified use is recorded")

	other := "A"
	if strings.HasSuffix(secret, "A") {
		other = "B"
	}
	_, err = tk.Verify(ctx, secret[:len(secret)-1]+other)
	require.ErrorIs(t, err, auth.ErrInvalidToken)

	now = now.Add(2 * time.Hour)
	_, err = tk.Verify(ctx, secret)
	require.ErrorIs(t, err, auth.ErrInvalidToken, "expired")

	_, secret2, err := tk.Create(ctx, "", "reader", 0)
	require.NoError(t, err)
	r2, err := tk.Verify(ctx, secret2)
	require.NoError(t, err)
	require.NoError(t, st.RevokeToken(ctx, r2.ID))
	_, err = tk.Verify(ctx, secret2)
	require.ErrorIs(t, err, auth.ErrInvalidToken, "revoked")
}

func TestRoles(t *testing.T) {
	require.True(t, auth.Allowed("ingest", auth.PermIngest))
	require.False(t, auth.Allowed("ingest", auth.PermReadData))
	require.False(t, auth.Allowed("reader", auth.PermIngest))
	require.True(t, auth.Allowed("admin", auth.PermManageTokens))
	require.False(t, auth.Allowed("analyst", auth.PermManageTokens))
	require.False(t, auth.Allowed("nobody", auth.PermReadData))
}

func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer vgl_" + strings.Repeat("A", 43))
	f.Add("bearer  x")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		tok, err := auth.BearerToken(h)
		if err == nil {
			require.True(t, strings.HasPrefix(tok, "vgl_"))
			require.Len(t, tok, 47)
		}
	})
}
