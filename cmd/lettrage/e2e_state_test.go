package main

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/bench"
	"github.com/lettrage/lettrage/internal/ledger"
)

// The final state of a daemon's run, as users see it (data directory, API,
// webhooks received), in a form two runs of the same input can be
// compared in: no run-specific ids, sorted.

// runState is what a run of the daemon left.
type runState struct {
	// Files lists "archive <name>" per archived copy, "rejected <name>"
	// per rejected file, "inbox <name>" and "processing <name>" per file
	// still there.
	Files []string
	// Transactions lists "account bank_ref direction amount booking_date"
	// per stored transaction.
	Transactions []string
	// Invoices lists "id status open_amount".
	Invoices []string
	// Matches lists "bank_ref decision status invoice=amount…" per match.
	Matches []string
	// Events lists each distinct event received, as its eventKey.
	Events []string
}

// archivedName strips the content hash from an archive/ file name.
var archivedName = regexp.MustCompile(`^[0-9a-f]{64}-`)

// collectState reads the state of d's run: its data directory, its API
// and the events rcv accepted.
func collectState(t *testing.T, d *daemon, rcv *receiver) runState {
	t.Helper()
	var s runState
	s.Files = dataDirFiles(t, d.dataDir)
	type txJSON struct {
		AccountID   string `json:"account_id"`
		BankRef     string `json:"bank_ref"`
		Direction   string `json:"direction"`
		Amount      string `json:"amount"`
		BookingDate string `json:"booking_date"`
	}
	for _, tx := range listAll[txJSON](t, d, "/v1/transactions", nil) {
		s.Transactions = append(s.Transactions, fmt.Sprintf("%s %s %s %s %s", tx.AccountID, tx.BankRef, tx.Direction, tx.Amount, tx.BookingDate))
	}
	type invJSON struct {
		ID         string `json:"id"`
		Status     string `json:"status"`
		OpenAmount string `json:"open_amount"`
	}
	for _, inv := range listAll[invJSON](t, d, "/v1/invoices", nil) {
		s.Invoices = append(s.Invoices, fmt.Sprintf("%s %s %s", inv.ID, inv.Status, inv.OpenAmount))
	}
	type matchJSON struct {
		Decision    string `json:"decision"`
		Status      string `json:"status"`
		Allocations []struct {
			InvoiceID string `json:"invoice_id"`
			Amount    string `json:"amount"`
		} `json:"allocations"`
		Transaction struct {
			BankRef string `json:"bank_ref"`
		} `json:"transaction"`
	}
	for _, m := range listAll[matchJSON](t, d, "/v1/matches", url.Values{"status": {"any"}}) {
		line := fmt.Sprintf("%s %s %s", m.Transaction.BankRef, m.Decision, m.Status)
		for _, a := range m.Allocations {
			line += " " + a.InvoiceID + "=" + a.Amount
		}
		s.Matches = append(s.Matches, line)
	}
	seen := map[string]bool{}
	for _, e := range rcv.accepted() {
		k := eventKey(e)
		if !seen[k] {
			seen[k] = true
			s.Events = append(s.Events, k)
		}
	}
	for _, l := range [][]string{s.Files, s.Transactions, s.Invoices, s.Matches, s.Events} {
		sort.Strings(l)
	}
	return s
}

// dataDirFiles lists the files of inbox/, processing/, archive/ and
// rejected/ (reports aside) under their arrival names.
func dataDirFiles(t *testing.T, dataDir string) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"inbox", "processing", "archive", "rejected"} {
		root := filepath.Join(dataDir, dir)
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p == root {
				return nil
			}
			name := e.Name()
			switch {
			case dir == "processing" && e.IsDir() && filepath.Dir(p) == root:
				return nil // a replica's directory
			case dir == "archive" && e.IsDir():
				return nil // YYYY/MM
			case dir == "rejected" && strings.HasSuffix(name, ".error.json"):
				return nil
			case dir == "archive":
				name = archivedName.ReplaceAllString(name, "")
			case dir == "processing":
				if _, rest, ok := strings.Cut(name, "-"); ok {
					name = rest // "<intake id>-<name>"
				}
			}
			out = append(out, dir+" "+name)
			if e.IsDir() {
				return filepath.SkipDir
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatalf("list %s: %v", dir, err)
		}
	}
	sort.Strings(out)
	return out
}

// eventKey names an event the same way in every run of the same input:
// its type, what it is about (an invoice, a statement by file and
// position, a transaction by bank reference) and its aggregate sequence.
func eventKey(e receivedEvent) string {
	subject := "?"
	switch {
	case e.Aggregate != nil && e.Aggregate.Type == "invoice":
		subject = "invoice " + e.Aggregate.ID
	case e.Data["file"] != nil:
		subject = fmt.Sprintf("file %v #%v", e.Data["file"], e.Data["position"])
	case e.Data["transaction"] != nil:
		if tx, ok := e.Data["transaction"].(map[string]any); ok {
			subject = fmt.Sprintf("transaction %v", tx["bank_ref"])
		}
	case e.Aggregate != nil:
		subject = e.Aggregate.Type + " " + e.Aggregate.ID
	}
	var seq int64
	if e.Aggregate != nil {
		seq = e.Aggregate.Sequence
	}
	return fmt.Sprintf("%s %s seq=%d", e.Type, subject, seq)
}

