package ledger

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// crockford is the Crockford base-32 alphabet used by ULIDs.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewID returns a new unique identifier in ULID form: 26 characters of
// Crockford base 32 encoding the millisecond timestamp of t (48 bits) then
// 80 random bits. Identifiers made at different milliseconds sort in time
// order; two made in the same millisecond are unique but unordered (use an
// IDSource for that).
func NewID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(t.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand.Read never fails since Go 1.24
	return encodeULID(b)
}

// IDSource makes ULIDs that strictly increase in the order they are made,
// even within one millisecond (the random part of the previous id is
// incremented), so records stored in one go list in the order they were
// stored. The zero IDSource is ready; it is safe for concurrent use.
type IDSource struct {
	mu   sync.Mutex
	last [16]byte
}

// New returns the next identifier for time t. A t earlier than the previous
// call's is treated as equal to it, so order never goes backwards.
func (g *IDSource) New(t time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	ms := uint64(t.UnixMilli())
	lastMS := binary.BigEndian.Uint64(g.last[0:8]) >> 16
	var b [16]byte
	if ms > lastMS {
		binary.BigEndian.PutUint64(b[0:8], ms<<16)
		_, _ = rand.Read(b[6:])
		// Leave headroom so increments within the millisecond never carry
		// into the timestamp.
		b[6] &= 0x7f
	} else {
		b = g.last
		for i := 15; i >= 6; i-- {
			b[i]++
			if b[i] != 0 {
				break
			}
		}
	}
	g.last = b
	return encodeULID(b)
}

// encodeULID writes 128 bits as 26 base-32 digits; the first digit carries
// the top 3 bits.
func encodeULID(b [16]byte) string {
	var out [26]byte
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
