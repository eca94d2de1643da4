package main

import (
	"runtime/debug"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1900MiB", 1900 << 20, true},
		{"2GiB", 2 << 30, true},
		{" 512 KiB ", 512 << 10, true},
		{"1048576", 1 << 20, true},
		{"100B", 100, true},
		{"1.5GiB", 0, false},
		{"-1MiB", 0, false},
		{"2GB", 0, false},
		{"", 0, false},
		{"9999999TiB", 0, false},
	} {
		got, err := parseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	if _, err := setMemoryLimit(1 << 20); err == nil {
		t.Error("a 1 MiB limit was accepted")
	}
	if got, err := setMemoryLimit(1900 << 20); err != nil || got != 1900<<20 || debug.SetMemoryLimit(-1) != 1900<<20 {
		t.Errorf("setMemoryLimit(1900 MiB) = %d, %v; runtime limit %d", got, err, debug.SetMemoryLimit(-1))
	}
	if got, err := setMemoryLimit(0); err != nil || got != 1900<<20 {
		t.Errorf("setMemoryLimit(0) = %d, %v; want the limit in force unchanged", got, err)
	}
}
