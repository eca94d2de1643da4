package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own response types are marshalled; they always are.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"response encoding failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// decodeJSON reads the request body, one JSON value, into v. Unknown
// fields, trailing data, JSON numbers where strings are expected (amounts)
// and a body of another media type are refused. An empty body leaves v
// as it is when optional is true.
func decodeJSON(r *http.Request, v any, optional bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return &requestError{kind: errUnsupportedMedia, msg: "request body must be application/json, not " + ct}
		}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if isMaxBytes(err) {
			return err
		}
		return badRequest("read request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return badRequest("request body: a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return badRequest("request body: field %s: want %s, got JSON %s", te.Field, goTypeName(te.Type.String()), te.Value)
		}
		return badRequest("request body: %v", err)
	}
	if dec.More() {
		return badRequest("request body: data after the JSON value")
	}
	return nil
}

// goTypeName names a Go type for a client.
func goTypeName(t string) string {
	switch {
	case t == "string":
		return "a string (amounts are decimal strings such as \"120.50\")"
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case strings.HasPrefix(t, "httpapi."), strings.HasPrefix(t, "struct"):
		return "an object"
	}
	return t
}

// page is a listing's cursor and size.
type page struct {
	after string
	limit int
}

// pageOf reads after and limit.
func (a *api) pageOf(q url.Values) (page, error) {
	p := page{after: q.Get("after"), limit: a.limits.DefaultPageSize}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > a.limits.MaxPageSize {
			return p, badRequest("limit %q: want an integer from 1 to %d", s, a.limits.MaxPageSize)
		}
		p.limit = n
	}
	return p, nil
}

// listJSON is a page of a listing. NextAfter, when present, is the cursor
// of the next page (pass it as after); it is absent on the last page.
type listJSON[T any] struct {
	Items     []T    `json:"items"`
	NextAfter string `json:"next_after,omitempty"`
}

// pageOut trims a listing fetched with limit+1 to the page and sets the
// cursor when there is more.
func pageOut[S any, T any](items []S, p page, id func(*S) string, conv func(*S) (T, error)) (listJSON[T], error) {
	out := listJSON[T]{Items: make([]T, 0, min(len(items), p.limit))}
	more := len(items) > p.limit
	if more {
		items = items[:p.limit]
	}
	for i := range items {
		v, err := conv(&items[i])
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, v)
	}
	if more && len(items) > 0 {
		out.NextAfter = id(&items[len(items)-1])
	}
	return out, nil
}

// oneOf checks that a query parameter is one of the allowed values.
func oneOf(q url.Values, name string, allowed ...string) (string, error) {
	v := q.Get(name)
	if v == "" {
		return "", nil
	}
	for _, x := range allowed {
		if v == x {
			return v, nil
		}
	}
	return "", badRequest("%s %q: want one of %s", name, v, strings.Join(allowed, ", "))
}

// boolParam reads a true/false query parameter.
func boolParam(q url.Values, name string) (bool, error) {
	v := q.Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, badRequest("%s %q: want true or false", name, v)
	}
	return b, nil
}

// checkParams refuses query parameters the route does not know, so that a
// misspelt filter is an error rather than a silently unfiltered list.
func checkParams(q url.Values, known ...string) error {
	for name := range q {
		ok := false
		for _, k := range known {
			if name == k {
				ok = true
				break
			}
		}
		if !ok {
			return badRequest("unknown query parameter %q (known: %s)", name, strings.Join(known, ", "))
		}
	}
	return nil
}
