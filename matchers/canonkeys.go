package matchers

import "slices"

// canonKeys keeps the canonical form (canonInto) of every fuzzily indexed
// invoice number and creditor reference. The fuzzy search checks dozens of
// candidate numbers per text window (sequential numbering puts that many
// one edit away), in no order a cache can foresee: on a book larger than
// the processor's last-level cache each candidate read is a cache miss.
// So each handle has a fixed 24-byte slot holding the keys' lengths and,
// when it has at most inlineKey characters, the number's key itself: one
// miss per candidate. The creditor reference's key, the number's without
// leading zeros and longer numbers' keys are in blob (read only when their
// lengths, in the slot, make them worth comparing). At 3 million invoices
// it takes ≈ 35 bytes per invoice.
type canonKeys struct {
	slots []keySlot
	blob  []byte
}

// inlineKey is the longest number key kept in its slot.
const inlineKey = 16

// keySlot is one handle's keys: where its keys in blob start, the length
// of the number's key (keyAbsent when not kept: the search then reads the
// invoice's strings), of the creditor reference's (0: none) and of the
// number's with leading zeros dropped (sameKey when it is the number's key
// itself), and the number's key when it fits. In blob, from off: the
// number's key when it does not fit, then the creditor reference's, then
// the stripped number's unless sameKey.
type keySlot struct {
	off                     uint32
	numLen, rfLen, stripLen uint8
	_                       uint8
	inline                  [inlineKey]byte
}

const (
	keyAbsent = 0xFF
	sameKey   = 0xFE
)

// absentSlot is the slot of a handle whose keys were not kept.
var absentSlot = keySlot{numLen: keyAbsent, stripLen: sameKey}

// add keeps the canonical keys of invoice ref's number and creditor
// reference.
func (k *canonKeys) add(ref int32, number, rf string) {
	for int(ref) >= len(k.slots) {
		k.slots = append(k.slots, absentSlot)
	}
	start := len(k.blob)
	if uint64(start) > 1<<32-1-3*keyAbsent {
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
	slot := keySlot{off: uint32(start), numLen: uint8(n), rfLen: uint8(r), stripLen: sl}
	if n <= inlineKey {
		copy(slot.inline[:], k.blob[start:start+n])
		k.blob = append(k.blob[:start], k.blob[start+n:]...)
	}
	k.slots[ref] = slot
}

// build returns the keys sized for count handles, trimmed.
func (k *canonKeys) build(count int) canonKeys {
	for len(k.slots) < count {
		k.slots = append(k.slots, absentSlot)
	}
	return canonKeys{slots: slices.Clip(k.slots), blob: slices.Clip(k.blob)}
}

// slot returns ref's slot, nil when its keys were not kept.
func (k *canonKeys) slot(ref int32) *keySlot {
	if ref < 0 || int(ref) >= len(k.slots) {
		return nil
	}
	s := &k.slots[ref]
	if s.numLen == keyAbsent {
		return nil
	}
	return s
}

// keys returns the slot's number key and where the rest of its keys start
// in blob.
func (k *canonKeys) keys(s *keySlot) (num []byte, rest uint32) {
	n := uint32(s.numLen)
	if n <= inlineKey {
		return s.inline[:n:n], s.off
	}
	return k.blob[s.off : s.off+n : s.off+n], s.off + n
}

// gather appends the slots of refs to dst (absentSlot for a handle out of
// range), in a loop that does nothing else: the processor has the slots'
// cache misses in flight together, where checking each candidate as it is
// read waits for them one by one.
func (k *canonKeys) gather(dst []keySlot, refs []int32) []keySlot {
	for _, ref := range refs {
		if ref >= 0 && int(ref) < len(k.slots) {
			dst = append(dst, k.slots[ref])
		} else {
			dst = append(dst, absentSlot)
		}
	}
	return dst
}

// slotKeys returns the canonical keys of a slot's number and creditor
// reference (nil if none); ok is false when they were not kept.
func (k *canonKeys) slotKeys(s *keySlot) (num, rf []byte, ok bool) {
	if s.numLen == keyAbsent {
		return nil, nil, false
	}
	num, o := k.keys(s)
	if r := uint32(s.rfLen); r > 0 {
		rf = k.blob[o : o+r : o+r]
	}
	return num, rf, true
}

// number returns ref's number key and the same with leading zeros
// dropped; ok is false when they were not kept for ref.
func (k *canonKeys) number(ref int32) (key, stripped []byte, ok bool) {
	s := k.slot(ref)
	if s == nil {
		return nil, nil, false
	}
	key, o := k.keys(s)
	stripped = key
	if sl := uint32(s.stripLen); sl != sameKey {
		o += uint32(s.rfLen)
		stripped = k.blob[o : o+sl : o+sl]
	}
	return key, stripped, true
}
