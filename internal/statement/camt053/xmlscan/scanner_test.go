package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"minimal", `<a/>`, `[<a > </a>]`},
		{"declaration and text", `<?xml version="1.0" encoding="UTF-8"?>` + "\n<a>x</a>\n", `[<a > "x" </a>]`},
		{"bom", "\xEF\xBB\xBF<?xml version=\"1.0\"?><a>é</a>", `[<a > "é" </a>]`},
		{"prefix", `<ns2:Document xmlns:ns2="urn:x"><ns2:Amt Ccy="EUR">1.5</ns2:Amt></ns2:Document>`,
			`[<Document ns2=urn:x;> <Amt Ccy=EUR;> "1.5" </Amt> </Document>]`},
		{"entities", `<a>&lt;&gt;&amp;&apos;&quot;&#65;&#x42;&#xe9;</a>`, `[<a > "<>&'\"ABé" </a>]`},
		{"attribute entities and quotes", `<a b='x&amp;"y' c="&#9;">t</a>`, `[<a b=x&"y;c=` + "\t" + `;> "t" </a>]`},
		{"cdata", `<a>x<![CDATA[<&]]>y</a>`, `[<a > "x<&y" </a>]`},
		{"comment and pi inside", `<a>x<!-- c - d -->y<?pi data?>z</a>`, `[<a > "xyz" </a>]`},
		{"crlf", "<a>x\r\ny\rz</a>", `[<a > "x\ny\nz" </a>]`},
		{"crlf in cdata", "<a><![CDATA[x\r\ny]]></a>", `[<a > "x\ny" </a>]`},
		{"space in tags", "<a  b = 'c' ></a >", `[<a b=c;> </a>]`},
		{"brackets in text", `<a>]] ]>]</a>`, `[<a > "]] ]>]" </a>]`},
		{"white space before the declaration", "\n  <?xml version=\"1.0\"?>\n<a/>", `[<a > </a>]`},
		{"misc after root", "<a/>\n<!-- end --><?pi?>\n", `[<a > </a>]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			toks, err := scanAll(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if fmt.Sprint(toks) != tt.want {
				t.Errorf("tokens\n got %v\nwant %s", toks, tt.want)
			}
			checkAgainstStd(t, []byte(tt.in))
		})
	}
}

func TestCommentWithDoubleDash(t *testing.T) {
	t.Parallel()
	// "--" inside a comment is not allowed; encoding/xml agrees.
	if _, err := scanAll(strings.NewReader(`<a><!-- x -- y --></a>`)); err == nil || !strings.Contains(err.Error(), `"--"`) {
		t.Fatalf("err = %v, want the -- rule", err)
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		line           int
	}{
		{"empty", "", "no root element", 1},
		{"only space", " \n ", "no root element", 2},
		{"truncated start tag", "<a><b", "unexpected end of file inside <a>", 1},
		{"truncated element", "<a>\n<b>text", "unexpected end of file inside <b>", 2},
		{"mismatched end", "<a>\n<b></c></a>", "element <b> closed by </c>", 2},
		{"stray end", "<a></a></b>", "unexpected end tag </b>", 1},
		{"second root", "<a/><b/>", "element <b> after the end of the root element", 1},
		{"text before root", "x<a/>", "text before the root element", 1},
		{"text after root", "<a/>x", "text after the root element", 1},
		{"unknown entity", "<a>&nbsp;</a>", "invalid character entity &nbsp;", 1},
		{"no semicolon", "<a>&amp x</a>", "no semicolon", 1},
		{"bare ampersand", "<a>R&D</a>", "invalid character entity", 1},
		{"char ref zero", "<a>&#0;</a>", "illegal character code U+0000", 1},
		{"char ref surrogate", "<a>&#xD800;</a>", "illegal character code U+D800", 1},
		{"control char", "<a>\x01</a>", "illegal character code U+0001", 1},
		{"invalid utf8", "<a>\xff</a>", "invalid UTF-8", 1},
		{"cdata end in text", "<a>]]></a>", "unescaped ]]> in text", 1},
		{"lt in attribute", `<a b="<"/>`, "unescaped < in attribute value", 1},
		{"unquoted attribute", `<a b=c/>`, "unquoted or missing attribute value", 1},
		{"attribute without value", `<a b/>`, "attribute name without =", 1},
		{"no space between attributes", `<a b="1"c="2"/>`, "expected white space before attribute", 1},
		{"two colons", `<a:b:c/>`, "invalid XML name", 1},
		{"doctype", "<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "DOCTYPE declarations are not supported", 1},
		{"directive", "<a><!ELEMENT a ANY></a>", "directives", 1},
		{"late declaration", "<a/>\n<?xml version=\"1.0\"?>", "XML declaration not at the start", 2},
		{"declaration after a comment", "<!-- c -->\n<?xml version=\"1.0\"?><a/>", "XML declaration not at the start", 2},
		{"xml 1.1", `<?xml version="1.1"?><a/>`, "unsupported XML version", 1},
		{"unknown charset", `<?xml version="1.0" encoding="EBCDIC-XYZ"?><a/>`, "unknown charset", 1},
		{"utf16", "\xFF\xFE<\x00a\x00/\x00>\x00", "UTF-16", 1},
		{"non-ascii name", "<é/>", "non-ASCII names", 1},
		{"unterminated comment", "<a><!-- x", "unexpected end of file inside <a>", 1},
		{"unterminated cdata", "<a><![CDATA[x", "unexpected end of file inside <a>", 1},
		{"bad end tag", "<a></a x>", "invalid characters between </a and >", 1},
		{"empty element name", "<>", "expected element name", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := scanAll(strings.NewReader(tt.in))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SyntaxError containing %q", err, tt.want)
			}
			if !strings.Contains(se.Msg, tt.want) || se.Line != tt.line {
				t.Errorf("err = %v, want %q on line %d", err, tt.want, tt.line)
			}
			// Same verdict whatever the read sizes.
			checkAgainstStd(t, []byte(tt.in))
		})
	}
}

// TestStricterThanStd lists the inputs encoding/xml accepts and Scanner
// refuses on purpose (see the package comment).
func TestStricterThanStd(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"<!DOCTYPE a><a/>",
		`<a b="1"c="2"/>`,
		"x<a/>",
		"<a/><b/>",
		"<a/>\n<?xml version=\"1.0\"?>",
		"<é/>",
		"<a>&#xD800;</a>",
		"<a><!ELEMENT a ANY></a>",
	} {
		if _, err := stdAll([]byte(in)); err != nil {
			t.Errorf("encoding/xml rejects %q (%v); the list is stale", in, err)
		}
		if _, err := scanAll(strings.NewReader(in)); err == nil {
			t.Errorf("Scanner accepts %q", in)
		}
	}
}

func TestLatin1Declaration(t *testing.T) {
	t.Parallel()
	in := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<a>Soci\xe9t\xe9 \x80</a>")
	toks, err := scanAll(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(toks), `[<a > "Société €" </a>]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	checkAgainstStd(t, in)
}

