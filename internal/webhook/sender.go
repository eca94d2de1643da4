package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lettrage/lettrage/internal/ledger"
)

// DefaultTimeout bounds one delivery attempt, from dialling to the end of
// the response headers and the bounded read of its body.
const DefaultTimeout = 15 * time.Second

// DefaultMaxResponseBytes is how much of a response body an Outcome keeps
// (for the dead-letter view); the rest is discarded unread.
const DefaultMaxResponseBytes = 4 << 10

// Result classifies a delivery attempt.
type Result int

// Results of Send. The dispatcher acts on them:
//
//   - Delivered: the endpoint answered 2xx; the delivery is done.
//   - RetryLater: the attempt failed in a way that may pass (timeout,
//     network error, refused address, 3xx, 429, 5xx, any other 4xx); try
//     again per the Schedule, honouring Outcome.RetryAfter.
//   - EndpointGone: the endpoint answered 410 Gone; disable it and stop
//     delivering to it.
//   - Undeliverable: the request cannot be made at all (an invalid URL,
//     message id or secret); retrying cannot help, dead-letter it now (it
//     stays replayable once the configuration is fixed).
//   - Aborted: the caller's context ended during the attempt (shutdown); the
//     attempt does not count, release the delivery for a later claim.
const (
	Delivered Result = iota + 1
	RetryLater
	EndpointGone
	Undeliverable
	Aborted
)

// String returns the result's name.
func (r Result) String() string {
	switch r {
	case Delivered:
		return "delivered"
	case RetryLater:
		return "retry_later"
	case EndpointGone:
		return "endpoint_gone"
	case Undeliverable:
		return "undeliverable"
	case Aborted:
		return "aborted"
	}
	return "result(" + strconv.Itoa(int(r)) + ")"
}

// Outcome is what one delivery attempt came to.
type Outcome struct {
	Result Result
	// At is the attempt's time, the one sent in webhook-timestamp.
	At time.Time
	// Duration is how long the attempt took.
	Duration time.Duration
	// StatusCode is the HTTP status received, 0 when none was.
	StatusCode int
	// RetryAfter is the delay the endpoint asked for with Retry-After on a
	// failed attempt, 0 when it asked for none.
	RetryAfter time.Duration
	// Response holds the start of the response body (at most the Sender's
	// MaxResponseBytes).
	Response []byte
	// Err says why the event was not delivered; nil when Delivered.
	Err error
}

// Attempt returns the outcome as the store records it.
func (o Outcome) Attempt() ledger.DeliveryAttempt {
	a := ledger.DeliveryAttempt{At: o.At, HTTPStatus: o.StatusCode, Duration: o.Duration}
	if o.Err != nil {
		a.Error = o.Err.Error()
	}
	return a
}

