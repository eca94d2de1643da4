package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// minMemoryLimit is the smallest soft memory limit accepted: below it the
// garbage collector would run all the time.
const minMemoryLimit = 64 << 20

// parseByteSize reads a size as GOMEMLIMIT writes it: a whole number of
// bytes with an optional unit B, KiB, MiB, GiB or TiB ("1900MiB").
func parseByteSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		shift  uint
	}{{"TiB", 40}, {"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}}
	shift := uint(0)
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			s, shift = n, u.shift
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as 1900MiB, 2GiB or a number of bytes", s)
	}
	if n > math.MaxInt64>>shift {
		return 0, fmt.Errorf("%q is too large", s)
	}
	return n << shift, nil
}

// setMemoryLimit sets the Go runtime's soft memory limit (what GOMEMLIMIT
// sets) when limit > 0, and returns the limit in force.
func setMemoryLimit(limit int64) (int64, error) {
	if limit == 0 {
		return debug.SetMemoryLimit(-1), nil
	}
	if limit < minMemoryLimit {
		return 0, fmt.Errorf("memory limit %d bytes is below the 64 MiB minimum", limit)
	}
	debug.SetMemoryLimit(limit)
	return limit, nil
}
