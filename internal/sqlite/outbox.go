package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// emit asks w for the events of outcome r and records them in tx.
func emit[R any](ctx context.Context, s *Store, tx *sql.Tx, w ledger.Write[R], r R) error {
	if w.Events == nil {
		return nil
	}
	drafts, err := w.Events(r)
	if err != nil {
		return fmt.Errorf("build events: %w", err)
	}
	_, err = s.insertEvents(ctx, tx, drafts)
	return err
}

// insertEvents records events and one pending delivery per enabled endpoint
// that wants each.
func (s *Store) insertEvents(ctx context.Context, tx *sql.Tx, drafts []ledger.EventDraft) ([]ledger.OutboxEvent, error) {
	if len(drafts) == 0 {
		return nil, nil
	}
	eps, err := loadEndpoints(ctx, s.q(tx), true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]ledger.OutboxEvent, 0, len(drafts))
	for _, d := range drafts {
		if d.Type == "" {
			return nil, fmt.Errorf("record event: type required: %w", ledger.ErrInvalid)
		}
		data := d.Data
		if len(data) == 0 {
			data = []byte("{}")
		}
		if !json.Valid(data) {
			return nil, fmt.Errorf("record event %s: data is not JSON: %w", d.Type, ledger.ErrInvalid)
		}
		ev := ledger.OutboxEvent{ID: s.ids.New(now), Type: d.Type, AggregateType: d.AggregateType, AggregateID: d.AggregateID, OccurredAt: now, Data: data}
		if err := s.q(tx).QueryRowContext(ctx, `INSERT INTO aggregate_sequences (aggregate_type, aggregate_id, last_seq) VALUES (?, ?, 1)
			ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq`,
			d.AggregateType, d.AggregateID).Scan(&ev.Sequence); err != nil {
			return nil, translate(err, "record event "+d.Type)
		}
		var seq int64
		if err := s.q(tx).QueryRowContext(ctx, `INSERT INTO outbox_events (id, type, aggregate_type, aggregate_id, aggregate_seq, occurred_at, data)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			ev.ID, ev.Type, ev.AggregateType, ev.AggregateID, ev.Sequence, micros(now), data).Scan(&seq); err != nil {
			return nil, translate(err, "record event "+d.Type)
		}
		for _, ep := range eps {
			if !ep.Wants(d.Type) {
				continue
			}
			if _, err := s.q(tx).ExecContext(ctx, `INSERT INTO deliveries (id, event_id, endpoint_id, aggregate_key, event_seq, status, next_at, created_at)
				VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`,
				s.ids.New(now), ev.ID, ep.ID, aggregateKey(d), seq, micros(now), micros(now)); err != nil {
				return nil, translate(err, "record delivery of "+d.Type)
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// aggregateKey groups the deliveries that must keep their order; events
// without an aggregate are not ordered.
func aggregateKey(d ledger.EventDraft) string {
	if d.AggregateType == "" && d.AggregateID == "" {
		return ""
	}
	return d.AggregateType + "/" + d.AggregateID
}

func loadEndpoints(ctx context.Context, q queryer, enabledOnly bool) ([]ledger.WebhookEndpoint, error) {
	query := `SELECT id, url, events, enabled, disabled_reason, disabled_at FROM webhook_endpoints`
	if enabledOnly {
		query += ` WHERE enabled = 1`
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY id`)
	if err != nil {
		return nil, translate(err, "load endpoints")
	}
	defer rows.Close()
	var out []ledger.WebhookEndpoint
	for rows.Next() {
		var e ledger.WebhookEndpoint
		var events string
		var disabledAt sql.NullInt64
		if err := rows.Scan(&e.ID, &e.URL, &events, &e.Enabled, &e.DisabledReason, &disabledAt); err != nil {
			return nil, translate(err, "load endpoints")
		}
		if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
			return nil, fmt.Errorf("load endpoint %s: events: %w", e.ID, err)
		}
		e.DisabledAt = fromNullMicros(disabledAt)
		out = append(out, e)
	}
	return out, translate(rows.Err(), "load endpoints")
}

