package clientip_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vigilsec/vigil/internal/x/clientip"
)

func TestIP(t *testing.T) {
	req := func(remote, xff string) *http.Request {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	none := &clientip.Resolver{}
	require.Equal(t, "203.0.113.9", none.IP(req("203.0.113.9:5555", "1.2.3.4")), "no trusted proxy: the header is ignored")
	r, err := clientip.New([]string{"10.0.0.0/8", "192.0.2.1"})
	require.NoError(t, err)
	require.Equal(t, "1.2.3.4", r.IP(req("10.1.1.1:80", "6.6.6.6, 1.2.3.4")), "right-most untrusted hop")
	require.Equal(t, "1.2.3.4", r.IP(req("192.0.2.1:80", "1.2.3.4, 10.2.2.2")))
	require.Equal(t, "203.0.113.9", r.IP(req("203.0.113.9:80", "1.2.3.4")), "untrusted peer")
	require.Equal(t, "10.1.1.1", r.IP(req("10.1.1.1:80", "garbage")))
	_, err = clientip.New([]string{"nope"})
	require.Error(t, err)
}
