package webhook

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// received is one request a test receiver got.
type received struct {
	header http.Header
	body   []byte
}

// receiver is a local webhook receiver recording what it gets.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	hits atomic.Int64
}

// newReceiver starts a receiver on loopback answering with respond.
func newReceiver(t testing.TB, respond func(w http.ResponseWriter, r *http.Request)) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: body})
		rc.mu.Unlock()
		respond(w, r)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newSender returns a Sender allowed to reach loopback, closed at cleanup.
func newSender(t testing.TB, cfg SenderConfig) *Sender {
	t.Helper()
	s := NewSender(cfg)
	t.Cleanup(s.Close)
	return s
}

var t0 = time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)

func sampleBody(t testing.TB) []byte {
	t.Helper()
	b, err := Body(ledger.OutboxEvent{
		ID: "01JC3Z8N7Q6M5K4J3H2G1F0E9D", Type: ledger.EventInvoicePaid,
		AggregateType: "invoice", AggregateID: "F-1", Sequence: 2, OccurredAt: t0,
		Data: []byte(`{"invoice_id":"F-1","amount":"1200.00","currency":"EUR"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSendDeliversASignedRequest(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	clk := &clock{now: t0.Add(1500 * time.Millisecond)}
	s := newSender(t, SenderConfig{AllowPrivateTargets: true, Now: clk.Now, UserAgent: "lettrage/test"})
	secret := NewSecret()
	body := sampleBody(t)

	out := s.Send(context.Background(), Endpoint{ID: "erp", URL: rc.URL + "/hooks?x=1", Secrets: []Secret{secret}}, "01JC3Z8N7Q6M5K4J3H2G1F0E9D", body)
	if out.Result != Delivered || out.Err != nil || out.StatusCode != http.StatusNoContent {
		t.Fatalf("Send = %+v, want delivered with 204", out)
	}
	if !out.At.Equal(t0.Add(time.Second)) {
		t.Errorf("At = %s, want the attempt's time in whole seconds", out.At)
	}
	reqs := rc.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if string(r.body) != string(body) {
		t.Errorf("body sent\n%s\nwant\n%s", r.body, body)
	}
	for h, want := range map[string]string{
		"Content-Type":  "application/json",
		"User-Agent":    "lettrage/test",
		HeaderID:        "01JC3Z8N7Q6M5K4J3H2G1F0E9D",
		HeaderTimestamp: strconv.FormatInt(t0.Unix()+1, 10),
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("header %s = %q, want %q", h, got, want)
		}
	}
	if err := Verify([]Secret{secret}, r.header, r.body, clk.Now(), 0); err != nil {
		t.Errorf("the receiver cannot verify the request: %v", err)
	}
	if a := out.Attempt(); a.HTTPStatus != 204 || a.Error != "" || !a.At.Equal(out.At) {
		t.Errorf("Attempt() = %+v", a)
	}
}

func TestRetriesKeepTheIDAndSignAnew(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	clk := &clock{now: t0}
	s := newSender(t, SenderConfig{AllowPrivateTargets: true, Now: clk.Now})
	ep := Endpoint{URL: rc.URL, Secrets: []Secret{NewSecret()}}
	body := sampleBody(t)
	if out := s.Send(context.Background(), ep, "msg_1", body); out.Result != RetryLater {
		t.Fatalf("first attempt: %+v", out)
	}
	clk.Advance(5 * time.Second)
	if out := s.Send(context.Background(), ep, "msg_1", body); out.Result != Delivered {
		t.Fatalf("second attempt: %+v", out)
	}
	reqs := rc.requests()
	a, b := reqs[0].header, reqs[1].header
	if a.Get(HeaderID) != b.Get(HeaderID) {
		t.Errorf("webhook-id changed across retries: %s, %s", a.Get(HeaderID), b.Get(HeaderID))
	}
	if a.Get(HeaderTimestamp) == b.Get(HeaderTimestamp) || a.Get(HeaderSignature) == b.Get(HeaderSignature) {
		t.Error("a retry must carry its own timestamp and signature")
	}
	if string(reqs[0].body) != string(reqs[1].body) {
		t.Error("a retry must send the same body")
	}
	if err := Verify(ep.Secrets, b, reqs[1].body, clk.Now(), 0); err != nil {
		t.Error(err)
	}
}

func TestSendSignsWithEverySecretForRotation(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {})
	s := newSender(t, SenderConfig{AllowPrivateTargets: true})
	current, previous := NewSecret(), NewSecret()
	out := s.Send(context.Background(), Endpoint{URL: rc.URL, Secrets: []Secret{current, previous}}, "msg_2", sampleBody(t))
	if out.Result != Delivered {
		t.Fatalf("Send = %+v", out)
	}
	r := rc.requests()[0]
	if n := len(strings.Fields(r.header.Get(HeaderSignature))); n != 2 {
		t.Errorf("%d signatures, want 2", n)
	}
	for _, receiverSecret := range []Secret{current, previous} {
		if err := Verify([]Secret{receiverSecret}, r.header, r.body, time.Now(), 0); err != nil {
			t.Errorf("a receiver with one of the two secrets cannot verify: %v", err)
		}
	}
}

func TestSendClassifiesResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		result     Result
		retryAfter time.Duration
		errHas     string
	}{
		{name: "200", status: 200, result: Delivered},
		{name: "201", status: 201, result: Delivered},
		{name: "202", status: 202, result: Delivered},
		{name: "204", status: 204, result: Delivered},
		{name: "410 disables", status: 410, body: "endpoint removed", result: EndpointGone, errHas: "HTTP 410 Gone: endpoint removed"},
		{name: "301 not followed", status: 301, header: map[string]string{"Location": "/elsewhere"}, result: RetryLater, errHas: "redirect to /elsewhere not followed"},
		{name: "302 not followed", status: 302, header: map[string]string{"Location": "http://127.0.0.1:1/x"}, result: RetryLater, errHas: "not followed"},
		{name: "307 not followed", status: 307, header: map[string]string{"Location": "/elsewhere"}, result: RetryLater, errHas: "not followed"},
		{name: "304 without location", status: 304, result: RetryLater, errHas: "redirects are not followed"},
		{name: "429 with delta seconds", status: 429, header: map[string]string{"Retry-After": "120"}, result: RetryLater, retryAfter: 2 * time.Minute, errHas: "HTTP 429"},
		{name: "503 with an HTTP date", status: 503, header: map[string]string{"Retry-After": t0.Add(90 * time.Second).Format(http.TimeFormat)}, result: RetryLater, retryAfter: 90 * time.Second},
		{name: "500 with a body", status: 500, body: "boom\x00\nline 2", result: RetryLater, errHas: "HTTP 500 Internal Server Error: boom  line 2"},
		{name: "502", status: 502, result: RetryLater},
		{name: "504", status: 504, result: RetryLater},
		{name: "400 is retried", status: 400, result: RetryLater, errHas: "HTTP 400"},
		{name: "401 is retried (secret not yet rotated on the receiver)", status: 401, result: RetryLater},
		{name: "404 is retried (receiver being deployed)", status: 404, result: RetryLater},
		{name: "422 is retried", status: 422, result: RetryLater},
		{name: "Retry-After on a 500 is honoured", status: 500, header: map[string]string{"Retry-After": "7"}, result: RetryLater, retryAfter: 7 * time.Second},
	}
	var elsewhere atomic.Int64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/elsewhere" {
					elsewhere.Add(1)
					return
				}
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			s := newSender(t, SenderConfig{AllowPrivateTargets: true, Now: func() time.Time { return t0 }})
			out := s.Send(context.Background(), Endpoint{URL: rc.URL + "/hook", Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t))
			if out.Result != tc.result || out.StatusCode != tc.status || out.RetryAfter != tc.retryAfter {
				t.Fatalf("Send = %v, status %d, Retry-After %s, err %v; want %v, %d, %s", out.Result, out.StatusCode, out.RetryAfter, out.Err, tc.result, tc.status, tc.retryAfter)
			}
			if (out.Err == nil) != (tc.result == Delivered) {
				t.Fatalf("Err = %v for %v", out.Err, out.Result)
			}
			if tc.errHas != "" && !strings.Contains(out.Err.Error(), tc.errHas) {
				t.Errorf("Err = %q, want it to contain %q", out.Err, tc.errHas)
			}
			if rc.hits.Load() != 1 {
				t.Errorf("%d requests, want 1", rc.hits.Load())
			}
		})
	}
	t.Cleanup(func() {
		if elsewhere.Load() != 0 {
			t.Errorf("a redirect was followed %d times", elsewhere.Load())
		}
	})
}

func TestSendTimesOut(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	s := newSender(t, SenderConfig{AllowPrivateTargets: true, Timeout: 200 * time.Millisecond})
	out := s.Send(context.Background(), Endpoint{URL: rc.URL, Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t))
	if out.Result != RetryLater || out.StatusCode != 0 || out.Err == nil || !strings.Contains(out.Err.Error(), "no response within 200ms") {
		t.Fatalf("Send = %+v, want retry_later after the 200ms timeout", out)
	}
	if out.Duration < 200*time.Millisecond {
		t.Errorf("Duration = %s, want at least the timeout", out.Duration)
	}
}

func TestSendAbortedByTheCaller(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	s := newSender(t, SenderConfig{AllowPrivateTargets: true})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-arrived
		cancel()
	}()
	out := s.Send(ctx, Endpoint{URL: rc.URL, Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t))
	if out.Result != Aborted || !errors.Is(out.Err, context.Canceled) {
		t.Fatalf("Send = %+v, want aborted", out)
	}
}

func TestSendNetworkError(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {})
	url := rc.URL
	rc.Close() // nothing listens any more
	s := newSender(t, SenderConfig{AllowPrivateTargets: true})
	out := s.Send(context.Background(), Endpoint{URL: url, Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t))
	if out.Result != RetryLater || out.StatusCode != 0 || out.Err == nil {
		t.Fatalf("Send = %+v, want retry_later without a status", out)
	}
	if strings.Contains(out.Err.Error(), "Post \"") {
		t.Errorf("Err repeats the URL: %v", out.Err)
	}
}

func TestSendRefusesPrivateTargets(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {})
	s := newSender(t, SenderConfig{AllowPrivateTargets: false})
	port := rc.URL[strings.LastIndex(rc.URL, ":")+1:]
	for _, url := range []string{rc.URL, "http://localhost:" + port + "/hook", "http://[::ffff:127.0.0.1]:" + port} {
		out := s.Send(context.Background(), Endpoint{URL: url, Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t))
		var refused *RefusedAddressError
		if out.Result != RetryLater || !errors.As(out.Err, &refused) {
			t.Errorf("Send(%s) = %v, %v; want retry_later refused", url, out.Result, out.Err)
		}
	}
	if n := rc.hits.Load(); n != 0 {
		t.Fatalf("the loopback receiver got %d requests", n)
	}
	// The same receiver is reachable once private targets are allowed.
	allowed := newSender(t, SenderConfig{AllowPrivateTargets: true})
	if out := allowed.Send(context.Background(), Endpoint{URL: rc.URL, Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t)); out.Result != Delivered {
		t.Fatalf("with private targets allowed: %+v", out)
	}
}

func TestSendUndeliverable(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {})
	s := newSender(t, SenderConfig{AllowPrivateTargets: true})
	good := []Secret{NewSecret()}
	for _, tc := range []struct {
		name, url, id string
		secrets       []Secret
	}{
		{"ftp url", "ftp://127.0.0.1/x", "msg_1", good},
		{"file url", "file:///etc/passwd", "msg_1", good},
		{"relative url", "/hook", "msg_1", good},
		{"url with credentials", strings.Replace(rc.URL, "http://", "http://u:p@", 1), "msg_1", good},
		{"url with a fragment", rc.URL + "#x", "msg_1", good},
		{"message id with a dot", rc.URL, "msg.1", good},
		{"no secret", rc.URL, "msg_1", nil},
	} {
		out := s.Send(context.Background(), Endpoint{URL: tc.url, Secrets: tc.secrets}, tc.id, sampleBody(t))
		if out.Result != Undeliverable || out.Err == nil {
			t.Errorf("%s: Send = %+v, want undeliverable", tc.name, out)
		}
		if strings.Contains(out.Err.Error(), "u:p@") {
			t.Errorf("%s: error shows the credentials: %v", tc.name, out.Err)
		}
	}
	if n := rc.hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
}

func TestSendBoundsTheResponse(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		chunk := []byte(strings.Repeat("x", 1<<10))
		for i := 0; i < 1<<10; i++ { // 1 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	s := newSender(t, SenderConfig{AllowPrivateTargets: true, MaxResponseBytes: 100})
	out := s.Send(context.Background(), Endpoint{URL: rc.URL, Secrets: []Secret{NewSecret()}}, "msg_1", sampleBody(t))
	if out.Result != RetryLater || len(out.Response) != 100 {
		t.Fatalf("Send = %v with %d response bytes, want retry_later with 100", out.Result, len(out.Response))
	}
	if n := len(out.Err.Error()); n > 260 {
		t.Errorf("error is %d bytes long", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-5", 0},
		{"30", 30 * time.Second},
		{" 30 ", 30 * time.Second},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999999", maxRetryAfterHeader},
		{t0.Add(time.Hour).Format(http.TimeFormat), time.Hour},
		{t0.Add(-time.Hour).Format(http.TimeFormat), 0},
		{t0.Add(30 * 24 * time.Hour).Format(http.TimeFormat), maxRetryAfterHeader},
	} {
		if got := parseRetryAfter(tc.in, t0); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestResultString(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, r := range []Result{Delivered, RetryLater, EndpointGone, Undeliverable, Aborted} {
		s := r.String()
		if seen[s] || strings.HasPrefix(s, "result(") {
			t.Errorf("%d has the name %q", int(r), s)
		}
		seen[s] = true
	}
}

func BenchmarkSendLocal(b *testing.B) {
	rc := newReceiver(b, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	s := newSender(b, SenderConfig{AllowPrivateTargets: true})
	ep := Endpoint{URL: rc.URL, Secrets: []Secret{NewSecret()}}
	body := sampleBody(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if out := s.Send(context.Background(), ep, "msg_1", body); out.Result != Delivered {
			b.Fatal(out.Err)
		}
	}
}
