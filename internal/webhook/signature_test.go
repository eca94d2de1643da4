package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks test vector, from the reference implementations
// (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go,
// TestWebhookSign; the same vector is in Svix's libraries).
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorBody      = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func mustSecret(t testing.TB, s string) Secret {
	t.Helper()
	sec, err := ParseSecret(s)
	if err != nil {
		t.Fatalf("ParseSecret(%q): %v", s, err)
	}
	return sec
}

func TestSignReproducesTheSpecificationVector(t *testing.T) {
	t.Parallel()
	got, err := Sign([]Secret{mustSecret(t, vectorSecret)}, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Fatalf("Sign = %s, want %s", got, vectorSignature)
	}
	// Sub-second parts of the time are not signed: the header carries seconds.
	got2, _ := Sign([]Secret{mustSecret(t, vectorSecret)}, vectorID, time.Unix(vectorTimestamp, 999_999_999), []byte(vectorBody))
	if got2 != vectorSignature {
		t.Fatalf("Sign with nanoseconds = %s, want %s", got2, vectorSignature)
	}
}

func TestSignSeveralSecretsInOrder(t *testing.T) {
	t.Parallel()
	other := NewSecret()
	got, err := Sign([]Secret{other, mustSecret(t, vectorSecret)}, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorBody))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(got, " ")
	if len(parts) != 2 || parts[1] != vectorSignature || !strings.HasPrefix(parts[0], "v1,") || parts[0] == vectorSignature {
		t.Fatalf("Sign = %q, want the new secret's signature then %s", got, vectorSignature)
	}
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	s := []Secret{mustSecret(t, vectorSecret)}
	for _, tc := range []struct {
		name    string
		secrets []Secret
		id      string
	}{
		{"no secret", nil, "msg_1"},
		{"zero secret", []Secret{{}}, "msg_1"},
		{"empty id", s, ""},
		{"dot in id", s, "msg.1"},
		{"space in id", s, "msg 1"},
		{"newline in id", s, "msg\r\nX-Evil: 1"},
		{"non-ASCII id", s, "msgé"},
		{"long id", s, strings.Repeat("a", 256)},
	} {
		if _, err := Sign(tc.secrets, tc.id, time.Unix(1, 0), nil); err == nil {
			t.Errorf("%s: Sign succeeded", tc.name)
		}
	}
}

