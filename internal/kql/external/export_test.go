package external

import (
	"net/http"
	"net/netip"
)

// AllowInternalForTest lets the policy reach a test HTTPS server on the loopback interface, with tr adjusting the
// transport (to trust its certificate). The returned function restores the defaults.
func AllowInternalForTest(tr func(*http.Transport)) func() {
	allowInternal, testTransport = true, tr
	return func() { allowInternal, testTransport = false, nil }
}

// Blocked exposes the internal-address check.
func Blocked(a string) bool { return blocked(netip.MustParseAddr(a)) }
