package camt053

import (
	"io"
	"strings"
	"testing"
)

func TestCharsetReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		label string
		in    string
		want  string // "" means refused
	}{
		{"UTF-8", "é", "é"},
		{"US-ASCII", "abc", "abc"},
		{"ascii", "abc", "abc"},
		{"ISO-8859-1", "\xe9\x80", "é€"}, // read as windows-1252
		{"latin1", "\xe9", "é"},
		{"ISO-8859-15", "\xa4", "€"},
		{"windows-1252", "\x80\x9c", "€œ"},
		{"cp1252", "\x80", "€"},
		{"UTF-16", "", ""},
		{"Shift_JIS", "", ""},
		{"IBM037", "", ""}, // EBCDIC: not ASCII-compatible
		{"no-such-charset", "", ""},
	}
	for _, tt := range tests {
		r, err := CharsetReader(tt.label, strings.NewReader(tt.in))
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: accepted, want refused", tt.label)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.label, err)
			continue
		}
		got, _ := io.ReadAll(r)
		if string(got) != tt.want {
			t.Errorf("%s: %q, want %q", tt.label, got, tt.want)
		}
	}
}
