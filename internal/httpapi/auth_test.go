package httpapi

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// samplePath turns a route pattern into a request: "POST /v1/matches/{id}/confirm"
// becomes POST /v1/matches/X/confirm.
func samplePath(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return method, path
		}
		j := strings.IndexByte(path[i:], '}')
		path = path[:i] + "X" + path[i+j+1:]
	}
}

// testAuth holds every authenticated route to its scope: no token, a
// malformed header or an unknown token is 401 with WWW-Authenticate; a
// token without the scope is 403; the right token gets past
// authentication. It walks the route table, so a new route cannot escape.
func testAuth(t *testing.T, open opener) {
	e := setup(t, open)
	n := 0
	for _, rt := range routes() {
		if rt.scope == scopeNone {
			continue
		}
		n++
		method, path := samplePath(rt.pattern)
		if (method == http.MethodGet) != (rt.scope == scopeRead) {
			t.Errorf("%s: scope %s; GET routes need read, changes need write", rt.pattern, rt.scope)
		}
		lacking := tokenWO // a write-only token cannot read
		if rt.scope == scopeWrite {
			lacking = tokenRO // a read-only token cannot write
		}
		for _, tc := range []struct {
			name   string
			header string
			status int
			code   string
			auth   string // WWW-Authenticate must contain it
		}{
			{"no token", "", http.StatusUnauthorized, "unauthorized", `Bearer realm="lettrage"`},
			{"wrong token", "Bearer " + tokenWrong, http.StatusUnauthorized, "unauthorized", `error="invalid_token"`},
			{"basic auth", "Basic " + tokenRW, http.StatusUnauthorized, "unauthorized", `error="invalid_request"`},
			{"empty bearer", "Bearer ", http.StatusUnauthorized, "unauthorized", `error="invalid_request"`},
			{"token of a prefix", "Bearer " + tokenRW[:len(tokenRW)-1], http.StatusUnauthorized, "unauthorized", `error="invalid_token"`},
			{"lacking scope", "Bearer " + lacking, http.StatusForbidden, "forbidden", `error="insufficient_scope", scope="` + string(rt.scope) + `"`},
		} {
			req, err := http.NewRequestWithContext(t.Context(), method, e.srv.URL+path, strings.NewReader(`{"reason":"x"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			res, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			a := readAnswer(t, res)
			if a.status != tc.status {
				t.Errorf("%s, %s: status %d, want %d: %s", rt.pattern, tc.name, a.status, tc.status, a.body)
				continue
			}
			if got := a.errorOf(t).Code; got != tc.code {
				t.Errorf("%s, %s: code %q, want %q", rt.pattern, tc.name, got, tc.code)
			}
			if got := a.header.Get("WWW-Authenticate"); !strings.Contains(got, tc.auth) {
				t.Errorf("%s, %s: WWW-Authenticate %q, want it to contain %q", rt.pattern, tc.name, got, tc.auth)
			}
		}
		// The right token passes authentication (what follows depends on
		// the route: the sample ids do not exist).
		tok := tokenRW
		if rt.scope == scopeWrite && n%2 == 0 {
			tok = tokenWO
		}
		a := e.do(method, path, tok, "application/json", `{"reason":"x"}`)
		if a.status == http.StatusUnauthorized || a.status == http.StatusForbidden {
			t.Errorf("%s with a token of the scope: %d %s", rt.pattern, a.status, a.body)
		}
	}
	if n < 15 {
		t.Fatalf("only %d authenticated routes checked", n)
	}
	// A lower-case scheme is accepted (RFC 7235: case-insensitive).
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/v1/invoices", nil)
	req.Header.Set("Authorization", "bearer "+tokenRO)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAnswer(t, res).want(t, http.StatusOK)
}

// testPublicRoutes: the probes, /metrics and the OpenAPI document need no
// token.
func testPublicRoutes(t *testing.T, open opener) {
	e := setup(t, open)
	for _, rt := range routes() {
		if rt.scope != scopeNone {
			continue
		}
		method, path := samplePath(rt.pattern)
		e.do(method, path, "", "", "").want(t, http.StatusOK)
	}
}

// testActorIsTokenName: the journal names the token that made a change.
func testActorIsTokenName(t *testing.T, open opener) {
	e := setup(t, open)
	e.do(http.MethodPost, "/v1/invoices", tokenWO, "text/csv", invoicesCSV).want(t, http.StatusOK)
	rows := e.journal("F-1")
	if len(rows) == 0 || rows[0].Actor != "loader" || rows[0].Action != "invoice.created" {
		t.Fatalf("journal of F-1 = %+v, want invoice.created by loader", rows)
	}
}

func TestNewRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	good := hashHex("x")
	for _, tc := range []struct {
		name   string
		edit   func(*Options)
		errHas string
	}{
		{"no store", func(o *Options) { o.Store = nil }, "no store"},
		{"no gatherer", func(o *Options) { o.Gatherer = nil }, "gatherer"},
		{"no registerer", func(o *Options) { o.Registerer = nil }, "registerer"},
		{"token in clear", func(o *Options) { o.Tokens = []Token{{Name: "a", SHA256: "my-secret-token", Scopes: []string{"read"}}} }, "64 hex digits"},
		{"short hash", func(o *Options) { o.Tokens = []Token{{Name: "a", SHA256: good[:62], Scopes: []string{"read"}}} }, "64 hex digits"},
		{"unknown scope", func(o *Options) { o.Tokens = []Token{{Name: "a", SHA256: good, Scopes: []string{"admin"}}} }, `unknown scope "admin"`},
		{"no name", func(o *Options) { o.Tokens = []Token{{SHA256: good, Scopes: []string{"read"}}} }, "no name"},
		{"name twice", func(o *Options) {
			o.Tokens = []Token{{Name: "a", SHA256: good, Scopes: []string{"read"}}, {Name: "a", SHA256: hashHex("y"), Scopes: []string{"write"}}}
		}, "used twice"},
		{"hash twice", func(o *Options) {
			o.Tokens = []Token{{Name: "a", SHA256: good, Scopes: []string{"read"}}, {Name: "b", SHA256: good, Scopes: []string{"write"}}}
		}, "same hash"},
		{"page sizes", func(o *Options) { o.Limits = Limits{DefaultPageSize: 50, MaxPageSize: 10} }, "page size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			o := Options{Store: st, Gatherer: reg, Registerer: reg, Tokens: testTokens()}
			tc.edit(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("New: %v, want an error containing %q", err, tc.errHas)
			}
		})
	}
	// Two APIs on one registry is a wiring mistake, reported.
	reg := prometheus.NewRegistry()
	if _, err := New(Options{Store: st, Gatherer: reg, Registerer: reg}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Store: st, Gatherer: reg, Registerer: reg}); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("second New on one registry: %v", err)
	}
}

func readAnswer(t *testing.T, res *http.Response) answer {
	t.Helper()
	defer res.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, res.Body); err != nil {
		t.Fatal(err)
	}
	return answer{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
}