// SyncEndpoints makes the stored endpoints match the configuration.
func (s *Store) SyncEndpoints(ctx context.Context, eps []ledger.WebhookEndpoint) error {
	seen := map[string]bool{}
	for _, e := range eps {
		if e.ID == "" || e.URL == "" {
			return fmt.Errorf("sync endpoints: id and url required: %w", ledger.ErrInvalid)
		}
		if seen[e.ID] {
			return fmt.Errorf("sync endpoints: endpoint %s listed twice: %w", e.ID, ledger.ErrInvalid)
		}
		seen[e.ID] = true
	}
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, e := range eps {
			events, _ := json.Marshal(nonNil(e.Events))
			// A configured endpoint is enabled unless it was disabled for
			// another reason than its removal from the configuration.
			if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, url, events, enabled, disabled_reason, created_at, updated_at)
				VALUES (?, ?, ?, 1, '', ?, ?)
				ON CONFLICT (id) DO UPDATE SET url = excluded.url, events = excluded.events, updated_at = excluded.updated_at,
					enabled = CASE WHEN disabled_reason = ? THEN 1 ELSE enabled END,
					disabled_reason = CASE WHEN disabled_reason = ? THEN '' ELSE disabled_reason END,
					disabled_at = CASE WHEN disabled_reason = ? THEN NULL ELSE disabled_at END`,
				e.ID, e.URL, string(events), micros(now), micros(now), removedReason, removedReason, removedReason); err != nil {
				return translate(err, "sync endpoint "+e.ID)
			}
		}
		stored, err := loadEndpoints(ctx, tx, false)
		if err != nil {
			return err
		}
		for _, e := range stored {
			if seen[e.ID] || !e.Enabled {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ?`,
				removedReason, micros(now), micros(now), e.ID); err != nil {
				return translate(err, "sync endpoint "+e.ID)
			}
		}
		return nil
	})
}

// removedReason marks endpoints disabled because the configuration no
// longer lists them; listing them again enables them.
const removedReason = "removed from configuration"

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// ListEndpoints lists every stored endpoint.
func (s *Store) ListEndpoints(ctx context.Context) ([]ledger.WebhookEndpoint, error) {
	return loadEndpoints(ctx, s.r, false)
}

// SetEndpointEnabled enables or disables an endpoint.
func (s *Store) SetEndpointEnabled(ctx context.Context, id string, enabled bool, w ledger.Write[ledger.WebhookEndpoint]) error {
	now := s.now()
	return s.write(ctx, func(tx *sql.Tx) error {
		var res sql.Result
		var err error
		if enabled {
			res, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = 1, disabled_reason = '', disabled_at = NULL, updated_at = ? WHERE id = ?`, micros(now), id)
		} else {
			reason := w.Reason
			if reason == "" {
				reason = "disabled"
			}
			res, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ?`, reason, micros(now), micros(now), id)
		}
		if err != nil {
			return translate(err, "set endpoint "+id)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("endpoint %s: %w", id, ledger.ErrNotFound)
		}
		action := "endpoint.disabled"
		if enabled {
			action = "endpoint.enabled"
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: action, EntityType: "webhook_endpoint", EntityID: id, Reason: w.Reason}); err != nil {
			return err
		}
		eps, err := loadEndpoints(ctx, tx, false)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(eps, func(e ledger.WebhookEndpoint) bool { return e.ID == id })
		return emit(ctx, s, tx, w, eps[i])
	})
}

// AppendEvents records events that accompany no other change.
func (s *Store) AppendEvents(ctx context.Context, evs []ledger.EventDraft) ([]ledger.OutboxEvent, error) {
	var out []ledger.OutboxEvent
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = s.insertEvents(ctx, tx, evs)
		return err
	})
	return out, err
}

const eventColumns = `id, type, aggregate_type, aggregate_id, aggregate_seq, occurred_at, data`

