package ingest

import (
	"encoding/json"
	"errors"
	"path"
	"time"

	"github.com/lettrage/lettrage/internal/statement"
)

// Report is the content of the "<name>.error.json" written beside a file
// moved to rejected/: what was refused, where in it, why, by which parser.
type Report struct {
	// File is the name the file arrived under in inbox/.
	File string `json:"file"`
	// SHA256 is the hex SHA-256 of its content; empty when it was not read
	// (too large, not a regular file).
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Parser is the parser that refused it ("camt.053", "cfonb120"), or
	// "detect" when the format was not recognised, or "ingest" for a
	// refusal before parsing (type, size).
	Parser string `json:"parser"`
	// Format is the format and version being read ("camt.053.001.08"),
	// when known.
	Format string `json:"format,omitempty"`
	// Position locates the problem in the file: an XML path and line for
	// CAMT, a line and record number for CFONB.
	Position string `json:"position,omitempty"`
	// Error says what is wrong.
	Error string `json:"error"`
	// Reason is the kind of refusal, one of the Reason* constants: what
	// lettrage_ingest_rejections_total counts by.
	Reason string `json:"reason"`
	// DuplicateOf names the earlier file of the same content, when this
	// one is a copy of a file that was rejected.
	DuplicateOf string `json:"duplicate_of,omitempty"`
	// RejectedAt is when the file was refused (RFC 3339, UTC).
	RejectedAt time.Time `json:"rejected_at"`
	// JobID is the ingestion job of the content, when there is one.
	JobID string `json:"job_id,omitempty"`
	// IntakeID identifies the drop: the id the file was given when it was
	// taken from inbox/.
	IntakeID string `json:"intake_id"`
}

// Kinds of refusal (Report.Reason).
const (
	ReasonNotAFile          = "not_a_file"            // directory, symbolic link, pipe, device
	ReasonTooLarge          = "too_large"             // above ingest.max_file_bytes, not read
	ReasonUnknownFormat     = "unknown_format"        // neither CAMT.053 nor CFONB 120 (empty files too)
	ReasonParseError        = "parse_error"           // a parser refused it, at a position
	ReasonInvalidStatement  = "invalid_statement"     // parsed, but no statement, no account, or balances that do not check
	ReasonChanged           = "changed_while_read"    // its content changed after it was taken
	ReasonGaveUp            = "gave_up"               // attempts that never finished (crash, lease too short)
	ReasonDuplicateRejected = "duplicate_of_rejected" // same content as a file rejected before
	ReasonOther             = "other"                 // a refusal recorded by an older version, recovered
)

// reportFor builds a report from a parse (or other) error: a
// *statement.ParseError gives the format and position.
func reportFor(err error) Report {
	r := Report{Parser: "ingest", Error: err.Error(), Reason: ReasonInvalidStatement}
	var pe *statement.ParseError
	if errors.As(err, &pe) {
		r.Format, r.Position, r.Error = pe.Format, pe.Pos, pe.Err.Error()
		r.Parser = parserOf(pe.Format)
		r.Reason = ReasonParseError
	}
	if errors.Is(err, statement.ErrUnsupported) && r.Parser == "ingest" {
		r.Parser = "detect"
	}
	if r.Parser == "detect" {
		r.Reason = ReasonUnknownFormat
	}
	return r
}

// reasonOf is the metric label of a report's refusal.
func reasonOf(r Report) string {
	if r.Reason == "" {
		return ReasonOther
	}
	return r.Reason
}

// parserOf names the parser of a format.
func parserOf(format string) string {
	switch {
	case format == "":
		return "detect"
	case len(format) >= 8 && format[:8] == "camt.053":
		return "camt.053"
	}
	return format
}

// marshal encodes the report, indented for people.
func (r Report) marshal() []byte {
	b, _ := json.MarshalIndent(r, "", "  ")
	return append(b, '\n')
}

// reportPath is the report's path beside a rejected file.
func reportPath(rejected string) string {
	return path.Join(path.Dir(rejected), path.Base(rejected)+errorSuffix)
}
