// Package webhook is the transport half of Lettrage's outbox consumer: it
// signs and verifies Standard Webhooks requests, builds the event body,
// makes one delivery attempt against an endpoint (with an SSRF guard, a
// per-attempt timeout and no redirects) and classifies its outcome, and
// computes when a failed delivery is tried again or given up.
//
// Standard Webhooks (https://www.standardwebhooks.com, v1): every request
// carries webhook-id (the outbox event id, the same across retries and
// replays), webhook-timestamp (Unix seconds of the attempt) and
// webhook-signature ("v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per
// secret of the endpoint, space-separated, so secrets rotate without
// downtime). The body is built once from the stored event and signed
// exactly as sent.
package webhook
