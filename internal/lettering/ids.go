package lettering

import (
	"strings"
	"time"
)

// Stored ids are ULIDs (ledger.IDSource): their first ten characters are
// the millisecond of their creation in Crockford base 32, so they sort in
// time order. The incremental look for new statements uses it to start a
// little before the newest id it has seen.

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// idTime returns the time encoded in a ULID; ok is false for another kind
// of id.
func idTime(id string) (time.Time, bool) {
	if len(id) != 26 {
		return time.Time{}, false
	}
	var ms uint64
	for i := range 10 {
		d := strings.IndexByte(crockford, id[i])
		if d < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | uint64(d)
	}
	return time.UnixMilli(int64(ms)), true
}

// idFloor returns a string that sorts before every ULID made at or after t
// and after every one made before it.
func idFloor(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	var b [26]byte
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 10; i < 26; i++ {
		b[i] = '0'
	}
	return string(b[:])
}
