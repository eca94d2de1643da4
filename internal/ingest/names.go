package ingest

import (
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Directories of the data directory, relative to it.
const (
	dirInbox      = "inbox"
	dirProcessing = "processing"
	dirArchive    = "archive"
	dirRejected   = "rejected"
)

// errorSuffix is appended to a rejected file's name to name its report.
const errorSuffix = ".error.json"

// tempSuffixes mark files still being written by their producer (browsers,
// download managers, editors, copy tools): they are never taken, whatever
// their age; the producer renames them when done.
var tempSuffixes = []string{".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".filepart", ".swp", "~"}

// ignoredName reports whether a name in inbox/ is never taken: dotfiles
// (hidden files, rsync's and editors' temporary files), Office lock files
// (~$…) and temporary suffixes.
func ignoredName(name string) bool {
	if name == "" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$") {
		return true
	}
	lower := strings.ToLower(name)
	for _, s := range tempSuffixes {
		if strings.HasSuffix(lower, s) {
			return true
		}
	}
	return false
}

// intakeIDLen is the length of the identifier (a ULID) a taken file's name
// is prefixed with in processing/.
const intakeIDLen = 26

// processingName is the name a file taken from inbox/ gets in processing/:
// "<intake id>-<name>", unique, so two files of the same name never meet.
func processingName(intakeID, name string) string { return intakeID + "-" + name }

// splitProcessingName returns the intake id and the original name of a
// file in processing/; ok is false for a name this package did not make.
func splitProcessingName(base string) (intakeID, name string, ok bool) {
	if len(base) <= intakeIDLen+1 || base[intakeIDLen] != '-' {
		return "", base, false
	}
	for i := range intakeIDLen {
		c := base[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return "", base, false
		}
	}
	return base[:intakeIDLen], base[intakeIDLen+1:], true
}

// maxNameBytes bounds the names this package writes (most file systems
// allow 255 bytes), leaving room for the content hash, a variant number and
// the report suffix.
const maxNameBytes = 255 - 65 - 8 - len(errorSuffix)

// safeName returns a file name fit to be written in archive/ or rejected/:
// control characters replaced by '_', invalid UTF-8 replaced, cut to
// maxNameBytes on a character boundary, never empty or a dotfile.
func safeName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "_") {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			r = '_'
		}
		if b.Len()+utf8.RuneLen(r) > maxNameBytes {
			break
		}
		b.WriteRune(r)
	}
	out := b.String()
	if out == "" || out == "." || out == ".." {
		out = "unnamed"
	}
	if strings.HasPrefix(out, ".") {
		out = "_" + out[1:]
	}
	return out
}

// variant returns the n-th name of a series (n ≥ 1): name itself, then
// "stem-2.ext", "stem-3.ext"…, so a file never overwrites another of the
// same name and keeps its extension.
func variant(name string, n int) string {
	if n <= 1 {
		return name
	}
	ext := path.Ext(name)
	if ext == name || len(ext) > 12 {
		ext = ""
	}
	return strings.TrimSuffix(name, ext) + "-" + strconv.Itoa(n) + ext
}

// archiveDir is the archive folder of a file taken at t: archive/YYYY/MM.
func archiveDir(t time.Time) string {
	t = t.UTC()
	return path.Join(dirArchive, t.Format("2006"), t.Format("01"))
}

// archiveName is a file's content-addressed name in the archive:
// "<sha256>-<name>".
func archiveName(sha, name string) string { return sha + "-" + safeName(name) }

// splitDetail reads a completed job's Detail: the destination path, then
// (for a rejection) a newline and the reason.
func splitDetail(detail string) (dest, reason string) {
	dest, reason, _ = strings.Cut(detail, "\n")
	return dest, reason
}
