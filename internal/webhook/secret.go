package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretPrefix starts the text form of every signing secret.
const SecretPrefix = "whsec_"

// Bounds of a secret's key, in bytes once decoded: the Standard Webhooks
// specification asks for at least 192 bits and at most 512.
const (
	MinSecretBytes = 24
	MaxSecretBytes = 64
)

// ErrBadSecret is wrapped by every secret parsing error.
var ErrBadSecret = errors.New("must start with whsec_ and decode to 24–64 bytes")

// Secret is an endpoint's HMAC-SHA256 signing key. Its String and GoString
// methods never show the key, so a Secret may be logged by mistake without
// leaking.
type Secret struct {
	key []byte
}

// ParseSecret reads a secret in its text form, "whsec_" followed by the
// standard base64 encoding (padded or not) of 24 to 64 random bytes.
func ParseSecret(s string) (Secret, error) {
	b64, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return Secret{}, fmt.Errorf("secret: no %s prefix: %w", SecretPrefix, ErrBadSecret)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(b64)
	}
	if err != nil {
		return Secret{}, fmt.Errorf("secret: not base64: %w", ErrBadSecret)
	}
	if len(key) < MinSecretBytes || len(key) > MaxSecretBytes {
		return Secret{}, fmt.Errorf("secret: %d bytes: %w", len(key), ErrBadSecret)
	}
	return Secret{key: key}, nil
}

// NewSecret returns a fresh random secret of 32 bytes.
func NewSecret() Secret {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails since Go 1.24
	return Secret{key: key}
}

// Text returns the secret in its text form, "whsec_<base64>", the form the
// configuration and receivers use. Handle the result as a secret.
func (s Secret) Text() string { return SecretPrefix + base64.StdEncoding.EncodeToString(s.key) }

// IsZero reports whether s holds no key (the zero Secret).
func (s Secret) IsZero() bool { return len(s.key) == 0 }

// String returns a redacted form that never shows the key.
func (s Secret) String() string {
	if s.IsZero() {
		return "whsec_(none)"
	}
	return "whsec_(redacted)"
}

// GoString returns the same redacted form as String, for %#v.
func (s Secret) GoString() string { return s.String() }
