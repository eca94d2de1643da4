package webhook

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		refused bool
	}{
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"93.184.215.14", false},
		{"2606:4700:4700::1111", false},
		{"2a00:1450:4007:80e::200e", false},
		{"127.0.0.1", true},
		{"127.255.255.254", true},
		{"::1", true},
		{"10.0.0.1", true},
		{"10.255.255.255", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"172.32.0.1", false},
		{"172.15.255.255", false},
		{"192.168.1.10", true},
		{"169.254.169.254", true}, // cloud metadata
		{"169.254.0.1", true},
		{"100.64.0.1", true}, // CGNAT
		{"100.127.255.255", true},
		{"100.128.0.1", false},
		{"0.0.0.0", true},
		{"0.1.2.3", true},
		{"::", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"240.0.0.1", true},
		{"192.0.2.1", true},
		{"198.18.0.1", true},
		{"fd00::1", true}, // ULA
		{"fc00::1", true},
		{"fe80::1", true},
		{"fe80::1%eth0", true},
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped
		{"::ffff:10.1.2.3", true},
		{"::ffff:8.8.8.8", false},
		{"::127.0.0.1", true},        // IPv4-compatible
		{"64:ff9b::a00:1", true},     // NAT64 of 10.0.0.1
		{"64:ff9b::a9fe:a9fe", true}, // NAT64 of 169.254.169.254
		{"64:ff9b::808:808", false},  // NAT64 of 8.8.8.8
		{"2002:a00:1::1", true},      // 6to4 of 10.0.0.1
		{"2002:808:808::1", false},   // 6to4 of 8.8.8.8
		{"2001:db8::1", true},
		{"2001::1", true}, // Teredo
	}
	for _, tc := range tests {
		a := netip.MustParseAddr(tc.addr)
		err := CheckAddress(a)
		if tc.refused != (err != nil) {
			t.Errorf("CheckAddress(%s) = %v, want refused=%v", tc.addr, err, tc.refused)
		}
		var re *RefusedAddressError
		if err != nil && (!errors.As(err, &re) || re.Reason == "") {
			t.Errorf("CheckAddress(%s) = %v, want a *RefusedAddressError with a reason", tc.addr, err)
		}
	}
}

func TestGuardControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		network, address string
		ok               bool
	}{
		{"tcp4", "8.8.8.8:443", true},
		{"tcp6", "[2606:4700:4700::1111]:443", true},
		{"tcp4", "127.0.0.1:80", false},
		{"tcp6", "[::1]:80", false},
		{"tcp6", "[fe80::1%eth0]:80", false},
		{"udp4", "8.8.8.8:53", false},
		{"tcp4", "not-an-address", false},
	}
	for _, tc := range tests {
		if err := guardControl(tc.network, tc.address, nil); (err == nil) != tc.ok {
			t.Errorf("guardControl(%s, %s) = %v, want ok=%v", tc.network, tc.address, err, tc.ok)
		}
	}
}
