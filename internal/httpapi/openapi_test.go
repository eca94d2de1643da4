package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// openAPIParam is a parameter of an operation (inline or a $ref).
type openAPIParam struct {
	Ref  string `json:"$ref"`
	Name string `json:"name"`
	In   string `json:"in"`
}

// openAPIOperation is what the test reads of an operation.
type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []openAPIParam             `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

var httpMethods = []string{"get", "head", "post", "put", "patch", "delete", "options", "trace"}

// documentedOperations reads openapi.json into "METHOD /path" → operation.
func documentedOperations(t *testing.T) map[string]openAPIOperation {
	t.Helper()
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi.json is OpenAPI %q, want 3.1.x", doc.OpenAPI)
	}
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPICoversRoutes holds openapi.json and the route table to each
// other: every registered route is documented, every documented operation
// is registered, with the same authentication, path parameters, and an
// operationId of its own.
func TestOpenAPICoversRoutes(t *testing.T) {
	t.Parallel()
	ops := documentedOperations(t)
	registered := map[string]route{}
	for _, rt := range routes() {
		if _, dup := registered[rt.pattern]; dup {
			t.Errorf("route %s registered twice", rt.pattern)
		}
		registered[rt.pattern] = rt
	}
	for pattern := range registered {
		if _, ok := ops[pattern]; !ok {
			t.Errorf("route %s is not documented in openapi.json", pattern)
		}
	}
	ids := map[string]string{}
	wildcard := regexp.MustCompile(`\{([^}]+)\}`)
	for key, op := range ops {
		rt, ok := registered[key]
		if !ok {
			t.Errorf("openapi.json documents %s, which no route serves", key)
			continue
		}
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		} else if other, dup := ids[op.OperationID]; dup {
			t.Errorf("%s: operationId %q also used by %s", key, op.OperationID, other)
		}
		ids[op.OperationID] = key
		if len(op.Responses) == 0 {
			t.Errorf("%s: no responses", key)
		}
		if op.Security == nil {
			t.Errorf("%s: security not stated (use [] for a public route)", key)
			continue
		}
		var documented scope
		switch sec := *op.Security; {
		case len(sec) == 0:
			documented = scopeNone
		case len(sec) == 1 && len(sec[0]["bearer"]) == 1:
			documented = scope(sec[0]["bearer"][0])
		default:
			t.Errorf("%s: security %v, want [] or [{\"bearer\": [scope]}]", key, sec)
			continue
		}
		if documented != rt.scope {
			t.Errorf("%s: documented scope %q, route needs %q", key, documented, rt.scope)
		}
		if rt.scope != scopeNone {
			for _, code := range []string{"401", "403"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s: authenticated, but %s is not documented", key, code)
				}
			}
		}
		for _, m := range wildcard.FindAllStringSubmatch(key, -1) {
			if !slices.ContainsFunc(op.Parameters, func(p openAPIParam) bool { return p.In == "path" && p.Name == m[1] }) {
				t.Errorf("%s: path parameter %s not documented", key, m[1])
			}
		}
	}
}

// TestOpenAPIRoutesAreServed checks that each route of the table answers
// on the handler New builds (no 404 from the mux), so the table the
// coverage test reads is the one in use.
func TestOpenAPIRoutesAreServed(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h, err := New(Options{Store: openSQLite(t), Gatherer: reg, Registerer: reg, Tokens: testTokens()})
	if err != nil {
		t.Fatal(err)
	}
	a := h.(*api)
	for _, rt := range routes() {
		method, path := samplePath(rt.pattern)
		req := httptest.NewRequest(method, path, nil)
		if _, p := a.mux.Handler(req); p != rt.pattern {
			t.Errorf("%s %s is served by %q, want %q", method, path, p, rt.pattern)
		}
	}
	// The document served is the one in the repository.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.json", nil))
	onDisk, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || !bytes.Equal(rec.Body.Bytes(), onDisk) {
		t.Fatalf("GET /v1/openapi.json: %d %s, %d bytes (file has %d)", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Len(), len(onDisk))
	}
}

// TestOpenAPIReferencesResolve checks every $ref of the document points at
// something it defines.
func TestOpenAPIReferencesResolve(t *testing.T) {
	t.Parallel()
	var doc any
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	var refs []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if s, ok := c.(string); ok && k == "$ref" {
					refs = append(refs, s)
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(doc)
	if len(refs) < 50 {
		t.Fatalf("only %d $refs found", len(refs))
	}
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "#/") {
			t.Errorf("$ref %q is not local", ref)
			continue
		}
		var cur any = doc
		for _, part := range strings.Split(ref[2:], "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]
		}
		if cur == nil {
			t.Errorf("$ref %q resolves to nothing", ref)
		}
	}
}
