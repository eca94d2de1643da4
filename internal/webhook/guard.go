package webhook

import (
	"fmt"
	"net/netip"
	"syscall"
)

// RefusedAddressError says a delivery was not attempted because the
// target's address is not a public unicast address and private targets are
// not allowed (webhooks.allow_private_targets).
type RefusedAddressError struct {
	Addr   netip.Addr
	Reason string // e.g. "loopback", "private (RFC 1918)"
}

// Error implements error.
func (e *RefusedAddressError) Error() string {
	return fmt.Sprintf("target address %s refused: %s (allowed only with webhooks.allow_private_targets)", e.Addr, e.Reason)
}

// blockedRange is a range of addresses that deliveries may not reach
// unless private targets are allowed.
type blockedRange struct {
	prefix netip.Prefix
	reason string
}

// blockedRanges lists the non-public ranges (IANA special-purpose address
// registries). Ranges that embed an IPv4 address (NAT64, 6to4) are checked
// through the embedded address instead (see nonPublicReason).
var blockedRanges = func() []blockedRange {
	list := []struct{ cidr, reason string }{
		{"0.0.0.0/8", "unspecified or \"this network\""},
		{"10.0.0.0/8", "private (RFC 1918)"},
		{"100.64.0.0/10", "shared address space (CGNAT, RFC 6598)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local (incl. cloud metadata 169.254.169.254)"},
		{"172.16.0.0/12", "private (RFC 1918)"},
		{"192.0.0.0/24", "IETF protocol assignments"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "6to4 relay anycast"},
		{"192.168.0.0/16", "private (RFC 1918)"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved or broadcast"},
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible (deprecated)"},
		{"64:ff9b:1::/48", "local-use NAT64"},
		{"100::/64", "discard-only"},
		{"2001::/32", "Teredo"},
		{"2001:2::/48", "benchmarking"},
		{"2001:10::/28", "ORCHID"},
		{"2001:db8::/32", "documentation"},
		{"fc00::/7", "unique local (ULA)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local (deprecated)"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blockedRange, len(list))
	for i, r := range list {
		out[i] = blockedRange{netip.MustParsePrefix(r.cidr), r.reason}
	}
	return out
}()

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// nonPublicReason returns why a is not a public unicast address, or "" when
// it is one. IPv4-mapped IPv6 addresses are judged as IPv4; NAT64 and 6to4
// addresses by the IPv4 address they embed.
func nonPublicReason(a netip.Addr) string {
	a = a.Unmap()
	if !a.IsValid() {
		return "invalid address"
	}
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64Prefix.Contains(a):
			if r := nonPublicReason(netip.AddrFrom4([4]byte(b[12:16]))); r != "" {
				return "NAT64 of " + r
			}
			return ""
		case sixToFour.Contains(a):
			if r := nonPublicReason(netip.AddrFrom4([4]byte(b[2:6]))); r != "" {
				return "6to4 of " + r
			}
			return ""
		}
	}
	for _, r := range blockedRanges {
		if r.prefix.Contains(a.WithZone("")) {
			return r.reason
		}
	}
	return ""
}

// CheckAddress returns a *RefusedAddressError when a is not a public
// unicast address, nil when a delivery may reach it.
func CheckAddress(a netip.Addr) error {
	if r := nonPublicReason(a); r != "" {
		return &RefusedAddressError{Addr: a, Reason: r}
	}
	return nil
}

// guardControl is a net.Dialer Control function that refuses connections
// to non-public addresses. It runs after name resolution, on the address
// actually dialled, so a name that resolves (or re-resolves, DNS rebinding)
// to an internal address is refused too.
func guardControl(network, address string, _ syscall.RawConn) error {
	if network != "tcp4" && network != "tcp6" {
		return fmt.Errorf("webhook dial %s %s: only TCP is allowed", network, address)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook dial %s: %w", address, err)
	}
	return CheckAddress(ap.Addr())
}
