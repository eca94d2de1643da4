package detect

import "testing"

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		head    string
		want    Kind
		wantErr bool
	}{
		{"xml declaration", `<?xml version="1.0"?><Document>`, KindXML, false},
		{"bom then xml", "\xEF\xBB\xBF<?xml version=\"1.0\"?>", KindXML, false},
		{"leading blank lines then xml", "\r\n\n  <Document>", KindXML, false},
		{"cfonb 01 record", "0130004    00123EUR2 00012345678  011126", KindCFONB120, false},
		{"cfonb after blank line", "\n0130004", KindCFONB120, false},
		{"empty", "", "", true},
		{"only blanks", " \n\r\n", "", true},
		{"cfonb 04 first", "0430004", "", true},
		{"csv", "invoice_id,number", "", true},
		{"json", `{"a":1}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Sniff([]byte(tt.head))
			if (err != nil) != tt.wantErr {
				t.Fatalf("Sniff(%q) error = %v, wantErr %v", tt.head, err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("Sniff(%q) = %q, want %q", tt.head, got, tt.want)
			}
		})
	}
}
