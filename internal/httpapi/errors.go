package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/lettrage/lettrage/internal/invoicecsv"
	"github.com/lettrage/lettrage/internal/ledger"
)

// Errors of the HTTP layer itself; handlers return them inside a
// *requestError that carries the message.
var (
	errBadRequest       = errors.New("bad request")
	errUnauthorized     = errors.New("unauthorized")
	errForbidden        = errors.New("forbidden")
	errRouteNotFound    = errors.New("no such route")
	errMethodNotAllowed = errors.New("method not allowed")
	errUnsupportedMedia = errors.New("unsupported media type")
	errUnavailable      = errors.New("unavailable")
)

// requestError is an error of the request, with the message the client
// reads and optional details.
type requestError struct {
	kind    error
	msg     string
	details any
}

func (e *requestError) Error() string { return e.msg }
func (e *requestError) Unwrap() error { return e.kind }

// badRequest reports a malformed request (syntax, query parameters).
func badRequest(format string, args ...any) error {
	return &requestError{kind: errBadRequest, msg: fmt.Sprintf(format, args...)}
}

// invalid reports a well-formed request that breaks a rule.
func invalid(format string, args ...any) error {
	return &requestError{kind: ledger.ErrInvalid, msg: fmt.Sprintf(format, args...)}
}

// errorMapping is one row of the error table.
type errorMapping struct {
	match  func(error) bool
	status int
	code   string
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

func isImportRefused(err error) bool {
	var ie *invoicecsv.Error
	return errors.As(err, &ie)
}

// errorTable maps errors to HTTP statuses and stable codes: the one place
// where that is decided. The first row that matches wins; an error no row
// matches is 500 internal, and its text is logged, not sent.
var errorTable = []errorMapping{
	{isMaxBytes, http.StatusRequestEntityTooLarge, "too_large"},
	{is(errBadRequest), http.StatusBadRequest, "bad_request"},
	{is(errUnauthorized), http.StatusUnauthorized, "unauthorized"},
	{is(errForbidden), http.StatusForbidden, "forbidden"},
	{is(errRouteNotFound), http.StatusNotFound, "not_found"},
	{is(errMethodNotAllowed), http.StatusMethodNotAllowed, "method_not_allowed"},
	{is(errUnsupportedMedia), http.StatusUnsupportedMediaType, "unsupported_media_type"},
	{is(errUnavailable), http.StatusServiceUnavailable, "unavailable"},
	{is(ledger.ErrNotFound), http.StatusNotFound, "not_found"},
	{is(ledger.ErrConflict), http.StatusConflict, "conflict"},
	{isImportRefused, http.StatusUnprocessableEntity, "invalid"},
	{is(ledger.ErrInvalid), http.StatusUnprocessableEntity, "invalid"},
	{is(ledger.ErrCurrencyMismatch), http.StatusUnprocessableEntity, "invalid"},
	{is(ledger.ErrOverflow), http.StatusUnprocessableEntity, "invalid"},
	{is(ledger.ErrSchemaTooNew), http.StatusServiceUnavailable, "unavailable"},
	{is(context.DeadlineExceeded), http.StatusServiceUnavailable, "unavailable"},
	{is(context.Canceled), http.StatusServiceUnavailable, "unavailable"},
}

// classify returns the status and code of an error.
func classify(err error) (int, string) {
	for _, m := range errorTable {
		if m.match(err) {
			return m.status, m.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// problemJSON is one problem of a refused invoice import.
type problemJSON struct {
	Line    int    `json:"line,omitempty"`   // CSV line (the header is line 1)
	Record  int    `json:"record,omitempty"` // 1-based data record
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

// importConflictJSON is one invoice an import would break.
type importConflictJSON struct {
	InvoiceID string `json:"invoice_id"`
	Reason    string `json:"reason"`
}

// detailsOf returns the structured details an error carries, if any.
func detailsOf(err error) any {
	var re *requestError
	if errors.As(err, &re) && re.details != nil {
		return re.details
	}
	var ie *invoicecsv.Error
	if errors.As(err, &ie) {
		ps := make([]problemJSON, len(ie.Problems))
		for i, p := range ie.Problems {
			ps[i] = problemJSON{Line: p.Line, Record: p.Record, Column: p.Column, Message: p.Err.Error()}
		}
		return map[string]any{"problems": ps, "more": ie.More}
	}
	var ce *ledger.ImportConflictError
	if errors.As(err, &ce) {
		cs := make([]importConflictJSON, len(ce.Conflicts))
		for i, c := range ce.Conflicts {
			cs[i] = importConflictJSON{InvoiceID: c.InvoiceID, Reason: c.Reason}
		}
		return map[string]any{"conflicts": cs}
	}
	return nil
}

// writeError answers with the JSON error of err. A server-side error's
// text is not sent: the request's log line has it.
func (a *api) writeError(w http.ResponseWriter, _ *http.Request, reqID string, err error) {
	status, code := classify(err)
	msg := err.Error()
	if status == http.StatusInternalServerError {
		msg = "internal error; the server log has the details under this request id"
	}
	writeJSON(w, status, errorBody{Error: errorJSON{Code: code, Message: msg, Details: detailsOf(err), RequestID: reqID}})
}
