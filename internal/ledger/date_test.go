package ledger

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	t.Parallel()
	d, err := ParseDate("2026-02-28")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDays(1).String(); got != "2026-03-01" {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := NewDate(2026, time.March, 1).DaysSince(d); got != 1 {
		t.Errorf("DaysSince = %d, want 1", got)
	}
	if !d.Before(d.AddDays(1)) || d.After(d) || d.Compare(d) != 0 {
		t.Error("Before/After/Compare disagree")
	}
	if _, err := ParseDate("2026-02-30"); err == nil {
		t.Error("ParseDate accepted 2026-02-30")
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("zero date is not absent")
	}
	var back Date
	if err := back.UnmarshalText([]byte(d.String())); err != nil || back != d {
		t.Errorf("text round trip: %v %v", back, err)
	}
}

func TestStatementCheck(t *testing.T) {
	t.Parallel()
	eur := func(m int64) Money { return Money{Minor: m, Currency: "EUR"} }
	s := &Statement{Account: Account{Currency: "EUR"}, Balances: []Balance{
		{Type: PreviousClosing, Amount: eur(999)},
		{Type: OpeningBooked, Amount: eur(1000)},
		{Type: ClosingBooked, Amount: eur(1150)},
	}}
	for _, e := range []*Entry{
		{Amount: eur(200), Direction: Credit, Status: StatusBooked},
		{Amount: eur(50), Direction: Debit, Status: StatusBooked},
		{Amount: eur(7), Direction: Credit, Status: StatusPending}, // never moves the balance
	} {
		s.Totals.Add(e)
	}
	c := s.Check()
	if !c.Checked || !c.Balanced || c.Opening.Amount.Minor != 1000 {
		t.Fatalf("Check = %+v, want balanced from OPBD 10.00", c)
	}
	s.Balances[2].Amount = eur(1151)
	if c := s.Check(); c.Balanced || c.Difference.Minor != 1 {
		t.Fatalf("Check = %+v, want unbalanced by 0.01", c)
	}
	s.Balances = s.Balances[:2]
	if c := s.Check(); c.Checked {
		t.Fatal("Check ran without a closing balance")
	}
	if s.Totals.Entries != 3 || s.Totals.BookedEntries != 2 {
		t.Fatalf("Totals = %+v", s.Totals)
	}
}

func TestAccountID(t *testing.T) {
	t.Parallel()
	if got := (Account{IBAN: "FR7630003000", Other: "x"}).ID(); got != "FR7630003000" {
		t.Errorf("ID = %q", got)
	}
	if got := (Account{BankCode: "30003", BranchCode: "00123", Other: "00012345678"}).ID(); got != "300030012300012345678" {
		t.Errorf("ID = %q", got)
	}
}
