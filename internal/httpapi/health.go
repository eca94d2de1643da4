package httpapi

import (
	"context"
	_ "embed"
	"fmt"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of the API, kept in the
// repository beside the code and held to the routes by a test.
//
//go:embed openapi.json
var openAPIDocument []byte

// healthz says the process is alive and serving; it checks nothing else.
func (a *api) healthz(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// readyz says whether the daemon takes work: not draining (Options.Ready)
// and the store answering with the schema this binary expects.
func (a *api) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), a.limits.ReadyTimeout)
	defer cancel()
	if a.ready != nil {
		if err := a.ready(ctx); err != nil {
			return &requestError{kind: errUnavailable, msg: "not ready: " + err.Error()}
		}
	}
	v, err := a.store.SchemaVersion(ctx)
	switch {
	case err != nil:
		return &requestError{kind: errUnavailable, msg: "not ready: store unreachable: " + err.Error()}
	case v.Dirty:
		return &requestError{kind: errUnavailable, msg: fmt.Sprintf("not ready: store schema version %d is dirty (a migration failed half-way)", v.Current)}
	case v.Current != v.Latest:
		return &requestError{kind: errUnavailable, msg: fmt.Sprintf("not ready: store schema version %d, this binary expects %d (run lettrage migrate)", v.Current, v.Latest)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "schema_version": v.Current})
	return nil
}

// metricsHandler serves the injected gatherer in the Prometheus formats.
func (a *api) metricsHandler(w http.ResponseWriter, r *http.Request) error {
	a.scrape.ServeHTTP(w, r)
	return nil
}

// openAPI serves the OpenAPI document.
func (a *api) openAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(openAPIDocument)
	return nil
}
