package sso

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoleMapping(t *testing.T) {
	p := New(Config{Issuer: "https://idp", ClientID: "c", RoleMapping: []RoleRule{
		{Value: "SOC-Admins", Role: "admin"},
		{Claim: "department", Value: "security", Role: "reader"},
	}}, nil)
	id, err := p.identity("https://idp", "s1", map[string]any{"groups": []any{"staff", "soc-admins"}, "preferred_username": "ann", "email": "a@x"})
	require.NoError(t, err)
	require.Equal(t, "admin", id.Role, "group names compare without case")
	require.Equal(t, "ann", id.Username)
	require.Equal(t, "https://idp|s1", id.ExternalID())

	id, err = p.identity("https://idp", "s2", map[string]any{"groups": "staff", "department": "security", "email": "b@x"})
	require.NoError(t, err)
	require.Equal(t, "reader", id.Role, "a claim other than groups")
	require.Equal(t, "b@x", id.Username, "email when there is no preferred_username")

	_, err = p.identity("https://idp", "s3", map[string]any{"groups": []any{"staff"}})
	require.ErrorIs(t, err, ErrNoRole)

	p = New(Config{Issuer: "https://idp", ClientID: "c", DefaultRole: "reader", UsernameClaim: "upn"}, nil)
	id, err = p.identity("https://idp", "s4", map[string]any{"upn": "dan@corp", "preferred_username": "dan"})
	require.NoError(t, err)
	require.Equal(t, "reader", id.Role)
	require.Equal(t, "dan@corp", id.Username)
	id, err = p.identity("https://idp", "s5", map[string]any{})
	require.NoError(t, err)
	require.Equal(t, "s5", id.Username, "the subject at last")
}
