package ingest

import (
	"io/fs"
	"strings"
	"testing"
	"time"
)

func TestIgnoredName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		ignored bool
	}{
		{"releve.cfo", false},
		{"camt053_2026-11-03.xml", false},
		{"statement.PDF", false},
		{"~statement.xml", false},
		{".hidden.xml", true},
		{".releve.cfo.X3kd9a", true}, // rsync
		{"releve.cfo.part", true},
		{"releve.cfo.PART", true},
		{"releve.cfo.tmp", true},
		{"releve.cfo.temp", true},
		{"releve.cfo.crdownload", true},
		{"releve.cfo.download", true},
		{"releve.cfo.partial", true},
		{"releve.cfo.filepart", true},
		{"releve.cfo~", true},
		{"~$releve.xlsx", true},
		{"", true},
	} {
		if got := ignoredName(tt.name); got != tt.ignored {
			t.Errorf("ignoredName(%q) = %v, want %v", tt.name, got, tt.ignored)
		}
	}
}

func TestProcessingNames(t *testing.T) {
	t.Parallel()
	id := "01JC3Z8N7Q6M5K4J3H2G1F0E9D"
	n := processingName(id, "my file-1.xml")
	gotID, gotName, ok := splitProcessingName(n)
	if !ok || gotID != id || gotName != "my file-1.xml" {
		t.Fatalf("split(%q) = %q, %q, %v", n, gotID, gotName, ok)
	}
	for _, bad := range []string{"a.xml", "01JC3Z8N7Q6M5K4J3H2G1F0E9D", "01jc3z8n7q6m5k4j3h2g1f0e9d-a.xml", "01JC3Z8N7Q6M5K4J3H2G1F0E9D_a.xml"} {
		if _, name, ok := splitProcessingName(bad); ok || name != bad {
			t.Errorf("split(%q) accepted", bad)
		}
	}
}

func TestVariantAndSafeName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		n    int
		want string
	}{
		{"a.xml", 1, "a.xml"},
		{"a.xml", 2, "a-2.xml"},
		{"a", 3, "a-3"},
		{".xml", 2, ".xml-2"},
		{"archive.tar.gz", 2, "archive.tar-2.gz"},
		{"x.averyveryverylongext", 2, "x.averyveryverylongext-2"},
	} {
		if got := variant(tt.name, tt.n); got != tt.want {
			t.Errorf("variant(%q, %d) = %q, want %q", tt.name, tt.n, got, tt.want)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"a.xml", "a.xml"},
		{"line\nbreak.xml", "line_break.xml"},
		{"bad\xffutf8", "bad_utf8"},
		{"..", "unnamed"},
		{"", "unnamed"},
		{".x", "_x"},
		{"relevé €.cfo", "relevé €.cfo"},
	} {
		if got := safeName(tt.in); got != tt.want {
			t.Errorf("safeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("é", 200)
	if got := safeName(long); len(got) > maxNameBytes || !strings.HasPrefix(long, got) {
		t.Errorf("safeName of a long name: %d bytes", len(got))
	}
}

// fakeInfo is a FileInfo for the settler's tests.
type fakeInfo struct {
	size  int64
	mtime time.Time
	mode  fs.FileMode
}

func (f fakeInfo) Name() string       { return "f" }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return f.mtime }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

func TestSettler(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)
	s := newSettler(5 * time.Second)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	grow := func(n int64) fakeInfo { return fakeInfo{size: n, mtime: t0.Add(time.Duration(n) * time.Millisecond)} }

	s.observe("a", grow(10), at(0), false)
	if s.ready("a", at(4*time.Second)) {
		t.Fatal("ready before the settle time")
	}
	s.observe("a", grow(20), at(4*time.Second), false) // it grew: start again
	if s.ready("a", at(8*time.Second)) {
		t.Fatal("ready 4 s after it last changed")
	}
	s.observe("a", grow(20), at(8*time.Second), false) // unchanged
	if !s.ready("a", at(9*time.Second)) {
		t.Fatal("not ready 5 s after it last changed")
	}
	// The same size with another modification time is a change.
	s.observe("a", fakeInfo{size: 20, mtime: t0.Add(time.Hour)}, at(10*time.Second), false)
	if s.ready("a", at(14*time.Second)) {
		t.Fatal("a new modification time did not restart the settle time")
	}
	// Renamed in: ready at once, until it changes.
	s.observe("b", grow(30), at(0), true)
	if !s.ready("b", at(0)) {
		t.Fatal("renamed file not ready at once")
	}
	s.observe("b", grow(30), at(time.Second), false)
	if !s.ready("b", at(time.Second)) {
		t.Fatal("a later look forgot the rename")
	}
	s.observe("b", grow(31), at(2*time.Second), false)
	if s.ready("b", at(2*time.Second)) {
		t.Fatal("renamed file that then changed is still ready")
	}
	s.forget("b")
	if s.ready("b", at(time.Hour)) || len(s.names()) != 1 {
		t.Fatal("forget")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	store := Store(nil)
	base := func() Config { return Config{DataDir: "/tmp/x", Store: fakeStore{store}} }
	if err := base().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for _, tt := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no data dir", func(c *Config) { c.DataDir = "" }, "data_dir is required"},
		{"no store", func(c *Config) { c.Store = nil }, "a store is required"},
		{"negative settle", func(c *Config) { c.SettleTime = -time.Second }, "settle_time must be positive"},
		{"negative lease", func(c *Config) { c.Lease = -1 }, "lease must be positive"},
		{"negative size", func(c *Config) { c.MaxFileBytes = -1 }, "max_file_bytes must be positive"},
		{"orphan too soon", func(c *Config) { c.OrphanAfter = time.Second }, "orphan_after 1s must be at least twice settle_time 5s"},
	} {
		c := base()
		tt.change(&c)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if got := safeReplica("pod/../x y"); got != "pod_.._x_y" {
		t.Errorf("safeReplica = %q", got)
	}
	if got := safeReplica(".."); got != "lettrage" {
		t.Errorf("safeReplica(..) = %q", got)
	}
}

// fakeStore only stands in for a store in Validate, which checks that one
// is given.
type fakeStore struct{ Store }
