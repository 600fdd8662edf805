package auth_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/auth"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the role table in docs/security.md")

const (
	securityDoc = "../../docs/security.md"
	rolesBegin  = "<!-- roles:begin (generated from auth.Roles; go test ./internal/auth -run TestRoleTableInDocs -update-docs) -->"
	rolesEnd    = "<!-- roles:end -->"
)

// TestRoleTableInDocs keeps the role table of docs/security.md equal to auth.Roles, the table the server enforces.
func TestRoleTableInDocs(t *testing.T) {
	var b strings.Builder
	b.WriteString("| permission |")
	for _, r := range auth.RoleNames() {
		b.WriteString(" " + r + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" :-: |", len(auth.RoleNames())) + "\n")
	for _, p := range auth.AllPermissions() {
		b.WriteString("| `" + string(p) + "` |")
		for _, r := range auth.RoleNames() {
			if auth.Allowed(r, p) {
				b.WriteString(" ✓ |")
			} else {
				b.WriteString("   |")
			}
		}
		b.WriteString("\n")
	}
	raw, err := os.ReadFile(securityDoc)
	require.NoError(t, err)
	doc := string(raw)
	i, j := strings.Index(doc, rolesBegin), strings.Index(doc, rolesEnd)
	require.True(t, i >= 0 && j > i, "docs/security.md lacks the role table markers")
	updated := doc[:i+len(rolesBegin)] + "\n" + b.String() + doc[j:]
	if *updateDocs {
		require.NoError(t, os.WriteFile(securityDoc, []byte(updated), 0o644))
		return
	}
	require.Equal(t, updated, doc, "docs/security.md's role table differs from auth.Roles: go test ./internal/auth -run TestRoleTableInDocs -update-docs")
}
