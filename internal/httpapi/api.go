package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"github.com/lettrage/lettrage/internal/dunningrun"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Store is what the API reads and changes; a ledger.Store satisfies it.
// Its methods keep the storage contract of package ledger (one transaction
// per call, journal and outbox events committed with the change).
type Store interface {
	ledger.InvoiceStore
	ledger.MatchStore
	ledger.StatementStore
	ledger.CustomerStore
	ledger.AuditStore
	ledger.OutboxStore
	// SchemaVersion backs /readyz: the store is ready when it answers and
	// its schema is the one this binary expects.
	SchemaVersion(ctx context.Context) (ledger.SchemaVersion, error)
}

// Options are the API's dependencies and settings. Store, Gatherer and
// Registerer are required.
type Options struct {
	Store Store
	// Logger receives one line per request (debug for the operational
	// endpoints) and every server-side error.
	Logger zerolog.Logger
	// Gatherer is what /metrics exposes (the daemon's own registry).
	Gatherer prometheus.Gatherer
	// Registerer receives the API's own metrics (requests by route and
	// code, latency).
	Registerer prometheus.Registerer
	// Ready reports whether the daemon takes work: nil when it does, an
	// error saying why not (e.g. "draining") otherwise. /readyz checks it
	// before the store. Nil means always ready.
	Ready func(ctx context.Context) error
	// Tokens are the accepted bearer tokens.
	Tokens []Token
	// Clock gives "now" (the aged balance's default date, request ids);
	// time.Now when nil.
	Clock func() time.Time
	// Location is the time zone of business dates ("today" for the aged
	// balance): the dunning time zone. UTC when nil.
	Location *time.Location
	// Dunning serves the dunning routes (case file, disputes, payment
	// plans, customer holds); nil answers them 503.
	Dunning *dunningrun.Runner
	// Limits bound requests; zero fields take their defaults.
	Limits Limits
	// OnChange, when not nil, is called after each successful write
	// request (a lettrage confirmed, reversed, an invoice imported…), e.g.
	// to wake the webhook dispatcher. It must not block.
	OnChange func()
}

// Limits bound what one request may ask.
type Limits struct {
	// MaxBodyBytes bounds a request body; 1 MiB when zero.
	MaxBodyBytes int64
	// MaxImportBytes bounds an invoice import (POST /v1/invoices); 32 MiB
	// when zero.
	MaxImportBytes int64
	// DefaultPageSize is a listing's page size when limit is not given;
	// 100 when zero.
	DefaultPageSize int
	// MaxPageSize is the largest limit a listing accepts; 1000 when zero.
	MaxPageSize int
	// ReadyTimeout bounds the store check of /readyz; 2 s when zero.
	ReadyTimeout time.Duration
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = 1 << 20
	}
	if l.MaxImportBytes <= 0 {
		l.MaxImportBytes = 32 << 20
	}
	if l.MaxPageSize <= 0 {
		l.MaxPageSize = 1000
	}
	if l.DefaultPageSize <= 0 {
		l.DefaultPageSize = min(100, l.MaxPageSize)
	}
	if l.ReadyTimeout <= 0 {
		l.ReadyTimeout = 2 * time.Second
	}
	return l
}

// api serves the routes; it holds no mutable state.
type api struct {
	store   Store
	log     zerolog.Logger
	scrape  http.Handler // /metrics
	ready   func(ctx context.Context) error
	tokens  []token
	clock   func() time.Time
	loc     *time.Location
	limits  Limits
	dunning *dunningrun.Runner
	change  func()
	metrics *httpMetrics
	mux     *http.ServeMux
}

// New returns the HTTP handler of the API, /metrics and the probes. It
// fails on a missing dependency, an invalid token (hash not 64 hex digits,
// unknown scope, name empty or used twice) or metrics already registered
// on the Registerer.
func New(o Options) (http.Handler, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("httpapi: no store")
	case o.Gatherer == nil:
		return nil, errors.New("httpapi: no prometheus gatherer for /metrics")
	case o.Registerer == nil:
		return nil, errors.New("httpapi: no prometheus registerer")
	}
	limits := o.Limits.withDefaults()
	if limits.DefaultPageSize > limits.MaxPageSize {
		return nil, fmt.Errorf("httpapi: default page size %d above the maximum %d", limits.DefaultPageSize, limits.MaxPageSize)
	}
	tokens, err := parseTokens(o.Tokens)
	if err != nil {
		return nil, err
	}
	m, err := newHTTPMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	a := &api{
		store:   o.Store,
		log:     o.Logger,
		scrape:  promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}),
		ready:   o.Ready,
		tokens:  tokens,
		clock:   o.Clock,
		loc:     o.Location,
		limits:  limits,
		dunning: o.Dunning,
		change:  o.OnChange,
		metrics: m,
		mux:     http.NewServeMux(),
	}
	if a.clock == nil {
		a.clock = time.Now
	}
	if a.loc == nil {
		a.loc = time.UTC
	}
	if len(tokens) == 0 {
		a.log.Warn().Msg("no API token configured: every /v1 request but the OpenAPI document will be refused")
	}
	for _, rt := range routes() {
		a.mux.Handle(rt.pattern, a.wrap(rt))
	}
	return a, nil
}

// ServeHTTP routes a request. The mux's own 404 and 405 answers are plain
// text; they are replaced by JSON errors here.
func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := a.mux.Handler(r); pattern == "" {
		a.unrouted(w, r)
		return
	}
	a.mux.ServeHTTP(w, r)
}

// probeMethods are the methods tried to tell 405 from 404.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// unrouted answers a request no route matches: 405 with Allow when its
// path has routes for other methods, 404 otherwise.
func (a *api) unrouted(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var allow []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := r.WithContext(r.Context())
		probe.Method = m
		if _, p := a.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	reqID := ledger.NewID(a.clock())
	w.Header().Set("X-Request-Id", reqID)
	sw := &statusWriter{ResponseWriter: w}
	var err error
	if len(allow) > 0 {
		sw.Header().Set("Allow", strings.Join(allow, ", "))
		err = &requestError{kind: errMethodNotAllowed, msg: fmt.Sprintf("%s %s: method not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))}
	} else {
		err = &requestError{kind: errRouteNotFound, msg: fmt.Sprintf("no route %s %s", r.Method, r.URL.Path)}
	}
	a.writeError(sw, r, reqID, err)
	a.metrics.observe(routeUnmatched, sw.code(), time.Since(start))
}
