package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/charmap"
)

// tok is a token in a form both tokenizers can produce: start elements
// with their local name and attributes, end elements, and character data
// with adjacent runs merged.
type tok struct {
	kind  Kind
	local string
	attrs string // "name=value;" for each attribute, local names
	text  string
}

func (t tok) String() string {
	switch t.kind {
	case StartElement:
		return "<" + t.local + " " + t.attrs + ">"
	case EndElement:
		return "</" + t.local + ">"
	}
	return fmt.Sprintf("%q", t.text)
}

func appendText(toks []tok, text string) []tok {
	if n := len(toks); n > 0 && toks[n-1].kind == CharData {
		toks[n-1].text += text
		return toks
	}
	return append(toks, tok{kind: CharData, text: text})
}

// testCharset is the charset hook both tokenizers get in these tests.
func testCharset(label string, r io.Reader) (io.Reader, error) {
	if strings.EqualFold(label, "ISO-8859-1") || strings.EqualFold(label, "windows-1252") {
		return charmap.Windows1252.NewDecoder().Reader(r), nil
	}
	return nil, fmt.Errorf("unknown charset %q", label)
}

// scanAll tokenizes data with Scanner, reading through r.
func scanAll(r io.Reader) ([]tok, error) {
	s := New(r, Options{CharsetReader: testCharset})
	var toks []tok
	for {
		k, err := s.Next()
		if errors.Is(err, io.EOF) {
			return toks, nil
		}
		if err != nil {
			return toks, err
		}
		switch k {
		case StartElement:
			var attrs strings.Builder
			for _, a := range s.Attrs() {
				_, l := SplitName(a.Name)
				fmt.Fprintf(&attrs, "%s=%s;", l, a.Value)
			}
			toks = append(toks, tok{kind: k, local: string(s.Local()), attrs: attrs.String()})
		case EndElement:
			toks = append(toks, tok{kind: k, local: string(s.Local())})
		case CharData:
			toks = appendText(toks, string(s.Text()))
		}
	}
}

// stdAll tokenizes data with encoding/xml, dropping what Scanner does not
// report: comments, processing instructions, directives and character data
// outside the root element.
func stdAll(data []byte) ([]tok, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = testCharset
	var toks []tok
	depth := 0
	for {
		t, err := d.Token()
		if errors.Is(err, io.EOF) {
			return toks, nil
		}
		if err != nil {
			return toks, err
		}
		switch t := t.(type) {
		case xml.StartElement:
			depth++
			var attrs strings.Builder
			for _, a := range t.Attr {
				fmt.Fprintf(&attrs, "%s=%s;", a.Name.Local, a.Value)
			}
			toks = append(toks, tok{kind: StartElement, local: t.Name.Local, attrs: attrs.String()})
		case xml.EndElement:
			depth--
			toks = append(toks, tok{kind: EndElement, local: t.Name.Local})
		case xml.CharData:
			if depth > 0 {
				toks = appendText(toks, string(t))
			}
		}
	}
}

// checkAgainstStd is the differential property: whatever Scanner accepts,
// encoding/xml accepts with the same tokens, and Scanner gives the same
// result however the input is split into reads.
func checkAgainstStd(t *testing.T, data []byte) (accepted bool) {
	t.Helper()
	ours, err := scanAll(bytes.NewReader(data))
	byByte, errByte := scanAll(iotest.OneByteReader(bytes.NewReader(data)))
	if (err == nil) != (errByte == nil) || (err != nil && err.Error() != errByte.Error()) {
		t.Fatalf("whole read and byte-by-byte read disagree:\nwhole: %v\nbytes: %v", err, errByte)
	}
	if err != nil {
		return false
	}
	if fmt.Sprint(ours) != fmt.Sprint(byByte) {
		t.Fatalf("whole read and byte-by-byte read give different tokens:\n%v\n%v", ours, byByte)
	}
	std, stdErr := stdAll(data)
	if stdErr != nil {
		t.Fatalf("Scanner accepted what encoding/xml rejects (%v):\n%q", stdErr, data)
	}
	if fmt.Sprint(ours) != fmt.Sprint(std) {
		t.Fatalf("tokens differ from encoding/xml for %q:\nours: %v\nstd:  %v", data, ours, std)
	}
	return true
}
