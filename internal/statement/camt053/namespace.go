package camt053

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/lettrage/lettrage/internal/statement"
)

// Versions of camt.053 this package reads: 001.02 to 001.13.
const (
	MinVersion = 2
	MaxVersion = 13
)

// isoPrefixes are the namespace prefixes of ISO 20022 messages: the
// standard one, and the "iso:20023" typo some banks' files carry.
var isoPrefixes = []string{
	"urn:iso:std:iso:20022:tech:xsd:",
	"urn:iso:std:iso:20023:tech:xsd:",
}

// message is an ISO 20022 message identifier read from a namespace, such as
// camt.053.001.08.
type message struct {
	area    string // "camt"
	number  string // "053"
	variant string // "001"
	version int    // 8
}

func (m message) String() string {
	return fmt.Sprintf("%s.%s.%s.%02d", m.area, m.number, m.variant, m.version)
}

// parseNamespace reads the message identifier from an ISO 20022 namespace
// ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"). ok is false when the
// namespace is not an ISO 20022 message namespace at all.
func parseNamespace(ns string) (m message, ok bool) {
	ns = strings.TrimSpace(ns)
	rest := ""
	for _, p := range isoPrefixes {
		if len(ns) > len(p) && strings.EqualFold(ns[:len(p)], p) {
			rest = ns[len(p):]
			break
		}
	}
	if rest == "" {
		return message{}, false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 4 || len(parts[0]) != 4 || len(parts[1]) != 3 || len(parts[2]) != 3 || len(parts[3]) != 2 {
		return message{}, false
	}
	v, err := strconv.Atoi(parts[3])
	if err != nil || v < 0 {
		return message{}, false
	}
	for _, p := range parts[1:3] {
		if _, err := strconv.Atoi(p); err != nil {
			return message{}, false
		}
	}
	return message{area: strings.ToLower(parts[0]), number: parts[1], variant: parts[2], version: v}, true
}

// messageNames names the bank-to-customer cash management messages by
// their number, with the XML element that holds their body.
var messageNames = map[string]struct{ element, title string }{
	"052": {"BkToCstmrAcctRpt", "bank-to-customer account report"},
	"053": {"BkToCstmrStmt", "bank-to-customer statement"},
	"054": {"BkToCstmrDbtCdtNtfctn", "bank-to-customer debit/credit notification"},
}

// checkMessage tells whether m is a camt.053 version this package reads,
// and otherwise why not, wrapping statement.ErrUnsupported.
func checkMessage(m message) error {
	if m.area == "camt" && m.number == "053" && m.variant == "001" {
		if m.version < MinVersion || m.version > MaxVersion {
			return fmt.Errorf("%w: %s: Lettrage reads camt.053.001.%02d to camt.053.001.%02d",
				statement.ErrUnsupported, m, MinVersion, MaxVersion)
		}
		return nil
	}
	if n, ok := messageNames[m.number]; ok && m.area == "camt" {
		return fmt.Errorf("%w: %s is a %s (%s), not a camt.053 statement; ask the bank for camt.053",
			statement.ErrUnsupported, m, n.title, n.element)
	}
	return fmt.Errorf("%w: %s is not a bank statement (want camt.053)", statement.ErrUnsupported, m)
}

// bodyError explains a Document child that is not BkToCstmrStmt.
func bodyError(local string) error {
	for num, n := range messageNames {
		if n.element == local && num != "053" {
			return fmt.Errorf("%w: <%s> is a camt.%s %s, not a camt.053 statement",
				statement.ErrUnsupported, local, num, n.title)
		}
	}
	return fmt.Errorf("<Document> holds <%s>, want <BkToCstmrStmt>", local)
}
