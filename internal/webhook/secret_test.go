package webhook

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseSecret(t *testing.T) {
	t.Parallel()
	key := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + 11)
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"specification example, 24 bytes", vectorSecret, true},
		{"32 bytes padded", "whsec_" + key(32), true},
		{"32 bytes unpadded", "whsec_" + strings.TrimRight(key(32), "="), true},
		{"64 bytes", "whsec_" + key(64), true},
		{"23 bytes", "whsec_" + key(23), false},
		{"65 bytes", "whsec_" + key(65), false},
		{"no prefix", key(32), false},
		{"other prefix", "whsk_" + key(32), false},
		{"url-safe alphabet", "whsec_" + strings.NewReplacer("+", "-", "/", "_").Replace(key(48)), false},
		{"not base64", "whsec_" + strings.Repeat("!", 40), false},
		{"empty", "", false},
		{"prefix only", "whsec_", false},
	}
	for _, tc := range tests {
		s, err := ParseSecret(tc.in)
		if tc.ok != (err == nil) {
			t.Errorf("%s: ParseSecret error = %v, want ok=%v", tc.name, err, tc.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrBadSecret) {
				t.Errorf("%s: error %v does not wrap ErrBadSecret", tc.name, err)
			}
			if len(tc.in) > 12 && strings.Contains(err.Error(), tc.in[6:12]) {
				t.Errorf("%s: error %q shows the secret", tc.name, err)
			}
			continue
		}
		again, err := ParseSecret(s.Text())
		if err != nil || again.Text() != s.Text() {
			t.Errorf("%s: Text() does not round-trip: %v", tc.name, err)
		}
	}
}

func TestSecretNeverPrintsItsKey(t *testing.T) {
	t.Parallel()
	s := mustSecret(t, vectorSecret)
	ep := Endpoint{ID: "erp", URL: "https://erp.example/h", Secrets: []Secret{s}}
	b64 := strings.TrimPrefix(vectorSecret, SecretPrefix)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{s, ep, []Secret{s}} {
			out := fmt.Sprintf(format, v)
			if strings.Contains(out, b64[:8]) || strings.Contains(out, fmt.Sprint(s.key[:4])) {
				t.Errorf("Sprintf(%q, %T) = %s shows the key", format, v, out)
			}
		}
	}
}

func TestNewSecretIsRandomAndValid(t *testing.T) {
	t.Parallel()
	a, b := NewSecret(), NewSecret()
	if a.Text() == b.Text() {
		t.Fatal("two new secrets are equal")
	}
	if _, err := ParseSecret(a.Text()); err != nil {
		t.Fatal(err)
	}
	if (Secret{}).IsZero() != true || a.IsZero() {
		t.Fatal("IsZero")
	}
}
