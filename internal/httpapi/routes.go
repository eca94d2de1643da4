package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
)

// route is one endpoint: its ServeMux pattern (method and path), the scope
// a token needs, and its handler. A handler writes its success answer and
// returns an error for anything else; wrap turns the error into the JSON
// answer of the error table.
type route struct {
	pattern string
	scope   scope
	// import routes take MaxImportBytes instead of MaxBodyBytes.
	largeBody bool
	// quiet routes (probes, scrapes) are logged at debug level.
	quiet  bool
	handle func(a *api, w http.ResponseWriter, r *http.Request) error
}

// routes lists every endpoint. It is the only place routes are
// registered, and the OpenAPI test holds openapi.json to it.
func routes() []route {
	return []route{
		{pattern: "GET /healthz", scope: scopeNone, quiet: true, handle: (*api).healthz},
		{pattern: "GET /readyz", scope: scopeNone, quiet: true, handle: (*api).readyz},
		{pattern: "GET /metrics", scope: scopeNone, quiet: true, handle: (*api).metricsHandler},
		{pattern: "GET /v1/openapi.json", scope: scopeNone, handle: (*api).openAPI},

		{pattern: "POST /v1/invoices", scope: scopeWrite, largeBody: true, handle: (*api).importInvoices},
		{pattern: "GET /v1/invoices", scope: scopeRead, handle: (*api).listInvoices},
		{pattern: "GET /v1/invoices/{id}", scope: scopeRead, handle: (*api).getInvoice},
		{pattern: "GET /v1/invoices/{id}/audit", scope: scopeRead, handle: (*api).invoiceAudit},

		{pattern: "GET /v1/matches", scope: scopeRead, handle: (*api).listMatches},
		{pattern: "GET /v1/matches/{id}", scope: scopeRead, handle: (*api).getMatch},
		{pattern: "POST /v1/matches/{id}/confirm", scope: scopeWrite, handle: (*api).confirmMatch},
		{pattern: "POST /v1/matches/{id}/reject", scope: scopeWrite, handle: (*api).rejectMatch},
		{pattern: "POST /v1/matches/{id}/reverse", scope: scopeWrite, handle: (*api).reverseMatch},

		{pattern: "GET /v1/transactions", scope: scopeRead, handle: (*api).listTransactions},
		{pattern: "GET /v1/transactions/{id}", scope: scopeRead, handle: (*api).getTransaction},
		{pattern: "POST /v1/transactions/{id}/letter", scope: scopeWrite, handle: (*api).letterTransaction},

		{pattern: "GET /v1/aging", scope: scopeRead, handle: (*api).aging},

		{pattern: "GET /v1/invoices/{id}/dunning", scope: scopeRead, handle: (*api).invoiceDunning},
		{pattern: "POST /v1/invoices/{id}/dunning/disputes", scope: scopeWrite, handle: (*api).openDispute},
		{pattern: "POST /v1/invoices/{id}/dunning/disputes/{dispute}/close", scope: scopeWrite, handle: (*api).closeDispute},
		{pattern: "POST /v1/invoices/{id}/dunning/plans", scope: scopeWrite, handle: (*api).createPlan},
		{pattern: "POST /v1/invoices/{id}/dunning/plans/{plan}/cancel", scope: scopeWrite, handle: (*api).cancelPlan},
		{pattern: "GET /v1/customers/{id}/dunning/holds", scope: scopeRead, handle: (*api).customerHolds},
		{pattern: "POST /v1/customers/{id}/dunning/holds", scope: scopeWrite, handle: (*api).placeCustomerHold},
		{pattern: "POST /v1/customers/{id}/dunning/holds/lift", scope: scopeWrite, handle: (*api).liftCustomerHolds},
		{pattern: "PUT /v1/customers/{id}/dunning/scenario", scope: scopeWrite, handle: (*api).setCustomerScenario},
		{pattern: "PUT /v1/invoices/{id}/dunning/scenario", scope: scopeWrite, handle: (*api).setInvoiceScenario},

		{pattern: "GET /v1/webhooks/deliveries", scope: scopeRead, handle: (*api).listDeliveries},
		{pattern: "POST /v1/webhooks/{delivery}/replay", scope: scopeWrite, handle: (*api).replayDelivery},
		{pattern: "GET /v1/webhooks/endpoints", scope: scopeRead, handle: (*api).listEndpoints},
		{pattern: "POST /v1/webhooks/endpoints/{endpoint}/enable", scope: scopeWrite, handle: (*api).enableEndpoint},
		{pattern: "POST /v1/webhooks/endpoints/{endpoint}/disable", scope: scopeWrite, handle: (*api).disableEndpoint},
	}
}

// routeUnmatched labels the metrics of requests no route matched.
const routeUnmatched = "unmatched"

// actorKey carries the authenticated token's name in a request context.
type actorKey struct{}

// actorOf returns the name of the token that authenticated the request:
// the actor the journal records.
func actorOf(r *http.Request) string {
	s, _ := r.Context().Value(actorKey{}).(string)
	return s
}

// wrap adds to a route's handler what every request gets: a request id,
// the body limit, authentication, the error answer, metrics and a log line.
func (a *api) wrap(rt route) http.Handler {
	limit := a.limits.MaxBodyBytes
	if rt.largeBody {
		limit = a.limits.MaxImportBytes
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		reqID := ledger.NewID(a.clock())
		w.Header().Set("X-Request-Id", reqID)
		sw := &statusWriter{ResponseWriter: w}
		var err error
		if r.ContentLength > limit {
			err = &http.MaxBytesError{Limit: limit}
		} else {
			r.Body = http.MaxBytesReader(sw, r.Body, limit)
			var name string
			if name, err = a.authenticate(sw, r, rt.scope); err == nil {
				if name != "" {
					r = r.WithContext(context.WithValue(r.Context(), actorKey{}, name))
				}
				err = rt.handle(a, sw, r)
			}
		}
		if err != nil {
			if sw.status == 0 {
				a.writeError(sw, r, reqID, err)
			} else {
				// The answer had begun (a CSV being streamed): it cannot
				// become an error any more; the client sees it truncated.
				a.log.Error().Err(err).Str("request_id", reqID).Str("route", rt.pattern).Msg("request failed after its answer began")
			}
		}
		if err == nil && rt.scope == scopeWrite && a.change != nil && sw.code() < 400 {
			a.change()
		}
		d := time.Since(start)
		a.metrics.observe(rt.pattern, sw.code(), d)
		lvl := zerolog.InfoLevel
		switch {
		case sw.code() >= 500:
			lvl = zerolog.ErrorLevel
		case rt.quiet && err == nil:
			lvl = zerolog.DebugLevel
		}
		ev := a.log.WithLevel(lvl)
		if err != nil {
			ev = ev.Str("error", logText(err))
		}
		ev.Str("request_id", reqID).Str("method", r.Method).Str("route", rt.pattern).Str("path", r.URL.Path).
			Int("status", sw.code()).Dur("duration", d).Str("actor", actorOf(r)).Msg("http request")
	})
}

// statusWriter remembers the status of the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records the status.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code returns the status sent, 200 when nothing was written.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// logText is an error as the request log shows it. A refused import is
// summarised: its problems quote the file's cells, IBANs included, which
// logs must not carry in clear (the client has them in the answer).
func logText(err error) string {
	var ie *invoicecsv.Error
	if errors.As(err, &ie) {
		return fmt.Sprintf("invoice import refused: %d problem(s)", len(ie.Problems)+ie.More)
	}
	return err.Error()
}
