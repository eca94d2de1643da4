package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/webhook"
)

// Bounds checked by Validate.
const (
	maxFeeTolerance    = 100000 // 1000.00 in cents
	maxFeeToleranceRel = 0.05
	maxSecrets         = 10
	maxRetryDelays     = 20
)

// Validate checks every key and returns all problems at once, joined; each
// is a *FieldError naming the key, the bound it breaks and where the value
// came from. It reads the file system only to check dunning.policy_file.
func (c Config) Validate() error {
	var p problems
	add := func(field, format string, args ...any) { p.add(field, c.sourceOf(field), format, args...) }

	if strings.TrimSpace(c.DataDir) == "" {
		add("data_dir", "must not be empty")
	}
	if host, port, err := net.SplitHostPort(c.Listen); err != nil {
		add("listen", "%q is not host:port (e.g. 127.0.0.1:8080)", c.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || strings.ContainsAny(host, "/ ") {
		add("listen", "%q: port must be a number from 0 to 65535", c.Listen)
	}
	if c.Database != "" {
		u, err := url.Parse(c.Database)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			add("database", "must be empty (embedded SQLite in data_dir) or a postgres://user@host:port/db URL, got %s", redactDSN(c.Database))
		}
	}
	if m := c.MemoryLimit; m != 0 && (m < 64<<20 || m > 1<<50) {
		add("memory_limit", "must be 0 (none) or between 67108864 (64 MiB) and 2^50 bytes, got %d", m)
	}
	if r := c.Replica; r != "" && !validReplica(r) {
		add("replica", "must be 1 to 64 letters, digits, '.', '_' or '-' (it names a directory), got %q", r)
	}
	oneOf(add, "log_level", c.LogLevel, "trace", "debug", "info", "warn", "error")
	oneOf(add, "log_format", c.LogFormat, "auto", "json", "console")
	between(add, "shutdown_timeout", c.ShutdownTimeout, time.Second, 10*time.Minute)

	c.validateAPI(add)
	c.validateWebhooks(add)
	c.validateMatching(add)

	between(add, "ingest.settle_time", c.Ingest.SettleTime, 100*time.Millisecond, 10*time.Minute)
	between(add, "ingest.rescan_interval", c.Ingest.RescanInterval, 100*time.Millisecond, time.Hour)
	between(add, "ingest.lease", c.Ingest.Lease, time.Second, 24*time.Hour)
	between(add, "ingest.orphan_after", c.Ingest.OrphanAfter, time.Second, 7*24*time.Hour)
	if b := c.Ingest.MaxFileBytes; b < 1<<10 || b > 16<<30 {
		add("ingest.max_file_bytes", "must be between 1024 and %d bytes (16 GiB), got %d", int64(16<<30), b)
	}

	c.validateDunning(add)
	return p.err()
}

// adder records a problem for a field.
type adder func(field, format string, args ...any)

func (c Config) validateAPI(add adder) {
	if b := c.API.MaxBodyBytes; b < 1<<10 || b > 1<<30 {
		add("api.max_body_bytes", "must be between 1024 and %d bytes (1 GiB), got %d", 1<<30, b)
	}
	names, hashes := map[string]int{}, map[string]int{}
	for i, t := range c.API.Tokens {
		f := fmt.Sprintf("api.tokens[%d]", i)
		if !validName(t.Name, 64) {
			add(f+".name", "must be 1–64 letters, digits or _ . - characters, got %q", t.Name)
		} else if j, dup := names[t.Name]; dup {
			add(f+".name", "%q is already the name of api.tokens[%d]", t.Name, j)
		} else {
			names[t.Name] = i
		}
		if !isHex(t.SHA256, 64) {
			add(f+".sha256", "must be 64 hexadecimal characters, the SHA-256 of the token (never the token itself)")
		} else if j, dup := hashes[strings.ToLower(t.SHA256)]; dup {
			add(f+".sha256", "same token as api.tokens[%d]", j)
		} else {
			hashes[strings.ToLower(t.SHA256)] = i
		}
		if len(t.Scopes) == 0 {
			add(f+".scopes", "must list at least one of read, write")
		}
		for j, s := range t.Scopes {
			if s != ScopeRead && s != ScopeWrite {
				add(fmt.Sprintf("%s.scopes[%d]", f, j), "%q is not a scope: must be read or write", s)
			}
		}
	}
}

func (c Config) validateWebhooks(add adder) {
	w := c.Webhooks
	between(add, "webhooks.timeout", w.Timeout, time.Second, time.Minute)
	if n := len(w.RetryDelays); n == 0 || n > maxRetryDelays {
		add("webhooks.retry_delays", "must list 1 to %d delays, got %d", maxRetryDelays, n)
	}
	for i, d := range w.RetryDelays {
		between(add, fmt.Sprintf("webhooks.retry_delays[%d]", i), d, 10*time.Millisecond, 24*time.Hour)
	}
	between(add, "webhooks.max_age", w.MaxAge, time.Second, 30*24*time.Hour)
	between(add, "webhooks.lease", w.Lease, time.Second, 24*time.Hour)
	if w.Lease > 0 && w.Timeout <= time.Minute && w.Lease <= w.Timeout { // (an out-of-range timeout is reported alone)
		add("webhooks.lease", "must exceed webhooks.timeout (%s), got %s", w.Timeout, w.Lease)
	}
	if w.Workers < 1 || w.Workers > 64 {
		add("webhooks.workers", "must be between 1 and 64, got %d", w.Workers)
	}
	names := map[string]int{}
	for i, e := range w.Endpoints {
		f := fmt.Sprintf("webhooks.endpoints[%d]", i)
		if !validEndpointName(e.Name) {
			add(f+".name", "must be 1–512 printable characters without spaces, got %q", e.Name)
		} else if j, dup := names[e.Name]; dup {
			add(f+".name", "%q is already the name of webhooks.endpoints[%d] (names default to the url)", e.Name, j)
		} else {
			names[e.Name] = i
		}
		if u, err := webhook.TargetURL(e.URL); err != nil {
			add(f+".url", "%v", err)
		} else if u.Scheme == "http" && !w.AllowPrivateTargets {
			add(f+".url", "plain http is allowed only with webhooks.allow_private_targets: true; use https")
		}
		if n := len(e.Secrets); n == 0 || n > maxSecrets {
			add(f+".secrets", "must list 1 to %d secrets (the first signs), got %d", maxSecrets, n)
		}
		for j, s := range e.Secrets {
			if _, err := webhook.ParseSecret(s); err != nil {
				add(fmt.Sprintf("%s.secrets[%d]", f, j), "must start with whsec_ and decode to %d–%d bytes", webhook.MinSecretBytes, webhook.MaxSecretBytes)
			}
		}
		if len(e.Events) == 0 {
			add(f+".events", `must list event types, families such as "lettrage.*", or "*"`)
		}
		for j, ev := range e.Events {
			if !ledger.ValidEventFilter(ev) {
				add(fmt.Sprintf("%s.events[%d]", f, j), `%q is not "*", a family such as "lettrage.*", or one of %s`, ev, strings.Join(ledger.EventTypes(), ", "))
			}
		}
	}
}

func (c Config) validateMatching(add adder) {
	m := c.Matching
	if !(m.AutoThreshold > 0 && m.AutoThreshold <= 1) {
		add("matching.auto_threshold", "must be within (0, 1], got %g", m.AutoThreshold)
	}
	if !(m.ReviewThreshold > 0 && m.ReviewThreshold <= m.AutoThreshold) {
		add("matching.review_threshold", "must be within (0, matching.auto_threshold = %g], got %g", m.AutoThreshold, m.ReviewThreshold)
	}
	if minor, err := ledger.ParseDecimal(m.FeeTolerance, 2); err != nil || minor < 0 || minor > maxFeeTolerance {
		add("matching.fee_tolerance", "must be a decimal amount from 0 to %s with at most 2 decimals, e.g. \"1.00\", got %q", ledger.FormatMinor(maxFeeTolerance, 2), m.FeeTolerance)
	}
	if !(m.FeeToleranceRel >= 0 && m.FeeToleranceRel <= maxFeeToleranceRel) {
		add("matching.fee_tolerance_rel", "must be within [0, %g], got %g", maxFeeToleranceRel, m.FeeToleranceRel)
	}
	if m.MaxSubsetInvoices < 1 || m.MaxSubsetInvoices > 10 {
		add("matching.max_subset_invoices", "must be between 1 and 10, got %d", m.MaxSubsetInvoices)
	}
}

func (c Config) validateDunning(add adder) {
	d := c.Dunning
	if s := strings.TrimSpace(d.Schedule); s != "" {
		if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
			add("dunning.schedule", "must not set a time zone (TZ=, CRON_TZ=); use dunning.timezone")
		} else if _, err := cron.ParseStandard(s); err != nil {
			add("dunning.schedule", "%q is not a 5-field cron schedule (minute hour day-of-month month day-of-week, e.g. \"0 8 * * 1-5\"): %v", d.Schedule, err)
		}
	}
	if d.Timezone == "" {
		add("dunning.timezone", "must not be empty (an IANA zone such as Europe/Paris)")
	} else if _, err := time.LoadLocation(d.Timezone); err != nil {
		add("dunning.timezone", "%q is not an IANA time zone such as Europe/Paris", d.Timezone)
	}
	if d.PolicyFile != "" {
		if fi, err := os.Stat(d.PolicyFile); err != nil {
			add("dunning.policy_file", "cannot read %s: %v", d.PolicyFile, err)
		} else if !fi.Mode().IsRegular() {
			add("dunning.policy_file", "%s is not a regular file", d.PolicyFile)
		}
	}
}

// oneOf records a problem when v is not one of the allowed values.
func oneOf(add adder, field, v string, allowed ...string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	add(field, "%q is not one of %s", v, strings.Join(allowed, ", "))
}

// between records a problem when d is outside [lo, hi].
func between(add adder, field string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		add(field, "must be between %s and %s, got %s", lo, hi, d)
	}
}

// validName reports whether s is 1 to max letters, digits, '_', '.', '-'.
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// validEndpointName reports whether s is 1 to 512 printable ASCII
// characters without spaces (a name, or the URL it defaults to).
func validEndpointName(s string) bool {
	if s == "" || len(s) > 512 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// isHex reports whether s is n hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// redactDSN returns a database URL with its password hidden, or a
// placeholder when it does not parse.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(an unparsable value)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…" // parameters may carry a password
	}
	return strconv.Quote(u.Redacted())
}

// validReplica reports whether a replica name is 1 to 64 characters of
// [A-Za-z0-9._-] and not "." or "..".
func validReplica(s string) bool {
	if len(s) == 0 || len(s) > 64 || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}