func TestNoCharsetReader(t *testing.T) {
	t.Parallel()
	s := New(strings.NewReader(`<?xml version="1.0" encoding="ISO-8859-1"?><a/>`), Options{})
	if _, err := s.Next(); err == nil || !strings.Contains(err.Error(), "no charset reader") {
		t.Fatalf("err = %v", err)
	}
}

func TestLongTokenAcrossBuffers(t *testing.T) {
	t.Parallel()
	// Text and attribute values longer than the initial buffer force the
	// buffer to grow; a small MaxToken refuses them.
	long := strings.Repeat("x", 3*initialBufSize)
	in := `<a b="` + long + `">` + long + `&amp;</a>`
	toks, err := scanAll(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 3 || toks[1].text != long+"&" || toks[0].attrs != "b="+long+";" {
		t.Fatalf("long token mangled")
	}
	s := New(strings.NewReader(in), Options{MaxToken: 1000})
	for {
		_, err := s.Next()
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), "token longer than 1000 bytes") {
			t.Fatalf("err = %v", err)
		}
		break
	}
}

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	in := strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1)
	if _, err := scanAll(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Fatalf("err = %v", err)
	}
	ok := strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth)
	if _, err := scanAll(strings.NewReader(ok)); err != nil {
		t.Fatalf("depth %d: %v", MaxDepth, err)
	}
}

func TestLineNumbersAcrossRefills(t *testing.T) {
	t.Parallel()
	// An error past the first buffer still reports its line.
	var b strings.Builder
	b.WriteString("<a>\n")
	for i := 0; i < 20000; i++ {
		b.WriteString("<b>0123456789</b>\n")
	}
	b.WriteString("<c></d>\n</a>")
	_, err := scanAll(strings.NewReader(b.String()))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Line != 20002 {
		t.Fatalf("err = %v, want line 20002", err)
	}
}

// TestFixturesAgainstStd runs the differential check over the real bank
// files: both tokenizers accept them and agree on every token.
func TestFixturesAgainstStd(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../../../fixtures/camt053/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !checkAgainstStd(t, data) {
			t.Errorf("%s: rejected", f)
		}
	}
}

func FuzzScanner(f *testing.F) {
	files, _ := filepath.Glob("../../../../fixtures/camt053/*.xml")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		`<a b="c">x&amp;y<![CDATA[z]]><!--c--><?p q?></a>`,
		"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xe9</a>",
		"<a>\r\n]]&gt;</a>", `<p:a xmlns:p="u"><p:b/></p:a>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		checkAgainstStd(t, data)
	})
}

// BenchmarkScanner measures the tokenizer alone on a synthetic statement.
func BenchmarkScanner(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Document xmlns=\"urn:x\">\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, "  <Ntry>\n    <Amt Ccy=\"EUR\">%d.%02d</Amt>\n    <CdtDbtInd>CRDT</CdtDbtInd>\n    <Sts><Cd>BOOK</Cd></Sts>\n"+
			"    <NtryDtls><TxDtls><RmtInf><Ustrd>Facture FA-%06d &amp; avoir</Ustrd></RmtInf></TxDtls></NtryDtls>\n  </Ntry>\n", i, i%100, i)
	}
	buf.WriteString("</Document>\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		s := New(bytes.NewReader(data), Options{})
		for {
			if _, err := s.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

// BenchmarkStdRawToken is encoding/xml's tokenizer on the same input, for
// comparison.
func BenchmarkStdRawToken(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("<Document>\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&buf, "  <Ntry>\n    <Amt Ccy=\"EUR\">%d.%02d</Amt>\n    <CdtDbtInd>CRDT</CdtDbtInd>\n    <Sts><Cd>BOOK</Cd></Sts>\n"+
			"    <NtryDtls><TxDtls><RmtInf><Ustrd>Facture FA-%06d &amp; avoir</Ustrd></RmtInf></TxDtls></NtryDtls>\n  </Ntry>\n", i, i%100, i)
	}
	buf.WriteString("</Document>\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.RawToken(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}
