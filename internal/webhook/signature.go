package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks request headers.
const (
	HeaderID        = "webhook-id"        // the message id, stable across retries
	HeaderTimestamp = "webhook-timestamp" // Unix seconds of the attempt
	HeaderSignature = "webhook-signature" // space-separated "v1,<base64>" list
)

// DefaultTolerance is how far a webhook-timestamp may be from the receiver's
// clock, either way, before Verify refuses the request (replay protection).
const DefaultTolerance = 5 * time.Minute

// signatureVersion names HMAC-SHA256, the symmetric scheme of the
// specification.
const signatureVersion = "v1"

// Verification errors, wrapped by Verify.
var (
	ErrMissingHeader    = errors.New("missing webhook header")
	ErrBadTimestamp     = errors.New("webhook-timestamp is not Unix seconds")
	ErrTimestampSkew    = errors.New("webhook-timestamp outside the tolerance")
	ErrNoValidSignature = errors.New("no valid signature")
)

// ValidMessageID reports whether id may be used as a webhook-id: 1 to 255
// printable ASCII characters without spaces or dots (the dot separates the
// parts of the signed content).
func ValidMessageID(id string) bool {
	if id == "" || len(id) > 255 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '.' {
			return false
		}
	}
	return true
}

// Sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" per secret, in the order
// given, separated by spaces. ts is truncated to whole seconds, as the
// webhook-timestamp header carries it. body must be the exact bytes sent.
func Sign(secrets []Secret, msgID string, ts time.Time, body []byte) (string, error) {
	if len(secrets) == 0 {
		return "", errors.New("sign webhook: no secret")
	}
	if !ValidMessageID(msgID) {
		return "", fmt.Errorf("sign webhook: message id %q: want 1–255 printable ASCII characters without spaces or dots", msgID)
	}
	unix := ts.Unix()
	var b strings.Builder
	for i, s := range secrets {
		if s.IsZero() {
			return "", fmt.Errorf("sign webhook: secret %d is empty", i)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(signatureVersion)
		b.WriteByte(',')
		b.WriteString(base64.StdEncoding.EncodeToString(mac(s, msgID, unix, body)))
	}
	return b.String(), nil
}

// mac computes HMAC-SHA256 of "id.timestamp.body" under the secret's key.
func mac(s Secret, msgID string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(msgID))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a received webhook the way a receiver must: the three
// headers are present, webhook-timestamp is within tolerance of now (either
// way; tolerance <= 0 means DefaultTolerance), and at least one "v1"
// signature of the header matches body under one of the secrets, compared
// in constant time. Signatures of other versions are ignored. It is meant
// for receivers and tests; the sender never needs it.
func Verify(secrets []Secret, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	for _, hv := range [...]struct{ name, value string }{{HeaderID, id}, {HeaderTimestamp, tsText}, {HeaderSignature, sigs}} {
		if hv.value == "" {
			return fmt.Errorf("verify webhook: %s: %w", hv.name, ErrMissingHeader)
		}
	}
	unix, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil || unix < 0 || tsText[0] == '+' {
		return fmt.Errorf("verify webhook: %q: %w", tsText, ErrBadTimestamp)
	}
	skew := now.Sub(time.Unix(unix, 0))
	if skew > tolerance || skew < -tolerance {
		return fmt.Errorf("verify webhook: timestamp %d is %s from now: %w", unix, skew.Round(time.Second), ErrTimestampSkew)
	}
	expected := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		if !s.IsZero() {
			expected = append(expected, mac(s, id, unix, body))
		}
	}
	for _, sig := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(sig, ",")
		if !ok || version != signatureVersion {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			continue
		}
		for _, want := range expected {
			if hmac.Equal(got, want) {
				return nil
			}
		}
	}
	return fmt.Errorf("verify webhook %s: %w", id, ErrNoValidSignature)
}
