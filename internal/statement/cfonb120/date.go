package cfonb120

import (
	"fmt"
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// centuryPivot: a two-digit year above it is in the 1900s, otherwise in
// the 2000s.
const centuryPivot = 60

// parseDate reads a DDMMYY date. A blank zone or 000000 is no date (ok
// false); anything else must be a real calendar date.
func parseDate(f []byte) (d ledger.Date, ok bool, err error) {
	if isBlank(f) || string(f) == "000000" {
		return ledger.Date{}, false, nil
	}
	if len(f) != 6 {
		return ledger.Date{}, false, fmt.Errorf("date %q is not DDMMYY", f)
	}
	var n [3]int
	for i, c := range f {
		if c < '0' || c > '9' {
			return ledger.Date{}, false, fmt.Errorf("date %q is not DDMMYY", f)
		}
		n[i/2] = n[i/2]*10 + int(c-'0')
	}
	day, month, year := n[0], time.Month(n[1]), 2000+n[2]
	if n[2] > centuryPivot {
		year = 1900 + n[2]
	}
	if month < time.January || month > time.December || day < 1 || day > daysIn(month, year) {
		return ledger.Date{}, false, fmt.Errorf("date %q (DDMMYY) does not exist", f)
	}
	return ledger.Date{Year: year, Month: month, Day: day}, true, nil
}

// daysIn returns the number of days of month m of year y.
func daysIn(m time.Month, y int) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
