package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// testReadiness: /readyz is 200 when the store answers with the expected
// schema and the daemon is not draining; 503 with the reason otherwise.
// /healthz stays 200.
func testReadiness(t *testing.T, open opener) {
	var draining atomic.Bool
	e := setup(t, open, func(o *Options) {
		o.Ready = func(context.Context) error {
			if draining.Load() {
				return errors.New("draining: shutting down")
			}
			return nil
		}
	})
	var ok struct {
		Status        string `json:"status"`
		SchemaVersion uint   `json:"schema_version"`
	}
	e.do("GET", "/readyz", "", "", "").want(t, http.StatusOK).decode(t, &ok)
	if ok.Status != "ready" || ok.SchemaVersion == 0 {
		t.Fatalf("readyz = %+v", ok)
	}
	draining.Store(true)
	got := e.do("GET", "/readyz", "", "", "").wantError(t, http.StatusServiceUnavailable, "unavailable")
	if !strings.Contains(got.Message, "draining") {
		t.Fatalf("readyz while draining: %q", got.Message)
	}
	e.do("GET", "/healthz", "", "", "").want(t, http.StatusOK)
	draining.Store(false)
	e.do("GET", "/readyz", "", "", "").want(t, http.StatusOK)

	_ = e.store.Close() // the store goes away
	got = e.do("GET", "/readyz", "", "", "").wantError(t, http.StatusServiceUnavailable, "unavailable")
	if !strings.Contains(got.Message, "store unreachable") {
		t.Fatalf("readyz without a store: %q", got.Message)
	}
	e.do("GET", "/healthz", "", "", "").want(t, http.StatusOK)
}

// testMetrics: requests are counted by route pattern and code, timed by
// route, and /metrics serves the injected gatherer.
func testMetrics(t *testing.T, open opener) {
	e := setup(t, open)
	marker := prometheus.NewCounter(prometheus.CounterOpts{Name: "lettrage_test_marker_total", Help: "test"})
	e.reg.MustRegister(marker)
	marker.Add(7)

	e.get("/v1/invoices").want(t, http.StatusOK)
	e.get("/v1/invoices?limit=2").want(t, http.StatusOK)
	e.do("GET", "/v1/invoices", "", "", "").want(t, http.StatusUnauthorized)
	e.get("/v1/invoices/F-404").want(t, http.StatusNotFound)
	e.get("/v1/nowhere/42").want(t, http.StatusNotFound)
	e.do("DELETE", "/v1/invoices", tokenRW, "", "").want(t, http.StatusMethodNotAllowed)

	body := string(e.do("GET", "/metrics", "", "", "").want(t, http.StatusOK).body)
	for _, want := range []string{
		`lettrage_http_requests_total{code="200",route="GET /v1/invoices"} 2`,
		`lettrage_http_requests_total{code="401",route="GET /v1/invoices"} 1`,
		`lettrage_http_requests_total{code="404",route="GET /v1/invoices/{id}"} 1`,
		`lettrage_http_requests_total{code="404",route="unmatched"} 1`,
		`lettrage_http_requests_total{code="405",route="unmatched"} 1`,
		`lettrage_http_request_duration_seconds_count{route="GET /v1/invoices"} 3`,
		`lettrage_test_marker_total 7`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "F-404") || strings.Contains(body, "nowhere") {
		t.Error("/metrics labels carry raw paths")
	}
}
