// Package external is the policy under which KQL's externaldata operator may read a public list over HTTPS, and the
// fetcher that enforces it.
//
// With no allowed prefix, externaldata is refused at compile time with an error that names the setting. The
// server's default configuration allows DefaultPrefixes; an operator sets kql.externaldata.allowed_prefixes, and
// only https URLs under one of them are read.
// Every connection is checked after DNS resolution, on the address actually dialled, and refused when it is a
// loopback, private, link-local, shared (CGNAT), multicast or unspecified address, so an allowed name that resolves
// to an internal address cannot reach it (SSRF). Redirects are followed only to allowed URLs. A response larger
// than the size limit or slower than the time limit fails the query. Responses are cached for a configurable time.
package external

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Policy configures externaldata.
type Policy struct {
	// AllowedPrefixes are the URL prefixes externaldata may read, each starting with https:// and naming a host
	// (e.g. https://raw.githubusercontent.com/Azure/Azure-Sentinel/). Empty: externaldata is refused.
	AllowedPrefixes []string `yaml:"allowed_prefixes"`
	// MaxBytes caps one response (default 16 MiB).
	MaxBytes int64 `yaml:"max_bytes"`
	// Timeout caps one fetch (default 30s).
	Timeout time.Duration `yaml:"timeout"`
	// CacheTTL is how long a fetched document is reused (default 1h; negative: no cache).
	CacheTTL time.Duration `yaml:"cache_ttl"`
}

// DefaultPrefixes are the sources the server's default configuration allows: Microsoft's public security content
// (the Azure-Sentinel and mstic repositories, Microsoft's download centre), which Sentinel analytics rules read
// their IoC and allow lists from. URLs in queries are constant strings, so a query cannot send data in them; an
// operator who wants no fetch at all sets kql.externaldata.allowed_prefixes to [].
var DefaultPrefixes = []string{
	"https://raw.githubusercontent.com/Azure/Azure-Sentinel/",
	"https://raw.githubusercontent.com/microsoft/mstic/",
	"https://download.microsoft.com/download/",
}

// Setting is the configuration key that holds the allowed prefixes, named in refusals.
const Setting = "kql.externaldata.allowed_prefixes"

// ErrNotAllowed is matched by refusals of a URL by the policy.
var ErrNotAllowed = errors.New("externaldata URL not allowed")

// Validate checks the policy: every prefix is an https URL with a host and a path ending in "/" or longer.
func (p Policy) Validate() error {
	for _, pre := range p.AllowedPrefixes {
		if !strings.HasPrefix(pre, "https://") {
			return fmt.Errorf("%s: %q: only https:// prefixes are allowed", Setting, pre)
		}
		rest := strings.TrimPrefix(pre, "https://")
		host, _, _ := strings.Cut(rest, "/")
		if host == "" || !strings.Contains(rest, "/") {
			// "https://example.com" would also allow "https://example.com.attacker.net/".
			return fmt.Errorf("%s: %q: a prefix names a host and ends its host part with /", Setting, pre)
		}
	}
	if p.MaxBytes < 0 {
		return fmt.Errorf("kql.externaldata.max_bytes: must not be negative")
	}
	return nil
}

func (p Policy) withDefaults() Policy {
	if p.MaxBytes == 0 {
		p.MaxBytes = 16 << 20
	}
	if p.Timeout <= 0 {
		p.Timeout = 30 * time.Second
	}
	if p.CacheTTL == 0 {
		p.CacheTTL = time.Hour
	}
	return p
}

var (
	mu     sync.RWMutex
	policy Policy
	cache  = map[string]cached{}
)

type cached struct {
	data []byte
	at   time.Time
}

// Configure sets the process-wide policy (at startup, from the configuration) and empties the cache.
func Configure(p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	policy = p.withDefaults()
	cache = map[string]cached{}
	return nil
}

// Current returns the policy in force.
func Current() Policy {
	mu.RLock()
	defer mu.RUnlock()
	return policy
}

// Allowed reports whether the policy lets externaldata read url; the error names the setting.
func Allowed(url string) error {
	p := Current()
	if !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("%w: %q is not an https URL (externaldata reads only https URLs under %s)", ErrNotAllowed, url, Setting)
	}
	for _, pre := range p.AllowedPrefixes {
		if strings.HasPrefix(url, pre) {
			return nil
		}
	}
	if len(p.AllowedPrefixes) == 0 {
		return fmt.Errorf("%w: externaldata is off; to read %q, add a prefix of it to %s", ErrNotAllowed, url, Setting)
	}
	return fmt.Errorf("%w: %q is under no prefix of %s", ErrNotAllowed, url, Setting)
}

// allowInternal lets tests reach an HTTPS server on the loopback interface; it is never set in production.
var allowInternal bool

// testTransport, when set by tests, supplies the TLS configuration trusting the test server.
var testTransport func(*http.Transport)

// blocked reports whether a dialled address is internal.
func blocked(a netip.Addr) bool {
	a = a.Unmap()
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsMulticast() ||
		a.IsUnspecified() || a.IsInterfaceLocalMulticast() {
		return true
	}
	for _, p := range []netip.Prefix{netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("192.0.0.0/24"), netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"),
		netip.MustParsePrefix("64:ff9b::/96")} {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func client(p Policy) *http.Client {
	d := &net.Dialer{Timeout: p.Timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("externaldata: unexpected address %q", address)
		}
		if blocked(ap.Addr()) && !allowInternal {
			return fmt.Errorf("%w: the host resolves to the internal address %s", ErrNotAllowed, ap.Addr())
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, Proxy: nil, TLSHandshakeTimeout: p.Timeout,
		ResponseHeaderTimeout: p.Timeout, MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	if testTransport != nil {
		testTransport(tr)
	}
	return &http.Client{Transport: tr, Timeout: p.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("externaldata: too many redirects")
		}
		return Allowed(req.URL.String())
	}}
}

// Fetch reads url under the policy (cached).
func Fetch(ctx context.Context, url string) ([]byte, error) {
	if err := Allowed(url); err != nil {
		return nil, err
	}
	p := Current()
	mu.RLock()
	c, ok := cache[url]
	mu.RUnlock()
	if ok && p.CacheTTL > 0 && time.Since(c.at) < p.CacheTTL {
		return c.data, nil
	}
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("externaldata %s: %w", url, err)
	}
	resp, err := client(p).Do(req)
	if err != nil {
		return nil, fmt.Errorf("externaldata %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("externaldata %s: HTTP %d", url, resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, p.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("externaldata %s: %w", url, err)
	}
	if int64(len(data)) > p.MaxBytes {
		return nil, fmt.Errorf("externaldata %s: larger than kql.externaldata.max_bytes (%d bytes)", url, p.MaxBytes)
	}
	if p.CacheTTL > 0 {
		mu.Lock()
		if len(cache) > 256 {
			cache = map[string]cached{}
		}
		cache[url] = cached{data: data, at: time.Now()}
		mu.Unlock()
	}
	return data, nil
}