func scanEvent(sc interface{ Scan(...any) error }) (ledger.OutboxEvent, error) {
	var e ledger.OutboxEvent
	var at int64
	err := sc.Scan(&e.ID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence, &at, &e.Data)
	e.OccurredAt = fromMicros(at)
	return e, err
}

// GetEvent returns an event.
func (s *Store) GetEvent(ctx context.Context, id string) (ledger.OutboxEvent, error) {
	e, err := scanEvent(s.r.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM outbox_events WHERE id = ?`, id))
	return e, translate(err, "event "+id)
}

// ListEvents lists events in recording order.
func (s *Store) ListEvents(ctx context.Context, f ledger.EventFilter) ([]ledger.OutboxEvent, error) {
	var where []string
	var args []any
	if f.AggregateType != "" {
		where, args = append(where, "aggregate_type = ?"), append(args, f.AggregateType)
	}
	if f.AggregateID != "" {
		where, args = append(where, "aggregate_id = ?"), append(args, f.AggregateID)
	}
	if f.Type != "" {
		where, args = append(where, "type = ?"), append(args, f.Type)
	}
	if f.After != "" {
		where, args = append(where, "seq > (SELECT seq FROM outbox_events WHERE id = ?)"), append(args, f.After)
	}
	q := `SELECT ` + eventColumns + ` FROM outbox_events`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY seq"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list events")
	}
	defer rows.Close()
	var out []ledger.OutboxEvent
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, translate(err, "list events")
		}
		out = append(out, e)
	}
	return out, translate(rows.Err(), "list events")
}

const deliveryColumns = `id, event_id, endpoint_id, status, attempts, next_at, last_attempt_at, last_http_status, last_error,
	delivered_at, lease_token, lease_worker, lease_until, created_at`

func scanDelivery(sc interface{ Scan(...any) error }) (ledger.Delivery, error) {
	var d ledger.Delivery
	var next, created int64
	var last, delivered, until sql.NullInt64
	var token, worker sql.NullString
	err := sc.Scan(&d.ID, &d.EventID, &d.EndpointID, &d.Status, &d.Attempts, &next, &last, &d.LastHTTPStatus, &d.LastError,
		&delivered, &token, &worker, &until, &created)
	d.NextAt, d.CreatedAt = fromMicros(next), fromMicros(created)
	d.LastAttemptAt, d.DeliveredAt = fromNullMicros(last), fromNullMicros(delivered)
	d.Lease = ledger.Lease{Token: nullString(token), Worker: nullString(worker), Until: fromNullMicros(until)}
	return d, err
}

// claimDueSQL selects the ids of up to ?3 due deliveries, oldest due
// first. Each branch walks the deliveries_due index (status, next_at,
// event_seq) in order and stops at its LIMIT, so a claim costs the same
// whatever the backlog; the outer sort sees at most twice the limit. The
// NOT EXISTS keeps one aggregate's events in order (through the partial
// index deliveries_undelivered).
const claimDueSQL = `SELECT id FROM (
		SELECT id, next_at, event_seq FROM (
			SELECT d.id, d.next_at, d.event_seq FROM deliveries d INDEXED BY deliveries_due
			WHERE d.status = 'pending' AND d.next_at <= ?1` + claimGuards + `
			ORDER BY d.next_at, d.event_seq LIMIT ?3)
		UNION ALL
		SELECT id, next_at, event_seq FROM (
			SELECT d.id, d.next_at, d.event_seq FROM deliveries d INDEXED BY deliveries_due
			WHERE d.status = 'inflight' AND d.lease_until <= ?2` + claimGuards + `
			ORDER BY d.next_at, d.event_seq LIMIT ?3))
	ORDER BY next_at, event_seq LIMIT ?3`

// claimGuards: the endpoint is enabled, and no earlier event of the same
// aggregate waits for it.
const claimGuards = `
			  AND EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = 1)
			  AND NOT EXISTS (SELECT 1 FROM deliveries p
				WHERE p.endpoint_id = d.endpoint_id AND p.aggregate_key = d.aggregate_key AND d.aggregate_key <> ''
				  AND p.event_seq < d.event_seq AND p.status IN ('pending', 'inflight'))`

// ClaimDeliveries leases due deliveries, keeping each aggregate's order.
func (s *Store) ClaimDeliveries(ctx context.Context, c ledger.Claim) ([]ledger.ClaimedDelivery, error) {
	if c.Limit <= 0 || c.Lease <= 0 {
		return nil, fmt.Errorf("claim deliveries: limit and lease must be positive: %w", ledger.ErrInvalid)
	}
	now := s.at(c.Now)
	token := s.ids.New(now)
	var out []ledger.ClaimedDelivery
	err := s.write(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET status = 'inflight', lease_token = ?4, lease_worker = ?5, lease_until = ?6
			WHERE id IN (`+claimDueSQL+`)`+`
			RETURNING id`,
			micros(now), micros(now), c.Limit, token, c.Worker, micros(now.Add(c.Lease)))
		if err != nil {
			return translate(err, "claim deliveries")
		}
		var ids []any
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return translate(err, "claim deliveries")
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return translate(err, "claim deliveries")
		}
		if len(ids) == 0 {
			return nil
		}
		eps, err := loadEndpoints(ctx, tx, true)
		if err != nil {
			return err
		}
		drows, err := tx.QueryContext(ctx, `SELECT `+prefixed("d", deliveryColumns)+`, `+prefixed("e", eventColumns)+`
			FROM deliveries d JOIN outbox_events e ON e.id = d.event_id
			WHERE d.id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, ids...)
		if err != nil {
			return translate(err, "claim deliveries")
		}
		defer drows.Close()
		for drows.Next() {
			var cd ledger.ClaimedDelivery
			if cd.Delivery, cd.Event, err = scanDeliveryEvent(drows); err != nil {
				return translate(err, "claim deliveries")
			}
			i := slices.IndexFunc(eps, func(e ledger.WebhookEndpoint) bool { return e.ID == cd.Delivery.EndpointID })
			cd.Endpoint = eps[i]
			out = append(out, cd)
		}
		return translate(drows.Err(), "claim deliveries")
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ledger.ClaimedDelivery) int {
		if c := a.Delivery.NextAt.Compare(b.Delivery.NextAt); c != 0 {
			return c
		}
		return strings.Compare(a.Event.ID, b.Event.ID)
	})
	return out, nil
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// scanDeliveryEvent scans a delivery's columns followed by its event's.
func scanDeliveryEvent(sc interface{ Scan(...any) error }) (ledger.Delivery, ledger.OutboxEvent, error) {
	var d ledger.Delivery
	var e ledger.OutboxEvent
	var next, created, occurred int64
	var last, delivered, until sql.NullInt64
	var token, worker sql.NullString
	err := sc.Scan(&d.ID, &d.EventID, &d.EndpointID, &d.Status, &d.Attempts, &next, &last, &d.LastHTTPStatus, &d.LastError,
		&delivered, &token, &worker, &until, &created,
		&e.ID, &e.Type, &e.AggregateType, &e.AggregateID, &e.Sequence, &occurred, &e.Data)
	d.NextAt, d.CreatedAt, e.OccurredAt = fromMicros(next), fromMicros(created), fromMicros(occurred)
	d.LastAttemptAt, d.DeliveredAt = fromNullMicros(last), fromNullMicros(delivered)
	d.Lease = ledger.Lease{Token: nullString(token), Worker: nullString(worker), Until: fromNullMicros(until)}
	return d, e, err
}

// at is t as stored (UTC, microseconds), or the store's clock when zero.
func (s *Store) at(t time.Time) time.Time {
	if t.IsZero() {
		return s.now()
	}
	return t.UTC().Truncate(time.Microsecond)
}

// ReleaseDeliveries makes worker's in-flight deliveries pending again.
func (s *Store) ReleaseDeliveries(ctx context.Context, worker string, now time.Time) (int, error) {
	if worker == "" {
		return 0, fmt.Errorf("release deliveries: no worker: %w", ledger.ErrInvalid)
	}
	at := s.at(now)
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE deliveries SET status = 'pending', next_at = min(next_at, ?),
				lease_token = NULL, lease_worker = NULL, lease_until = NULL
			WHERE status = 'inflight' AND lease_worker = ?`, micros(at), worker)
		if err != nil {
			return translate(err, "release deliveries")
		}
		n, err = res.RowsAffected()
		return translate(err, "release deliveries")
	})
	return int(n), err
}