// SenderConfig configures a Sender. The zero value is usable: 15 s timeout,
// private targets refused, the wall clock.
type SenderConfig struct {
	// Timeout bounds each attempt; 0 means DefaultTimeout.
	Timeout time.Duration
	// AllowPrivateTargets lets deliveries reach loopback, private,
	// link-local and other non-public addresses (tests, in-house receivers).
	AllowPrivateTargets bool
	// UserAgent is sent with every request; "" means "lettrage-webhooks".
	UserAgent string
	// MaxResponseBytes is how much of a response body is kept; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Sender makes delivery attempts. It is safe for concurrent use; its
// connections are reused across attempts until Close.
type Sender struct {
	client    *http.Client
	transport *http.Transport
	timeout   time.Duration
	userAgent string
	maxResp   int
	now       func() time.Time
}

// NewSender returns a Sender. Its HTTP client follows no redirect, uses no
// proxy (so the address guard sees the real target) and, unless
// cfg.AllowPrivateTargets, refuses to connect to any address that is not
// public unicast, checked on the resolved address at dial time.
func NewSender(cfg SenderConfig) *Sender {
	s := &Sender{
		timeout:   cfg.Timeout,
		userAgent: cfg.UserAgent,
		maxResp:   cfg.MaxResponseBytes,
		now:       cfg.Now,
	}
	if s.timeout <= 0 {
		s.timeout = DefaultTimeout
	}
	if s.userAgent == "" {
		s.userAgent = "lettrage-webhooks"
	}
	if s.maxResp <= 0 {
		s.maxResp = DefaultMaxResponseBytes
	}
	if s.now == nil {
		s.now = time.Now
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivateTargets {
		dialer.Control = guardControl
	}
	s.transport = &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	s.client = &http.Client{
		Transport: s.transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return s
}

// Timeout returns the bound of one attempt.
func (s *Sender) Timeout() time.Duration { return s.timeout }

// Close releases the Sender's idle connections.
func (s *Sender) Close() { s.transport.CloseIdleConnections() }

// Send makes one attempt to deliver body to the endpoint under message id
// msgID: a POST with Content-Type application/json and the Standard
// Webhooks headers, signed with every secret of the endpoint at the
// attempt's time. It never returns an error; the Outcome says what
// happened (see Result). body must be the bytes Body returned for the
// event; it is sent as is.
func (s *Sender) Send(ctx context.Context, ep Endpoint, msgID string, body []byte) Outcome {
	start := s.now()
	out := Outcome{At: start.Truncate(time.Second)}
	finish := func(r Result, err error) Outcome {
		out.Result, out.Err = r, err
		out.Duration = s.now().Sub(start)
		return out
	}
	u, err := TargetURL(ep.URL)
	if err != nil {
		return finish(Undeliverable, err)
	}
	sig, err := Sign(ep.Secrets, msgID, out.At, body)
	if err != nil {
		return finish(Undeliverable, err)
	}
	attemptCtx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return finish(Undeliverable, fmt.Errorf("webhook request: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.userAgent)
	req.Header.Set(HeaderID, msgID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(out.At.Unix(), 10))
	req.Header.Set(HeaderSignature, sig)

	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return finish(Aborted, fmt.Errorf("webhook post: %w", ctx.Err()))
		}
		var refused *RefusedAddressError
		switch {
		case errors.As(err, &refused):
			return finish(RetryLater, refused)
		case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
			return finish(RetryLater, fmt.Errorf("webhook post: no response within %s", s.timeout))
		}
		return finish(RetryLater, fmt.Errorf("webhook post: %w", unwrapURLError(err)))
	}
	defer resp.Body.Close()
	out.StatusCode = resp.StatusCode
	out.Response, err = readBounded(resp.Body, s.maxResp)
	if err != nil && ctx.Err() != nil {
		return finish(Aborted, fmt.Errorf("webhook response: %w", ctx.Err()))
	}
	code := resp.StatusCode
	switch {
	case code >= 200 && code <= 299:
		return finish(Delivered, nil)
	case code == http.StatusGone:
		return finish(EndpointGone, statusError(resp, out.Response))
	}
	out.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), out.At)
	return finish(RetryLater, statusError(resp, out.Response))
}

// TargetURL parses a webhook URL and checks it is one deliveries may use:
// absolute http or https with a host, no user information (credentials in
// a URL leak into logs; the signature authenticates Lettrage) and no
// fragment.
func TargetURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("webhook url: %w", unwrapURLError(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("webhook url %q: scheme must be http or https", u.Redacted())
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("webhook url %q: no host", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("webhook url %q: must not carry user information", u.Redacted())
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, fmt.Errorf("webhook url %q: must not have a fragment", u.Redacted())
	}
	return u, nil
}

// readBounded reads up to max bytes of r, then discards up to 64 KiB more
// so the connection can be reused; a longer body is left unread (the
// connection is then closed).
func readBounded(r io.Reader, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)))
	if err != nil {
		return b, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
	return b, err
}

// statusError describes a non-2xx response with the start of its body.
func statusError(resp *http.Response, body []byte) error {
	msg := "HTTP " + resp.Status
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += " (redirect to " + printable(loc, 200) + " not followed)"
		} else {
			msg += " (redirects are not followed)"
		}
	}
	if s := printable(string(body), 200); s != "" {
		msg += ": " + s
	}
	return errors.New(msg)
}

// printable returns s with control characters replaced by spaces, invalid
// UTF-8 dropped and white space trimmed, cut to at most max bytes.
func printable(s string, max int) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		switch {
		case r == utf8.RuneError:
		case r < ' ' || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// parseRetryAfter reads a Retry-After header, delta-seconds or an HTTP
// date (relative to now); 0 when absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfterHeader/time.Second) {
			return maxRetryAfterHeader
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return min(d, maxRetryAfterHeader)
		}
	}
	return 0
}

// maxRetryAfterHeader caps what parseRetryAfter returns; the Schedule caps
// it further.
const maxRetryAfterHeader = 7 * 24 * time.Hour

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the
// method and the whole URL (the query may carry a token).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
