package pattern

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// parseIP reads s as an IP address the way event-ruler does: only a dotted quad of decimal
// numbers, or a string of hex digits and colons, is tried (so host names and zones never are);
// IPv4 octets are decimal even with leading zeros; an IPv4-mapped IPv6 address is its IPv4 address.
func parseIP(s string) (netip.Addr, bool) {
	if looksIPv4(s) {
		return parseIPv4(s)
	}
	if !looksIPv6(s) {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

// looksIPv4 is event-ruler's [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+ test.
func looksIPv4(s string) bool {
	parts, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && digits > 0:
			parts++
			digits = 0
		default:
			return false
		}
	}
	return parts == 3 && digits > 0
}

// looksIPv6 is event-ruler's [0-9a-fA-F:]*:[0-9a-fA-F:]* test.
func looksIPv6(s string) bool {
	colon := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			colon = true
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F':
		default:
			return false
		}
	}
	return colon
}

func parseIPv4(s string) (netip.Addr, bool) {
	var b [4]byte
	for i := range b {
		end := strings.IndexByte(s, '.')
		if i == 3 {
			end = len(s)
		}
		n := 0
		for _, c := range []byte(s[:end]) {
			n = n*10 + int(c-'0')
			if n > 255 {
				return netip.Addr{}, false
			}
		}
		b[i] = byte(n)
		if i < 3 {
			s = s[end+1:]
		}
	}
	return netip.AddrFrom4(b), true
}

// parseCIDR reads a cidr operand into the first and last address of its block, with
// event-ruler's validation and wording. Host bits below the mask are ignored, so 10.0.0.5/24 is
// 10.0.0.0/24.
func parseCIDR(cidr string) (lo, hi netip.Addr, err error) {
	parts := strings.Split(cidr, "/")
	// Java's String.split drops trailing empty strings, so "10.0.0.0/" has no mask part.
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) != 2 {
		return lo, hi, fmt.Errorf("Malformed CIDR, one '/' required")
	}
	bits, perr := strconv.ParseInt(parts[1], 10, 32)
	if perr != nil {
		return lo, hi, fmt.Errorf("Malformed CIDR, mask bits must be an integer")
	}
	if bits < 0 {
		return lo, hi, fmt.Errorf("Malformed CIDR, mask bits must not be negative")
	}
	if !looksIPv4(parts[0]) && !looksIPv6(parts[0]) {
		return lo, hi, fmt.Errorf("Nonstandard IP address: %s", parts[0])
	}
	a, ok := parseIP(parts[0])
	if !ok {
		return lo, hi, fmt.Errorf("Invalid IP address: %s", parts[0])
	}
	// event-ruler refuses a full-length mask (a single address is written without one).
	if a.Is4() && bits > 31 {
		return lo, hi, fmt.Errorf("IPv4 mask bits must be < 32")
	}
	if a.Is6() && bits > 127 {
		return lo, hi, fmt.Errorf("IPv6 mask bits must be < 128")
	}
	prefix := netip.PrefixFrom(a, int(bits)).Masked()
	lo = prefix.Addr()
	hb := lo.AsSlice()
	for i := int(bits); i < len(hb)*8; i++ {
		hb[i/8] |= 0x80 >> (i % 8)
	}
	hi, _ = netip.AddrFromSlice(hb)
	return lo, hi, nil
}
