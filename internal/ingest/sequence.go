package ingest

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/lettrage/lettrage/internal/ledger"
)

// sequences remembers, per account, the highest electronic sequence number
// (CAMT ElctrncSeqNb) stored, to notice a statement that skips numbers. It
// is loaded from the store an account at a time, on first need, and used
// by the processing goroutine only.
type sequences struct {
	store Store
	last  map[string]int64 // account → highest number seen; 0 when none
}

func newSequences(s Store) *sequences { return &sequences{store: s, last: map[string]int64{}} }

// seqNumber reads an electronic sequence number; ok is false when absent
// or not a positive integer (then nothing is checked).
func seqNumber(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// load reads the highest number stored for an account, leaving out the
// statements of file hash skip (the file being checked).
func (q *sequences) load(ctx context.Context, account, skip string) (int64, error) {
	var max int64
	after := ""
	for {
		sts, err := q.store.ListStatements(ctx, ledger.StatementFilter{AccountID: account, After: after, Limit: 500})
		if err != nil {
			return 0, fmt.Errorf("sequence numbers of account %s: %w", maskAccount(account), err)
		}
		for _, st := range sts {
			if n, ok := seqNumber(st.Header.ElectronicSeq); ok && n > max && st.FileHash != skip {
				max = n
			}
		}
		if len(sts) < 500 {
			return max, nil
		}
		after = sts[len(sts)-1].ID
	}
}

// gap is a jump in an account's sequence numbers.
type gap struct {
	account         string
	statementID     string
	previous, found int64
}

// check compares the statements of a just stored file with what was stored
// before it, per account, and returns the gaps (a number more than one
// above the previous highest). A number at or below the highest is a late
// or repeated statement, not a gap. The remembered numbers are then
// updated. A suspected gap is confirmed against the store first, since
// another replica may have stored the statements in between.
func (q *sequences) check(ctx context.Context, res ledger.StatementFileResult) ([]gap, error) {
	var gaps []gap
	for _, st := range res.Statements {
		n, ok := seqNumber(st.Header.ElectronicSeq)
		if !ok {
			continue
		}
		last, known := q.last[st.AccountID]
		if !known {
			var err error
			if last, err = q.load(ctx, st.AccountID, res.FileHash); err != nil {
				return gaps, err
			}
		}
		if last > 0 && n > last+1 && known {
			// Remembered numbers may be stale: ask the store.
			fresh, err := q.load(ctx, st.AccountID, res.FileHash)
			if err != nil {
				return gaps, err
			}
			last = max(last, fresh)
		}
		if last > 0 && n > last+1 {
			gaps = append(gaps, gap{account: st.AccountID, statementID: st.ID, previous: last, found: n})
		}
		q.last[st.AccountID] = max(last, n)
	}
	return gaps, nil
}

// maskAccount masks an account identifier for logs: an IBAN or a RIB shows
// its first four and last four characters only.
func maskAccount(s string) string {
	if len(s) <= 8 {
		return "…"
	}
	return s[:4] + "…" + s[len(s)-4:]
}
