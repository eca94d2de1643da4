package matchers

import "slices"

// canonKeys keeps the canonical form (canonInto) of every fuzzily indexed
// invoice number and creditor reference in one contiguous byte array. The fuzzy search checks
// dozens of candidate numbers per text window (sequential numbering puts
// that many one edit away); reading them here costs a few cache lines —
// neighbouring numbers are usually neighbouring handles — where reading
// each invoice's own string costs two cache misses on a large book. At
// 3 million invoices it takes ≈ 20 bytes per invoice.
type canonKeys struct {
	blob []byte
	off  []uint32 // by handle: start of its keys in blob
	// numLen and rfLen, by handle: the lengths of the number's key and,
	// just after it, of the creditor reference's (0: none); keyAbsent when
	// not kept (the search then reads the invoice's strings).
	numLen, rfLen []uint8
	// stripLen, by handle: the length of the number's key with leading
	// zeros dropped (stripZeros), kept after the creditor reference's
	// key; sameKey when it is the number's key itself.
	stripLen []uint8
}

const (
	keyAbsent = 0xFF
	sameKey   = 0xFE
)

// add keeps the canonical keys of invoice ref's number and creditor
// reference.
func (k *canonKeys) add(ref int32, number, rf string) {
	for int(ref) >= len(k.numLen) {
		k.numLen = append(k.numLen, keyAbsent)
		k.rfLen = append(k.rfLen, keyAbsent)
		k.stripLen = append(k.stripLen, sameKey)
		k.off = append(k.off, 0)
	}
	start := len(k.blob)
	if uint64(start) > 1<<32-1-2*keyAbsent {
		return // a blob of 4 GB: the search reads the strings
	}
	k.blob = canonInto(k.blob, number)
	n := len(k.blob) - start
	k.blob = canonInto(k.blob, rf)
	r := len(k.blob) - start - n
	// The typo readings (RefText.WithinKeys, NearReferenceKeys) take the
	// number's key as numberTokens gives it (the same characters as
	// canonInto: checked, not assumed) and with leading zeros dropped.
	var tb, sb [64]byte
	tok, mask := numberTokens(number, tb[:0])
	strip, _ := stripZeros(tok, mask, sb[:0])
	sl := uint8(sameKey)
	if string(strip) != string(tok) {
		sl = uint8(len(strip))
		k.blob = append(k.blob, strip...)
	}
	if n >= int(sameKey) || r >= int(sameKey) || (r == 0 && rf != "") ||
		string(tok) != string(k.blob[start:start+n]) {
		// Too long to keep (or a reference with no canonical character,
		// told apart from none by reading it): the search reads the strings.
		k.blob = k.blob[:start]
		return
	}
	k.off[ref], k.numLen[ref], k.rfLen[ref], k.stripLen[ref] = uint32(start), uint8(n), uint8(r), sl
}

// build returns the keys sized for count handles, trimmed.
func (k *canonKeys) build(count int) canonKeys {
	for len(k.numLen) < count {
		k.numLen = append(k.numLen, keyAbsent)
		k.rfLen = append(k.rfLen, keyAbsent)
		k.stripLen = append(k.stripLen, sameKey)
		k.off = append(k.off, 0)
	}
	return canonKeys{blob: slices.Clip(k.blob), off: slices.Clip(k.off),
		numLen: slices.Clip(k.numLen), rfLen: slices.Clip(k.rfLen), stripLen: slices.Clip(k.stripLen)}
}

// get returns the canonical keys of ref's number and creditor reference
// (nil if none); ok is false when they were not kept for ref.
func (k *canonKeys) get(ref int32) (num, rf []byte, ok bool) {
	if ref < 0 || int(ref) >= len(k.numLen) {
		return nil, nil, false
	}
	n, r := uint32(k.numLen[ref]), uint32(k.rfLen[ref])
	if n == keyAbsent || r == keyAbsent {
		return nil, nil, false
	}
	o := k.off[ref]
	num = k.blob[o : o+n : o+n]
	if r > 0 {
		rf = k.blob[o+n : o+n+r : o+n+r]
	}
	return num, rf, true
}

// number returns ref's number key and the same with leading zeros
// dropped; ok is false when they were not kept for ref.
func (k *canonKeys) number(ref int32) (key, stripped []byte, ok bool) {
	if ref < 0 || int(ref) >= len(k.numLen) {
		return nil, nil, false
	}
	n, r := uint32(k.numLen[ref]), uint32(k.rfLen[ref])
	if n == keyAbsent || r == keyAbsent {
		return nil, nil, false
	}
	o := k.off[ref]
	key = k.blob[o : o+n : o+n]
	stripped = key
	if sl := uint32(k.stripLen[ref]); sl != sameKey {
		s := o + n + r
		stripped = k.blob[s : s+sl : s+sl]
	}
	return key, stripped, true
}
