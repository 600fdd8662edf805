// Package leef parses IBM Log Event Extended Format messages, LEEF 1.0 (tab-separated attributes) and LEEF 2.0
// (a declared delimiter), bare or after a syslog header, and normalises them into the CommonSecurityLog table with
// the key mapping of [Columns] (CEF keys that LEEF senders mix in map as in CEF); attributes with no column are
// kept in AdditionalExtensions.
package leef

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/ingest/parse/cef"
	"github.com/vigilsec/vigil/internal/ingest/parse/syslog"
)

// Event is one parsed LEEF message.
type Event struct {
	Version string
	Vendor  string
	Product string
	// ProductVersion is the product's version field.
	ProductVersion string
	EventID        string
	// Delimiter separates the attributes (tab unless LEEF 2.0 declares another).
	Delimiter string
	// Attributes are the key=value pairs in their order.
	Attributes []Pair
	// Header is the syslog header before "LEEF:", when there was one.
	Header syslog.Message
}

// Pair is one attribute.
type Pair = cef.Pair

// Get returns the value of the first attribute called key.
func (e *Event) Get(key string) string { return cef.Lookup(e.Attributes, key) }

// ErrMalformed classifies messages that cannot be read.
var ErrMalformed = errors.New("malformed LEEF message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Parser parses LEEF messages; its Syslog parser reads the header before "LEEF:". The zero Parser is ready.
type Parser struct {
	Syslog syslog.Parser
}

// Parse parses one message with the zero [Parser].
func Parse(line string) (*Event, error) {
	var p Parser
	return p.Parse(line)
}

// Parse parses one message: LEEF:Version|Vendor|Product|Version|EventID|[Delimiter|]attributes. The LEEF 2.0
// delimiter is one character or its hex code (0x5E, x5E); attributes are split on it and at the first '=' of each.
func (p *Parser) Parse(line string) (*Event, error) {
	hdr, rest, ok := cef.SplitHeader(line, "LEEF:", &p.Syslog)
	if !ok {
		return nil, malformed("no LEEF: header")
	}
	e := &Event{Delimiter: "\t", Header: hdr}
	var f [5]string
	for n := 0; n < 5; n++ {
		v, r, ok := strings.Cut(rest, "|")
		if !ok {
			return nil, malformed("LEEF header has %d of 5 fields", n+1)
		}
		f[n], rest = v, r
	}
	e.Version = strings.TrimSpace(f[0])
	if e.Version == "" || strings.Trim(e.Version, "0123456789.") != "" {
		return nil, malformed("LEEF version %q is not a number", clip(e.Version))
	}
	e.Vendor, e.Product, e.ProductVersion, e.EventID = f[1], f[2], f[3], f[4]
	if strings.HasPrefix(e.Version, "2") {
		if d, r, ok := strings.Cut(rest, "|"); ok && len(d) <= 4 && !strings.Contains(d, "=") {
			delim, err := delimiter(d)
			if err != nil {
				return nil, err
			}
			e.Delimiter, rest = delim, r
		}
	}
	e.Attributes = attributes(rest, e.Delimiter)
	return e, nil
}

// delimiter reads a LEEF 2.0 delimiter: empty (tab), one character, or hex as 0xHH or xHH.
func delimiter(d string) (string, error) {
	switch {
	case d == "":
		return "\t", nil
	case len(d) == 1:
		return d, nil
	default:
		h := strings.TrimPrefix(strings.TrimPrefix(strings.ToLower(d), "0"), "x")
		if len(h) == len(d)-1 || len(h) == len(d)-2 {
			if n, err := strconv.ParseUint(h, 16, 8); err == nil && n > 0 && n < 0x80 {
				return string(rune(n)), nil
			}
		}
	}
	return "", malformed("LEEF delimiter %q: want one character or its hex code", clip(d))
}

func attributes(s, delim string) []Pair {
	var out []Pair
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, delim)
		k, v, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			// Text without '=' continues the previous value (a delimiter inside it).
			if n := len(out); n > 0 && kv != "" {
				out[n-1].Value += delim + kv
			}
			continue
		}
		out = append(out, Pair{Key: k, Value: v})
	}
	return out
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
