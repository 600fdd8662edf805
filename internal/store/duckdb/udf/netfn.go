package udf

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// IP functions over IPv6 (IPv4 addresses are compared as IPv4-mapped IPv6 addresses): ipv6_is_match,
// ipv6_is_in_range, ipv6_is_in_any_range, parse_ipv6, parse_ipv6_mask; and ipv4_netmask_suffix and
// ipv4_range_to_cidr_list.
func init() {
	match := func(a []driver.Value) (any, error) {
		x, px, ok1 := parseIP6(a[0].(string))
		y, py, ok2 := parseIP6(a[1].(string))
		if !ok1 || !ok2 {
			return nil, nil
		}
		p := min(px, py)
		if len(a) > 2 {
			q := a[2].(int64)
			if q < 0 || q > 128 {
				return nil, nil
			}
			p = min(p, int(q))
		}
		return mask6(x, p) == mask6(y, p), nil
	}
	Register(Func{Name: "kql_ipv6_is_match", Args: []Type{String, String}, Result: Bool, Fn: match})
	Register(Func{Name: "kql_ipv6_is_match", Args: []Type{String, String, Long}, Result: Bool, Fn: match})
	Register(Func{Name: "kql_ipv6_is_in_range", Args: []Type{String, String}, Result: Bool, Fn: func(a []driver.Value) (any, error) {
		return ip6InRange(a[0].(string), a[1].(string)), nil
	}})
	Register(Func{Name: "kql_ipv6_is_in_any_range", Args: []Type{String, JSON}, Result: Bool, Fn: func(a []driver.Value) (any, error) {
		var ranges []any
		if json.Unmarshal([]byte(a[1].(string)), &ranges) != nil {
			return nil, nil
		}
		for _, r := range ranges {
			if s, ok := r.(string); ok {
				if in := ip6InRange(a[0].(string), s); in != nil && in.(bool) {
					return true, nil
				}
			}
		}
		return false, nil
	}})
	parse := func(a []driver.Value) (any, error) {
		x, p, ok := parseIP6(a[0].(string))
		if !ok {
			return nil, nil
		}
		if len(a) > 1 {
			q := a[1].(int64)
			if q < 0 || q > 128 {
				return nil, nil
			}
			p = min(p, int(q))
		}
		return fullIP6(mask6(x, p)), nil
	}
	Register(Func{Name: "kql_parse_ipv6", Args: []Type{String}, Result: String, Fn: parse})
	Register(Func{Name: "kql_parse_ipv6_mask", Args: []Type{String, Long}, Result: String, Fn: parse})
	Register(Func{Name: "kql_ipv4_netmask_suffix", Args: []Type{String}, Result: Long, Fn: func(a []driver.Value) (any, error) {
		s := strings.TrimSpace(a[0].(string))
		addr, pre, has := strings.Cut(s, "/")
		if ip, err := netip.ParseAddr(addr); err != nil || !ip.Is4() {
			return nil, nil
		}
		if !has {
			return int64(32), nil
		}
		n, err := strconv.Atoi(pre)
		if err != nil || n < 0 || n > 32 {
			return nil, nil
		}
		return int64(n), nil
	}})
	Register(Func{Name: "kql_ipv4_range_to_cidr_list", Args: []Type{String, String}, Result: JSON, Fn: func(a []driver.Value) (any, error) {
		lo, err1 := netip.ParseAddr(strings.TrimSpace(a[0].(string)))
		hi, err2 := netip.ParseAddr(strings.TrimSpace(a[1].(string)))
		if err1 != nil || err2 != nil || !lo.Is4() || !hi.Is4() {
			return nil, nil
		}
		return marshal(cidrList(v4num(lo), v4num(hi))), nil
	}})
}

func v4num(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])
}

// cidrList covers [lo, hi] with the fewest CIDR blocks, in address order.
func cidrList(lo, hi uint64) []string {
	out := []string{}
	for lo <= hi {
		size := 32
		for size > 0 {
			block := uint64(1) << (32 - (size - 1))
			if lo%block != 0 || lo+block-1 > hi {
				break
			}
			size--
		}
		out = append(out, fmt.Sprintf("%d.%d.%d.%d/%d", lo>>24, lo>>16&255, lo>>8&255, lo&255, size))
		lo += uint64(1) << (32 - size)
		if lo == 0 {
			break
		}
	}
	return out
}

func ip6InRange(ip, rng string) any {
	x, px, ok1 := parseIP6(ip)
	y, py, ok2 := parseIP6(rng)
	if !ok1 || !ok2 {
		return nil
	}
	_ = px
	return mask6(x, py) == mask6(y, py)
}

// parseIP6 reads an IPv6 or IPv4 address with an optional /prefix. IPv4 (also in ::a.b.c.d form) becomes the
// IPv4-mapped address and its prefix counts from bit 96.
func parseIP6(s string) ([16]byte, int, bool) {
	s = strings.TrimSpace(s)
	addr, pre, has := strings.Cut(s, "/")
	v4 := strings.Contains(addr, ".")
	if v4 {
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			addr = addr[i+1:]
		}
	}
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() != v4 {
		return [16]byte{}, 0, false
	}
	p := 128
	if has {
		n, err := strconv.Atoi(pre)
		max := 128
		if v4 {
			max = 32
		}
		if err != nil || n < 0 || n > max {
			return [16]byte{}, 0, false
		}
		p = n
		if v4 {
			p += 96
		}
	}
	return netip.AddrFrom16(ip.As16()).As16(), p, true
}

func mask6(b [16]byte, p int) [16]byte {
	for i := range b {
		bits := p - 8*i
		switch {
		case bits >= 8:
		case bits <= 0:
			b[i] = 0
		default:
			b[i] &= byte(0xff << (8 - bits))
		}
	}
	return b
}

func fullIP6(b [16]byte) string {
	parts := make([]string, 8)
	for i := range parts {
		parts[i] = fmt.Sprintf("%02x%02x", b[2*i], b[2*i+1])
	}
	return strings.Join(parts, ":")
}

// parse_ipv4 of an address with an optional /prefix: the address as a number, masked by the prefix.
func init() {
	Register(Func{Name: "kql_parse_ipv4", Args: []Type{String}, Result: Long, Fn: func(a []driver.Value) (any, error) {
		addr, pre, has := strings.Cut(strings.TrimSpace(a[0].(string)), "/")
		ip, err := netip.ParseAddr(addr)
		if err != nil || !ip.Is4() {
			return nil, nil
		}
		n := v4num(ip)
		if has {
			p, err := strconv.Atoi(pre)
			if err != nil || p < 0 || p > 32 {
				return nil, nil
			}
			n &= ^uint64(0) << (32 - p) & 0xffffffff
		}
		return int64(n), nil
	}})
}
