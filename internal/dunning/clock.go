package dunning

import (
	"time"

	"github.com/lettrage/lettrage/internal/ledger"
)

// DefaultTimeZone is the dunning time zone unless configured otherwise.
const DefaultTimeZone = "Europe/Paris"

// Today returns the civil date of the instant t in loc, the dunning time
// zone: the "now" Next takes. Days are counted on civil dates, never as 24-hour
// durations, so a daylight-saving change cannot shift a stage by a day.
func Today(t time.Time, loc *time.Location) ledger.Date {
	return ledger.DateOf(t.In(loc))
}
