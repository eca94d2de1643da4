package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The end-to-end tests build the real binary once and run it as a user would.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func lettrageBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lettrage-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "lettrage")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("build lettrage: %v", buildErr)
	}
	return binPath
}

// runBinary runs the binary and returns stdout, stderr and the exit status.
func runBinary(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(lettrageBinary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

func TestE2EParseJSON(t *testing.T) {
	files, err := filepath.Glob("../../fixtures/camt053/*.xml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no CAMT fixtures: %v", err)
	}
	cfonb, _ := filepath.Glob("../../fixtures/cfonb120/*")
	for _, f := range cfonb {
		if !strings.HasSuffix(f, ".md") {
			files = append(files, f)
		}
	}
	stdout, stderr, code := runBinary(t, append([]string{"parse", "--json"}, files...)...)
	// Four public samples carry balances their entries do not add up to
	// (checked by hand: e.g. the batch sample's opening 7329.80 + credits
	// 7688.00 − debits 4753.74 is not its closing 23038.20; the UBS sample
	// books an EUR entry on a CHF account). parse must print them, say so,
	// and exit 1.
	wantUnbalanced := map[string]bool{
		"../../fixtures/camt053/moov_postfinance_camt053_v04.xml":                    true,
		"../../fixtures/camt053/svapnil_goldman_sachs_camt_053_uk_v02_multistmt.xml": true,
		"../../fixtures/camt053/viafintech_valid_example_v08.xml":                    true,
		"../../fixtures/camt053/viafintech_valid_example_with_batch_v02.xml":         true,
	}
	if code != 1 {
		t.Fatalf("parse exit %d, want 1 (unbalanced samples), stderr:\n%s", code, stderr)
	}
	seen := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var s statementSummary
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if s.Format == "" || s.Currency == "" || s.Credits == "" || s.Debits == "" {
			t.Errorf("incomplete summary: %s", sc.Text())
		}
		if s.Balanced != nil && !*s.Balanced {
			if !wantUnbalanced[s.File] {
				t.Errorf("unexpectedly unbalanced: %s", sc.Text())
			}
			if s.Difference == nil || !strings.Contains(stderr, s.StatementID) {
				t.Errorf("unbalanced statement without its difference on stdout and stderr: %s", sc.Text())
			}
		}
		seen[s.File]++
	}
	for _, f := range files {
		if seen[f] == 0 {
			t.Errorf("no statement printed for %s", f)
		}
	}
	// The Goldman Sachs sample holds two statements in one file.
	if n := seen["../../fixtures/camt053/svapnil_goldman_sachs_camt_053_uk_v02_multistmt.xml"]; n != 2 {
		t.Errorf("multi-statement file printed %d statements, want 2", n)
	}
}

func TestE2EParseRejects(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.xml")
	if err := os.WriteFile(garbage, []byte("<Document><BkToCstmrStmt><Stmt>"), 0o600); err != nil {
		t.Fatal(err)
	}
	unknown := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(unknown, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{garbage, unknown, filepath.Join(dir, "missing.xml")} {
		stdout, stderr, code := runBinary(t, "parse", "--json", f)
		if code != 1 {
			t.Errorf("parse %s: exit %d, want 1", f, code)
		}
		if stdout != "" {
			t.Errorf("parse %s printed a summary for a rejected file: %s", f, stdout)
		}
		if !strings.Contains(stderr, f) {
			t.Errorf("parse %s: stderr does not name the file: %s", f, stderr)
		}
	}
}

func TestE2EUsage(t *testing.T) {
	if _, _, code := runBinary(t); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
	if _, _, code := runBinary(t, "parse"); code != 2 {
		t.Errorf("parse without files: exit %d, want 2", code)
	}
	if _, _, code := runBinary(t, "frobnicate"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	stdout, _, code := runBinary(t, "version")
	if code != 0 || !strings.Contains(stdout, "lettrage") {
		t.Errorf("version: exit %d, output %q", code, stdout)
	}
}
