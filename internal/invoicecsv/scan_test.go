package invoicecsv

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lettrage/lettrage/internal/ledger"
)

const scanCSV = header +
	"I1,FA-1,C1,Dupont SARL,100.00,EUR,2026-09-01,2026-10-01,,FR7630006000011234567890189,\n" +
	"I2,FA-2,C1,Dupont SARL,200.00,EUR,2026-09-02,2026-10-02,50.00,,\n" +
	"I3,FA-3,C2,Martin SAS,300.00,EUR,2026-09-03,2026-10-03,0,,\n"

// TestScanGivesWhatParseReturns: Scan and ScanAuto hand over, one by one,
// the invoices Parse returns, and return the same customers; ScanJSON
// does for JSON what ParseJSON does.
func TestScanGivesWhatParseReturns(t *testing.T) {
	t.Parallel()
	wantInvs, wantCusts, err := Parse(strings.NewReader(scanCSV))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "invoices.csv")
	if err := os.WriteFile(path, []byte(scanCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	jsonIn := `[{"invoice_id":"J1","number":"FA-9","customer_id":"C9","customer_name":"Durand","amount":12.5,"currency":"EUR","issue_date":"2026-09-01","due_date":"2026-10-01"}]`
	jsonInvs, jsonCusts, err := ParseJSON(strings.NewReader(jsonIn))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		scan      func(func(*ledger.Invoice) error) ([]ledger.Customer, error)
		invs      []ledger.Invoice
		customers []ledger.Customer
	}{
		{"Scan", func(fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
			return Scan(strings.NewReader(scanCSV), fn)
		}, wantInvs, wantCusts},
		{"ScanAuto on a file", func(fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return ScanAuto(f, fn)
		}, wantInvs, wantCusts},
		{"ScanJSON", func(fn func(*ledger.Invoice) error) ([]ledger.Customer, error) {
			return ScanJSON(strings.NewReader(jsonIn), fn)
		}, jsonInvs, jsonCusts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []ledger.Invoice
			custs, err := tc.scan(func(inv *ledger.Invoice) error {
				got = append(got, *inv)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.invs) || !reflect.DeepEqual(custs, tc.customers) {
				t.Errorf("scan gave %+v / %+v, parse %+v / %+v", got, custs, tc.invs, tc.customers)
			}
		})
	}
}

// TestScanStops: fn's error stops the reading and comes back unchanged; a
// refused file is an *Error, fn not called from its first problem on.
func TestScanStops(t *testing.T) {
	t.Parallel()
	stop := errors.New("full")
	calls := 0
	_, err := Scan(strings.NewReader(scanCSV), func(*ledger.Invoice) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("Scan = %v after %d calls, want fn's error after 1", err, calls)
	}
	bad := header +
		"I1,FA-1,C1,Dupont SARL,100.00,EUR,2026-09-01,2026-10-01,,,\n" +
		"I2,FA-2,C1,Dupont SARL,abc,EUR,2026-09-02,2026-10-02,,,\n" +
		"I3,FA-3,C2,Martin SAS,300.00,EUR,2026-09-03,2026-10-03,,,\n"
	var ids []string
	_, err = Scan(strings.NewReader(bad), func(inv *ledger.Invoice) error {
		ids = append(ids, inv.ID)
		return nil
	})
	var e *Error
	if !errors.As(err, &e) || len(e.Problems) != 1 || e.Problems[0].Line != 3 {
		t.Errorf("Scan = %v, want the refusal naming line 3", err)
	}
	if strings.Join(ids, ",") != "I1" {
		t.Errorf("fn saw %v, want only the invoice before the problem", ids)
	}
}

// TestEstimateRowsThroughParseAuto: the row estimate that sizes the
// invoice slice once sees the file's size through ParseAuto's buffering.
func TestEstimateRowsThroughParseAuto(t *testing.T) {
	t.Parallel()
	var sb strings.Builder
	sb.WriteString(header)
	for range 2000 {
		sb.WriteString("I1,FA-1,C1,Dupont SARL,100.00,EUR,2026-09-01,2026-10-01,,,\n")
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	size := fileSize(f)
	if size < 0 {
		t.Fatal("the file's size is unknown")
	}
	br := bufio.NewReader(f)
	if n := estimateRows(size, br); n < 2000 || n > 2500 {
		t.Errorf("estimateRows = %d, want about 2000", n)
	}
	if n := estimateRows(fileSize(strings.NewReader(sb.String())), bufio.NewReader(strings.NewReader(sb.String()))); n != 0 {
		t.Errorf("estimateRows of a reader of unknown size = %d, want 0", n)
	}
}
