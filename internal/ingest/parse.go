package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/detect"
)

// collector gathers a file's statements as the parser streams them, for
// the store, which takes a file whole (ledger.StatementFile).
type collector struct {
	statements []ledger.ParsedStatement
}

func (c *collector) BeginStatement(_ context.Context, s *ledger.Statement) error {
	c.statements = append(c.statements, ledger.ParsedStatement{Statement: s})
	return nil
}

func (c *collector) Entry(_ context.Context, s *ledger.Statement, e *ledger.Entry) error {
	if len(c.statements) == 0 || c.statements[len(c.statements)-1].Statement != s {
		return errors.New("entry outside a statement")
	}
	last := &c.statements[len(c.statements)-1]
	last.Entries = append(last.Entries, e)
	return nil
}

func (c *collector) EndStatement(context.Context, *ledger.Statement) error { return nil }

// parsed is a file read by parseFile.
type parsed struct {
	statements []ledger.ParsedStatement
	sha        string // hex SHA-256 of the bytes the parser read
	size       int64
}

// format returns the format of the file's first statement.
func (p *parsed) format() ledger.Format {
	if len(p.statements) > 0 && p.statements[0].Statement != nil {
		return p.statements[0].Statement.Format
	}
	return ""
}

// errParserPanic marks a parser that panicked: the file is rejected, the
// daemon keeps running.
var errParserPanic = errors.New("the parser failed unexpectedly")

// parseFile streams r through the format detector and its parser, hashing
// the bytes as they are read (the store needs the file's statements whole,
// so those are kept; the bytes are not). A panic in a parser becomes an
// error wrapping errParserPanic.
func parseFile(ctx context.Context, r io.Reader) (p parsed, err error) {
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(ctxReader{ctx, r}, h)}
	var c collector
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v\n%s", errParserPanic, v, debug.Stack())
		}
	}()
	if err := detect.Parse(ctx, cr, &c); err != nil {
		return parsed{}, err
	}
	// The parser may stop before the end (trailing bytes it ignores): hash
	// the rest so the digest covers the whole file.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return parsed{}, fmt.Errorf("read statement: %w", err)
	}
	return parsed{statements: c.statements, sha: hexSum(h), size: cr.n}, nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// checkStatements refuses what the store would refuse or what must not be
// lettered, with the statement named: no statement at all, a statement
// without an account, an unbalanced one when rejectUnbalanced.
func checkStatements(sts []ledger.ParsedStatement, rejectUnbalanced bool) error {
	if len(sts) == 0 {
		return errors.New("no statement in the file")
	}
	for i, ps := range sts {
		s := ps.Statement
		if s.Account.ID() == "" {
			return &statement.ParseError{Format: string(s.Format), Pos: fmt.Sprintf("statement %d (%s)", i+1, s.StatementID),
				Err: errors.New("the statement names no account")}
		}
		if rejectUnbalanced {
			if c := s.Check(); c.Checked && !c.Balanced {
				return &statement.ParseError{Format: string(s.Format), Pos: fmt.Sprintf("statement %d (%s)", i+1, s.StatementID),
					Err: fmt.Errorf("balances do not check: opening + credits − debits differs from closing by %s", c.Difference)}
			}
		}
	}
	return nil
}