// signedHeader returns the headers of a message signed with secrets at ts.
func signedHeader(t *testing.T, secrets []Secret, id string, ts time.Time, body string) http.Header {
	t.Helper()
	sig, err := Sign(secrets, id, ts, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestVerify(t *testing.T) {
	t.Parallel()
	vec := mustSecret(t, vectorSecret)
	old, current := NewSecret(), NewSecret()
	now := time.Unix(vectorTimestamp, 0)
	vectorHeader := func() http.Header {
		h := http.Header{}
		h.Set(HeaderID, vectorID)
		h.Set(HeaderTimestamp, strconv.Itoa(vectorTimestamp))
		h.Set(HeaderSignature, vectorSignature)
		return h
	}
	tests := []struct {
		name    string
		secrets []Secret
		header  func() http.Header
		body    string
		now     time.Time
		want    error // nil: valid
	}{
		{"specification vector", []Secret{vec}, vectorHeader, vectorBody, now, nil},
		{"vector among other signatures", []Secret{vec}, func() http.Header {
			h := vectorHeader()
			h.Set(HeaderSignature, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x v1a,abc "+vectorSignature+" v1,!!!")
			return h
		}, vectorBody, now, nil},
		{"receiver still on the old secret during a rotation", []Secret{old}, func() http.Header {
			return signedHeader(t, []Secret{current, old}, "msg_1", now, "{}")
		}, "{}", now, nil},
		{"receiver already on the new secret", []Secret{current}, func() http.Header {
			return signedHeader(t, []Secret{current, old}, "msg_1", now, "{}")
		}, "{}", now, nil},
		{"wrong secret", []Secret{NewSecret()}, vectorHeader, vectorBody, now, ErrNoValidSignature},
		{"body changed", []Secret{vec}, vectorHeader, `{"test": 2432232315}`, now, ErrNoValidSignature},
		{"body with a trailing newline", []Secret{vec}, vectorHeader, vectorBody + "\n", now, ErrNoValidSignature},
		{"id changed", []Secret{vec}, func() http.Header { h := vectorHeader(); h.Set(HeaderID, "msg_other"); return h }, vectorBody, now, ErrNoValidSignature},
		{"timestamp changed", []Secret{vec}, func() http.Header {
			h := vectorHeader()
			h.Set(HeaderTimestamp, strconv.Itoa(vectorTimestamp+1))
			return h
		}, vectorBody, now, ErrNoValidSignature},
		{"only another version", []Secret{vec}, func() http.Header {
			h := vectorHeader()
			h.Set(HeaderSignature, strings.Replace(vectorSignature, "v1,", "v2,", 1))
			return h
		}, vectorBody, now, ErrNoValidSignature},
		{"5 minutes old is still fine", []Secret{vec}, vectorHeader, vectorBody, now.Add(DefaultTolerance), nil},
		{"5 minutes and 1 second old", []Secret{vec}, vectorHeader, vectorBody, now.Add(DefaultTolerance + time.Second), ErrTimestampSkew},
		{"5 minutes and 1 second in the future", []Secret{vec}, vectorHeader, vectorBody, now.Add(-DefaultTolerance - time.Second), ErrTimestampSkew},
		{"timestamp in milliseconds", []Secret{vec}, func() http.Header {
			h := vectorHeader()
			h.Set(HeaderTimestamp, strconv.Itoa(vectorTimestamp*1000))
			return h
		}, vectorBody, now, ErrTimestampSkew},
		{"timestamp not a number", []Secret{vec}, func() http.Header { h := vectorHeader(); h.Set(HeaderTimestamp, "yesterday"); return h }, vectorBody, now, ErrBadTimestamp},
		{"timestamp with a sign", []Secret{vec}, func() http.Header {
			h := vectorHeader()
			h.Set(HeaderTimestamp, "+"+strconv.Itoa(vectorTimestamp))
			return h
		}, vectorBody, now, ErrBadTimestamp},
		{"missing id", []Secret{vec}, func() http.Header { h := vectorHeader(); h.Del(HeaderID); return h }, vectorBody, now, ErrMissingHeader},
		{"missing timestamp", []Secret{vec}, func() http.Header { h := vectorHeader(); h.Del(HeaderTimestamp); return h }, vectorBody, now, ErrMissingHeader},
		{"missing signature", []Secret{vec}, func() http.Header { h := vectorHeader(); h.Del(HeaderSignature); return h }, vectorBody, now, ErrMissingHeader},
		{"no secret at all", nil, vectorHeader, vectorBody, now, ErrNoValidSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(tc.secrets, tc.header(), []byte(tc.body), tc.now, 0)
			if tc.want == nil && err != nil {
				t.Fatalf("Verify = %v, want nil", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerifyCustomTolerance(t *testing.T) {
	t.Parallel()
	s := NewSecret()
	ts := time.Unix(1_700_000_000, 0)
	h := signedHeader(t, []Secret{s}, "msg_1", ts, "{}")
	if err := Verify([]Secret{s}, h, []byte("{}"), ts.Add(30*time.Second), 10*time.Second); !errors.Is(err, ErrTimestampSkew) {
		t.Errorf("30 s late with a 10 s tolerance: %v", err)
	}
	if err := Verify([]Secret{s}, h, []byte("{}"), ts.Add(30*time.Second), time.Minute); err != nil {
		t.Errorf("30 s late with a 1 min tolerance: %v", err)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for i := 0; i < 200; i++ {
		secrets := []Secret{NewSecret(), NewSecret()}
		body := strings.Repeat("é{\"x\":1}", i)
		id := "msg_" + strconv.Itoa(i)
		ts := time.Unix(int64(1_600_000_000+i*7919), 0)
		h := signedHeader(t, secrets, id, ts, body)
		if err := Verify(secrets[1:], h, []byte(body), ts, 0); err != nil {
			t.Fatalf("round trip %d: %v", i, err)
		}
		// A signature is bound to its secret: a third secret must fail.
		if err := Verify([]Secret{NewSecret()}, h, []byte(body), ts, 0); !errors.Is(err, ErrNoValidSignature) {
			t.Fatalf("round trip %d with a foreign secret: %v", i, err)
		}
	}
}

// FuzzVerify mutates a signed message: Verify must never panic, and must
// accept only the exact id, timestamp and body that were signed.
func FuzzVerify(f *testing.F) {
	f.Add(vectorID, strconv.Itoa(vectorTimestamp), vectorSignature, vectorBody)
	f.Add(vectorID, strconv.Itoa(vectorTimestamp), "v1,"+strings.Repeat("A", 44)+" "+vectorSignature, vectorBody)
	f.Add("", "", "", "")
	f.Add("msg", "-1", "v1,", "{}")
	f.Add("msg", "99999999999999999999", "v1,====", "{}")
	secret, err := ParseSecret(vectorSecret)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(vectorTimestamp, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig, body string) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		err := Verify([]Secret{secret}, h, []byte(body), now, 0)
		if err != nil {
			return
		}
		// Accepted: it must be the signed message itself, or one signed
		// anew for these exact values.
		unix, perr := strconv.ParseInt(ts, 10, 64)
		if perr != nil {
			t.Fatalf("accepted an unparsable timestamp %q", ts)
		}
		want := base64.StdEncoding.EncodeToString(mac(secret, id, unix, []byte(body)))
		if !strings.Contains(sig, want) {
			t.Fatalf("accepted a signature that is not the HMAC of the message: id=%q ts=%q sig=%q", id, ts, sig)
		}
	})
}

func BenchmarkSign(b *testing.B) {
	secrets := []Secret{NewSecret(), NewSecret()}
	body := []byte(`{"type":"lettrage.applied","timestamp":"2026-11-03T08:00:00.000Z","data":{"match_id":"01JC0000000000000000000000","amount":"1200.00","currency":"EUR","allocations":[{"invoice_id":"F-2026-0012","amount":"1200.00"}],"reasons":["invoice number FA-2026-0012 in remittance"]}}`)
	ts := time.Unix(1_700_000_000, 0)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Sign(secrets, "01JC0000000000000000000000", ts, body); err != nil {
			b.Fatal(err)
		}
	}
}
