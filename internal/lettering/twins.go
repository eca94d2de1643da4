package lettering

import (
	"context"
	"strings"
	"unicode"

	"github.com/lettrage/lettrage/internal/ledger"
)

// The same payment can reach the store twice: a bank that sends both a
// CAMT.053 and a CFONB 120 statement of one account reports each credit in
// both, under references that differ between the formats, so the store's
// dedup key (which includes the bank's references) keeps both.
//
// Merging them into one stored transaction would need an identity that
// holds across formats: account, booking and value dates, amount,
// direction and remittance. It is not safe. Two genuinely different
// credits can share all of it — a customer who pays the same invoice twice
// on the same day (the duplicate payment that must be found and refunded),
// two branches of a group paying identical instalments, two cash deposits
// of the same amount, or remittance the CFONB record truncated to the same
// first characters. Collapsing them would make money disappear from the
// ledger without a trace, the worst outcome here.
//
// So both are stored, and the later one is held: the lettering never
// letters it automatically, proposes it for review with a reason naming
// the earlier transaction, and a person decides (reject it as the same
// payment, or letter it as a second one).

// holdTwins marks in holds the credits of bts that look like a credit of
// the same account already stored from another statement (an earlier
// transaction id): booked the same day, same value date, amount and
// currency, payer IBANs and end-to-end ids not contradicting each other,
// and remittance texts that agree once normalised (one may be a truncation
// of the other).
func (r *Runner) holdTwins(ctx context.Context, st *ledger.StoredStatement, bts []*ledger.BankTransaction, holds map[string]string) error {
	type key struct {
		day    ledger.Date
		amount ledger.Money
	}
	loaded := map[ledger.Date]bool{}
	candidates := map[key][]*ledger.BankTransaction{} // the account's booked credits by day and amount
	for _, bt := range bts {
		d := bt.BookingDate
		if d.IsZero() {
			continue
		}
		if !loaded[d] {
			loaded[d] = true
			txs, err := r.transactions(ctx, ledger.TransactionFilter{AccountID: st.AccountID, Direction: ledger.Credit,
				Status: ledger.StatusBooked, BookedOn: d})
			if err != nil {
				return err
			}
			for i := range txs {
				k := key{d, txs[i].Transaction.Amount}
				candidates[k] = append(candidates[k], &txs[i])
			}
		}
		for _, other := range candidates[key{d, bt.Transaction.Amount}] {
			if other.ID < bt.ID && other.StatementID != bt.StatementID && twins(bt, other) {
				if holds[bt.ID] == "" {
					holds[bt.ID] = "held for review: suspected duplicate of transaction " + other.ID + " (bank reference " + other.BankRef +
						") of statement " + other.StatementID + ": same account, dates, amount and remittance under another reference," +
						" e.g. one payment in a CAMT.053 and a CFONB 120 statement; check it is not the same payment before lettering it"
				}
				r.log.Info().Str("transaction_id", bt.ID).Str("twin_id", other.ID).Msg("credit held: suspected duplicate of a stored credit")
				break
			}
		}
	}
	return nil
}

// twins reports whether two credits of one account booked the same day
// look like one payment reported twice.
func twins(a, b *ledger.BankTransaction) bool {
	ta, tb := &a.Transaction, &b.Transaction
	if ta.Amount != tb.Amount || a.ValueDate != b.ValueDate {
		return false
	}
	differ := func(x, y string) bool { return x != "" && y != "" && x != y }
	if differ(ta.EndToEndID, tb.EndToEndID) || differ(normalIBAN(ta.Debtor.IBAN), normalIBAN(tb.Debtor.IBAN)) {
		return false
	}
	ra, rb := normalRemittance(ta.Remittance), normalRemittance(tb.Remittance)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	// The shorter may be a truncation of the longer (CFONB lines), but an
	// empty one matches nothing but an empty one.
	return strings.HasPrefix(rb, ra) && (ra != "" || rb == "")
}

// normalRemittance joins remittance lines keeping only letters and digits,
// upper-cased: line breaks, spacing and punctuation differ between formats.
func normalRemittance(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		for _, r := range l {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				b.WriteRune(unicode.ToUpper(r))
			}
		}
	}
	return b.String()
}

// normalIBAN is an IBAN without spaces, upper-cased.
func normalIBAN(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, " ", ""))
}