// expectedState is the state a run of corpus must end in: every file
// archived once, every transaction stored once, every invoice paid by its
// credit, and per invoice lettrage.applied then invoice.paid.
func expectedState(c *bench.PayCorpus) runState {
	var s runState
	for _, st := range c.Statements {
		s.Files = append(s.Files, "archive "+st.Name)
		s.Events = append(s.Events, fmt.Sprintf("statement.ingested file %s #1 seq=1", st.Name))
		account := "FR7630006000011234567890189"
		if st.Format == string(ledger.FormatCFONB120) {
			account = "300060000112345678901" // bank, branch and account of that IBAN
		}
		for _, e := range st.Entries {
			dir := "credit"
			if e.Direction == ledger.Debit {
				dir = "debit"
			}
			s.Transactions = append(s.Transactions, fmt.Sprintf("%s %s %s %s %s", account, e.AcctSvcrRef, dir,
				ledger.FormatMinor(e.Direction.Sign()*e.Amount.Minor, 2), e.BookingDate))
		}
	}
	for _, inv := range c.Invoices {
		amt := ledger.FormatMinor(inv.Amount, 2)
		s.Invoices = append(s.Invoices, inv.ID+" paid 0.00")
		s.Matches = append(s.Matches, fmt.Sprintf("%s auto applied %s=%s", inv.BankRef, inv.ID, amt))
		s.Events = append(s.Events, "lettrage.applied invoice "+inv.ID+" seq=1", "invoice.paid invoice "+inv.ID+" seq=2")
	}
	for _, l := range [][]string{s.Files, s.Transactions, s.Invoices, s.Matches, s.Events} {
		sort.Strings(l)
	}
	return s
}

// diffState reports how got differs from want, part by part.
func diffState(t *testing.T, what string, got, want runState) {
	t.Helper()
	parts := []struct {
		name      string
		got, want []string
	}{
		{"files", got.Files, want.Files},
		{"transactions", got.Transactions, want.Transactions},
		{"invoices", got.Invoices, want.Invoices},
		{"matches", got.Matches, want.Matches},
		{"events", got.Events, want.Events},
	}
	for _, p := range parts {
		if slices.Equal(p.got, p.want) {
			continue
		}
		missing, extra := setDiff(p.want, p.got), setDiff(p.got, p.want)
		t.Errorf("%s: %s differ (%d, want %d): missing %s; unexpected %s", what, p.name, len(p.got), len(p.want), firstFew(missing), firstFew(extra))
	}
}

// setDiff returns the elements of a (with multiplicity) not matched in b.
func setDiff(a, b []string) []string {
	count := map[string]int{}
	for _, x := range b {
		count[x]++
	}
	var out []string
	for _, x := range a {
		if count[x] > 0 {
			count[x]--
			continue
		}
		out = append(out, x)
	}
	return out
}

func firstFew(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	if len(l) > 8 {
		return fmt.Sprintf("%q and %d more", l[:8], len(l)-8)
	}
	return fmt.Sprintf("%q", l)
}

// checkDelivery checks the webhooks of a run against at-least-once
// delivery in order: every copy of an event carries the same webhook-id
// and no webhook-id names two events; per aggregate, the requests arrive
// in sequence order (a retry or a redelivery repeats a sequence, never
// goes back) and no sequence number is skipped among the accepted ones.
// It returns the number of duplicate deliveries.
func checkDelivery(t *testing.T, what string, attempts []receivedEvent) int {
	t.Helper()
	idOf := map[string]string{}  // event key → webhook-id
	keyOf := map[string]string{} // webhook-id → event key
	lastSeq := map[string]int64{}
	accepted := map[string]map[int64]bool{}
	copies := map[string]int{}
	dups := 0
	for _, e := range attempts {
		k := eventKey(e)
		if id, ok := idOf[k]; ok && id != e.ID {
			t.Errorf("%s: event %s came with two webhook-ids, %s and %s", what, k, id, e.ID)
		}
		idOf[k] = e.ID
		if other, ok := keyOf[e.ID]; ok && other != k {
			t.Errorf("%s: webhook-id %s names two events: %s and %s", what, e.ID, other, k)
		}
		keyOf[e.ID] = k
		if e.Status == http.StatusNoContent {
			copies[e.ID]++
			if copies[e.ID] > 1 {
				dups++
			}
		}
		if e.Aggregate == nil {
			continue
		}
		agg := e.Aggregate.Type + " " + e.Aggregate.ID
		if last := lastSeq[agg]; e.Aggregate.Sequence < last {
			t.Errorf("%s: %s: event sequence %d (%s) arrived after sequence %d", what, agg, e.Aggregate.Sequence, e.Type, last)
		}
		lastSeq[agg] = max(lastSeq[agg], e.Aggregate.Sequence)
		if e.Status == http.StatusNoContent {
			if accepted[agg] == nil {
				accepted[agg] = map[int64]bool{}
			}
			accepted[agg][e.Aggregate.Sequence] = true
		}
	}
	for agg, seqs := range accepted {
		for s := int64(1); s <= lastSeq[agg]; s++ {
			if !seqs[s] {
				t.Errorf("%s: %s: sequence %d never delivered though %d was", what, agg, s, lastSeq[agg])
			}
		}
	}
	return dups
}
