package matchers

import "testing"

// TestCanonKeysKeepEveryForm: whatever the number's length (inline in its
// slot up to inlineKey characters, in the blob beyond), with or without a
// creditor reference and leading zeros, get, slotKeys (after gather) and
// number give back the canonical keys; handles never added, or out of
// range, have none; a gathered slot gives what the handle's own does.
func TestCanonKeysKeepEveryForm(t *testing.T) {
	t.Parallel()
	cases := []struct{ number, rf string }{
		{"FA-2025-000123", ""},
		{"FA-2025-000123", "RF18 5390 0754 7034"},
		{"0000123", ""},
		{"ZYXWVUTSRQPONMLK", "RF05 77"},                      // exactly inlineKey characters
		{"ABCDEFGHIJKLMNOPQ", "RF71 1234 5678 9012 3456"},    // one more: in the blob
		{"INV/2025/000000000000000000042", "RF47 2025 0042"}, // long, zeros to strip
		{"é-42", ""},
	}
	var k canonKeys
	for i, c := range cases {
		k.add(int32(2*i), c.number, c.rf) // odd handles are never added
	}
	keys := k.build(2*len(cases) + 1)
	refs := []int32{-1, int32(2 * len(cases)), int32(2*len(cases) + 5)}
	for i := range cases {
		refs = append(refs, int32(2*i), int32(2*i+1))
	}
	slots := keys.gather(nil, refs)
	for n, ref := range refs {
		var num, rf []byte
		ok := false
		if s := keys.slot(ref); s != nil {
			num, rf, ok = keys.slotKeys(s)
		}
		snum, srf, sok := keys.slotKeys(&slots[n])
		if ok != sok || string(num) != string(snum) || string(rf) != string(srf) {
			t.Errorf("handle %d: its slot %q %q %v, gathered %q %q %v", ref, num, rf, ok, snum, srf, sok)
		}
		if ref < 0 || ref%2 == 1 || int(ref) >= 2*len(cases) {
			if ok {
				t.Errorf("handle %d (never added): keys %q %q", ref, num, rf)
			}
			continue
		}
		c := cases[ref/2]
		wantNum := string(canonInto(nil, c.number))
		wantRF := string(canonInto(nil, c.rf))
		if !ok || string(num) != wantNum || string(rf) != wantRF {
			t.Errorf("%q %q: keys %q %q %v, want %q %q", c.number, c.rf, num, rf, ok, wantNum, wantRF)
		}
		tok, mask := numberTokens(c.number, nil)
		strip, _ := stripZeros(tok, mask, nil)
		key, stripped, ok := keys.number(ref)
		if !ok || string(key) != string(tok) || string(stripped) != string(strip) {
			t.Errorf("%q: number keys %q %q %v, want %q %q", c.number, key, stripped, ok, tok, strip)
		}
	}
	if len(keys.slots) != 2*len(cases)+1 {
		t.Errorf("%d slots, want %d", len(keys.slots), 2*len(cases)+1)
	}
}
