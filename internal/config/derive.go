package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/webhook"
)

// HashToken returns the lower-case hex SHA-256 of a bearer token, the form
// api.tokens[].sha256 holds (`printf %s "$TOKEN" | sha256sum`).
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// normalize puts loaded values in their canonical form: token hashes in
// lower case, endpoint names defaulting to their URL.
func (c *Config) normalize() {
	for i := range c.API.Tokens {
		c.API.Tokens[i].SHA256 = strings.ToLower(c.API.Tokens[i].SHA256)
	}
	for i := range c.Webhooks.Endpoints {
		if c.Webhooks.Endpoints[i].Name == "" {
			c.Webhooks.Endpoints[i].Name = c.Webhooks.Endpoints[i].URL
		}
	}
}

// Source returns where the value of a key came from ("file lettrage.yaml,
// line 12", "env LETTRAGE_LISTEN", "flag --listen"), "" for a default.
func (c Config) Source(path string) string { return c.sourceOf(path) }

// ReplicaName is the name of this replica: replica when set, else the host
// name (as the ingest package makes it safe for a path), else "lettrage".
func (c Config) ReplicaName() string {
	if c.Replica != "" {
		return c.Replica
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "lettrage"
}

// WebhookEndpoints returns the configured endpoints with their secrets
// parsed, ready for webhook.Sender. It fails only on a configuration that
// did not pass Validate.
func (c Config) WebhookEndpoints() ([]webhook.Endpoint, error) {
	out := make([]webhook.Endpoint, 0, len(c.Webhooks.Endpoints))
	for i, e := range c.Webhooks.Endpoints {
		ep := webhook.Endpoint{ID: e.Name, URL: e.URL, Events: append([]string(nil), e.Events...)}
		for j, s := range e.Secrets {
			sec, err := webhook.ParseSecret(s)
			if err != nil {
				return nil, fmt.Errorf("webhooks.endpoints[%d].secrets[%d]: %w", i, j, err)
			}
			ep.Secrets = append(ep.Secrets, sec)
		}
		out = append(out, ep)
	}
	return out, nil
}

// WebhookSchedule returns the retry schedule of webhooks.retry_delays and
// webhooks.max_age, with the default jitter and Retry-After cap.
func (c Config) WebhookSchedule() webhook.Schedule {
	s := webhook.DefaultSchedule()
	s.Delays = append([]time.Duration(nil), c.Webhooks.RetryDelays...)
	s.MaxAge = c.Webhooks.MaxAge
	return s
}

// FeeToleranceIn returns matching.fee_tolerance in currency cur. It fails
// when the amount has more decimals than the currency (e.g. "1.50" for
// JPY).
func (m Matching) FeeToleranceIn(cur ledger.Currency) (ledger.Money, error) {
	money, err := ledger.ParseMoney(m.FeeTolerance, cur)
	if err != nil {
		return ledger.Money{}, fmt.Errorf("matching.fee_tolerance in %s: %w", cur, err)
	}
	return money, nil
}

// Location returns the time zone of dunning.timezone.
func (d Dunning) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return nil, fmt.Errorf("dunning.timezone: %w", err)
	}
	return loc, nil
}

// Redacted returns a copy safe to print or log: webhook secrets and the
// database password are hidden (token hashes are kept: they are not
// secrets).
func (c Config) Redacted() Config {
	r := c
	r.API.Tokens = append([]Token(nil), c.API.Tokens...)
	r.Webhooks.Endpoints = make([]Endpoint, len(c.Webhooks.Endpoints))
	for i, e := range c.Webhooks.Endpoints {
		e.Secrets = make([]string, len(c.Webhooks.Endpoints[i].Secrets))
		for j := range e.Secrets {
			e.Secrets[j] = webhook.SecretPrefix + "(redacted)"
		}
		e.Events = append([]string(nil), e.Events...)
		r.Webhooks.Endpoints[i] = e
	}
	if c.Database != "" {
		if u, err := url.Parse(c.Database); err == nil {
			if u.RawQuery != "" {
				u.RawQuery = "redacted"
			}
			r.Database = u.Redacted()
		} else {
			r.Database = "(redacted)"
		}
	}
	return r
}