// AckDelivery records a successful attempt.
func (s *Store) AckDelivery(ctx context.Context, id, token string, a ledger.DeliveryAttempt) error {
	return s.finishDelivery(ctx, id, token, a, "delivered", time.Time{})
}

// FailDelivery records a failed attempt: retried from retryAt, or dead.
func (s *Store) FailDelivery(ctx context.Context, id, token string, a ledger.DeliveryAttempt, retryAt time.Time) error {
	if retryAt.IsZero() {
		return s.finishDelivery(ctx, id, token, a, "dead", time.Time{})
	}
	return s.finishDelivery(ctx, id, token, a, "pending", retryAt)
}

func (s *Store) finishDelivery(ctx context.Context, id, token string, a ledger.DeliveryAttempt, status string, retryAt time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		return s.finishDeliveryTx(ctx, tx, id, token, a, status, retryAt)
	})
}

// AckDeliveries records several successful attempts in one transaction.
func (s *Store) AckDeliveries(ctx context.Context, acks []ledger.DeliveryAck) ([]error, error) {
	var errs []error
	err := s.write(ctx, func(tx *sql.Tx) error {
		errs = make([]error, len(acks))
		for i, a := range acks {
			err := s.finishDeliveryTx(ctx, tx, a.ID, a.Token, a.Attempt, "delivered", time.Time{})
			if err != nil && !errors.Is(err, ledger.ErrConflict) && !errors.Is(err, ledger.ErrNotFound) {
				return err
			}
			errs[i] = err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// finishDeliveryTx records an attempt at a leased delivery in tx.
func (s *Store) finishDeliveryTx(ctx context.Context, tx *sql.Tx, id, token string, a ledger.DeliveryAttempt, status string, retryAt time.Time) error {
	at := s.at(a.At)
	var attempts int
	err := s.q(tx).QueryRowContext(ctx, `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_attempt_at = ?, last_http_status = ?, last_error = ?,
			delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END,
			next_at = CASE WHEN ? = 'pending' THEN ? ELSE next_at END,
			lease_token = NULL, lease_worker = NULL, lease_until = NULL
		WHERE id = ? AND status = 'inflight' AND lease_token = ? RETURNING attempts`,
		status, micros(at), a.HTTPStatus, a.Error, status, micros(at), status, micros(retryAt), id, token).Scan(&attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return leaseError(ctx, tx, "deliveries", "delivery", id)
	}
	if err != nil {
		return translate(err, "report delivery "+id)
	}
	_, err = s.q(tx).ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, n, at, http_status, error, duration_us) VALUES (?, ?, ?, ?, ?, ?)`,
		id, attempts, micros(at), a.HTTPStatus, a.Error, a.Duration.Microseconds())
	return translate(err, "report delivery "+id)
}

// leaseError explains why a report about leased work matched nothing.
func leaseError(ctx context.Context, q queryer, table, what, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
		return translate(err, what+" "+id)
	}
	if n == 0 {
		return fmt.Errorf("%s %s: %w", what, id, ledger.ErrNotFound)
	}
	return fmt.Errorf("%s %s: lease lost or not held: %w", what, id, ledger.ErrConflict)
}

// ReplayDelivery makes a dead or delivered delivery pending again.
func (s *Store) ReplayDelivery(ctx context.Context, id string, w ledger.Write[ledger.Delivery]) (ledger.Delivery, error) {
	now := s.now()
	var d ledger.Delivery
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		d, err = scanDelivery(tx.QueryRowContext(ctx, `UPDATE deliveries SET status = 'pending', next_at = ?
			WHERE id = ? AND status IN ('dead', 'delivered') RETURNING `+deliveryColumns, micros(now), id))
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id)); err != nil {
				return translate(err, "delivery "+id)
			}
			return fmt.Errorf("replay delivery %s: still pending or in flight: %w", id, ledger.ErrConflict)
		}
		if err != nil {
			return translate(err, "replay delivery "+id)
		}
		if _, err := s.audit(ctx, tx, ledger.AuditRecord{Actor: w.Actor, Action: "delivery.replayed", EntityType: "delivery", EntityID: id, Reason: w.Reason,
			Details: details(map[string]any{"event_id": d.EventID, "endpoint_id": d.EndpointID})}); err != nil {
			return err
		}
		return emit(ctx, s, tx, w, d)
	})
	return d, err
}

// GetDelivery returns a delivery.
func (s *Store) GetDelivery(ctx context.Context, id string) (ledger.Delivery, error) {
	d, err := scanDelivery(s.r.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM deliveries WHERE id = ?`, id))
	return d, translate(err, "delivery "+id)
}

// ListDeliveries lists deliveries in id order.
func (s *Store) ListDeliveries(ctx context.Context, f ledger.DeliveryFilter) ([]ledger.Delivery, error) {
	var where []string
	var args []any
	if f.Status != "" {
		where, args = append(where, "status = ?"), append(args, string(f.Status))
	}
	if f.EndpointID != "" {
		where, args = append(where, "endpoint_id = ?"), append(args, f.EndpointID)
	}
	if f.EventID != "" {
		where, args = append(where, "event_id = ?"), append(args, f.EventID)
	}
	if f.After != "" {
		where, args = append(where, "id > ?"), append(args, f.After)
	}
	q := `SELECT ` + deliveryColumns + ` FROM deliveries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q+" ORDER BY id"+limitClause(f.Limit), args...)
	if err != nil {
		return nil, translate(err, "list deliveries")
	}
	defer rows.Close()
	var out []ledger.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, translate(err, "list deliveries")
		}
		out = append(out, d)
	}
	return out, translate(rows.Err(), "list deliveries")
}

// ListDeliveryAttempts returns a delivery's attempts, oldest first.
func (s *Store) ListDeliveryAttempts(ctx context.Context, deliveryID string) ([]ledger.DeliveryAttempt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT at, http_status, error, duration_us FROM delivery_attempts WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, translate(err, "list attempts of delivery "+deliveryID)
	}
	defer rows.Close()
	var out []ledger.DeliveryAttempt
	for rows.Next() {
		var a ledger.DeliveryAttempt
		var at, us int64
		if err := rows.Scan(&at, &a.HTTPStatus, &a.Error, &us); err != nil {
			return nil, translate(err, "list attempts of delivery "+deliveryID)
		}
		a.At, a.Duration = fromMicros(at), time.Duration(us)*time.Microsecond
		out = append(out, a)
	}
	return out, translate(rows.Err(), "list attempts of delivery "+deliveryID)
}

// OutboxStats counts deliveries by state.
func (s *Store) OutboxStats(ctx context.Context) (ledger.OutboxStats, error) {
	var st ledger.OutboxStats
	var oldest sql.NullInt64
	err := s.r.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE status IN ('pending', 'inflight')),
			count(*) FILTER (WHERE status = 'inflight'),
			count(*) FILTER (WHERE status = 'dead'),
			min(created_at) FILTER (WHERE status IN ('pending', 'inflight'))
		FROM deliveries`).Scan(&st.Pending, &st.InFlight, &st.Dead, &oldest)
	st.OldestPending = fromNullMicros(oldest)
	return st, translate(err, "outbox stats")
}
