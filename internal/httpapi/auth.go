package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// Token is one accepted bearer token, as configured (api.tokens).
type Token struct {
	// Name identifies the token in logs and is the actor the journal
	// records for its changes.
	Name string
	// SHA256 is the hex SHA-256 of the token (64 digits, either case);
	// the token itself is never configured.
	SHA256 string
	// Scopes are "read" and/or "write".
	Scopes []string
}

// scope is what a route asks of a token.
type scope string

// Scopes a route may need.
const (
	scopeNone  scope = ""      // public: no token
	scopeRead  scope = "read"  // GET and HEAD
	scopeWrite scope = "write" // every change
)

// token is a configured token ready for comparison.
type token struct {
	name        string
	hash        [sha256.Size]byte
	read, write bool
}

// parseTokens checks and decodes the configured tokens.
func parseTokens(ts []Token) ([]token, error) {
	out := make([]token, 0, len(ts))
	names := make(map[string]bool, len(ts))
	hashes := make(map[[sha256.Size]byte]string, len(ts))
	for i, t := range ts {
		if t.Name == "" {
			return nil, fmt.Errorf("httpapi: token %d: no name", i+1)
		}
		if names[t.Name] {
			return nil, fmt.Errorf("httpapi: token %q: name used twice", t.Name)
		}
		names[t.Name] = true
		raw, err := hex.DecodeString(t.SHA256)
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("httpapi: token %q: sha256 must be 64 hex digits (the SHA-256 of the token, not the token)", t.Name)
		}
		tk := token{name: t.Name}
		copy(tk.hash[:], raw)
		if other, dup := hashes[tk.hash]; dup {
			return nil, fmt.Errorf("httpapi: tokens %q and %q have the same hash", other, t.Name)
		}
		hashes[tk.hash] = t.Name
		for _, s := range t.Scopes {
			switch scope(s) {
			case scopeRead:
				tk.read = true
			case scopeWrite:
				tk.write = true
			default:
				return nil, fmt.Errorf("httpapi: token %q: unknown scope %q (want read or write)", t.Name, s)
			}
		}
		out = append(out, tk)
	}
	return out, nil
}

// authenticate checks the request's bearer token against the scope the
// route needs and returns the token's name. It sets WWW-Authenticate on a
// refusal (RFC 6750).
func (a *api) authenticate(w http.ResponseWriter, r *http.Request, need scope) (string, error) {
	if need == scopeNone {
		return "", nil
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lettrage"`)
		return "", &requestError{kind: errUnauthorized, msg: "missing bearer token (Authorization: Bearer <token>)"}
	}
	kind, cred, ok := strings.Cut(h, " ")
	cred = strings.TrimSpace(cred)
	if !ok || !strings.EqualFold(kind, "Bearer") || cred == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lettrage", error="invalid_request"`)
		return "", &requestError{kind: errUnauthorized, msg: "malformed Authorization header: want Bearer <token>"}
	}
	tk := a.lookup(cred)
	if tk == nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lettrage", error="invalid_token"`)
		return "", &requestError{kind: errUnauthorized, msg: "unknown bearer token"}
	}
	if (need == scopeRead && !tk.read) || (need == scopeWrite && !tk.write) {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="lettrage", error="insufficient_scope", scope=%q`, string(need)))
		return tk.name, &requestError{kind: errForbidden, msg: fmt.Sprintf("token %q lacks the %s scope", tk.name, need)}
	}
	return tk.name, nil
}

// lookup returns the configured token whose hash is the SHA-256 of cred,
// or nil. Every configured hash is compared, in constant time, whatever
// matches: the time taken says nothing about which token (or how much of
// a hash) matched.
func (a *api) lookup(cred string) *token {
	sum := sha256.Sum256([]byte(cred))
	found := -1
	for i := range a.tokens {
		if subtle.ConstantTimeCompare(sum[:], a.tokens[i].hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil
	}
	return &a.tokens[found]
}
