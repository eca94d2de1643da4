// Package archtest checks mechanically that dependencies point inward:
// adapters depend on the domain core, never the reverse, and the core and
// the public matchers package depend on nothing of ours.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/lettrage/lettrage"

// rule says which non-standard-library dependencies a package may have.
type rule struct {
	pkg string
	// allowed reports whether dep (a non-stdlib import path) may be a
	// dependency of pkg.
	allowed func(dep string) bool
	why     string
}

func TestDependenciesPointInward(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-f", `{{.ImportPath}}|{{join .Deps " "}}|{{.Standard}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 {
			continue
		}
		deps[parts[0]] = strings.Fields(parts[1])
	}
	nonStd := func(d string) bool {
		first := strings.SplitN(d, "/", 2)[0]
		return strings.Contains(first, ".")
	}
	noStorageOrTransport := func(d string) bool {
		for _, banned := range []string{
			module + "/internal/sqlite", module + "/internal/postgres", module + "/internal/store",
			module + "/internal/httpapi", module + "/internal/webhook",
			"github.com/jackc/", "modernc.org/sqlite", "github.com/golang-migrate/",
		} {
			if strings.HasPrefix(d, banned) {
				return false
			}
		}
		return true
	}
	rules := []rule{
		{module + "/internal/ledger", func(string) bool { return false }, "the domain core imports the standard library only"},
		{module + "/matchers", func(d string) bool { return d == "github.com/agnivade/levenshtein" }, "matchers is public: stdlib and levenshtein only"},
		{module + "/internal/statement", func(d string) bool {
			return strings.HasPrefix(d, module+"/internal/ledger") || strings.HasPrefix(d, module+"/internal/statement") || strings.HasPrefix(d, "golang.org/x/text")
		}, "parsers depend on the core and x/text only"},
		{module + "/internal/reconcile", func(d string) bool {
			return noStorageOrTransport(d) && (strings.HasPrefix(d, module+"/internal/ledger") || strings.HasPrefix(d, module+"/matchers") || d == "github.com/agnivade/levenshtein")
		}, "the engine depends on the core and matchers only"},
		{module + "/internal/sqlite", func(d string) bool { return !strings.HasPrefix(d, module+"/internal/postgres") }, "adapters never import each other"},
		{module + "/internal/postgres", func(d string) bool { return !strings.HasPrefix(d, module+"/internal/sqlite") }, "adapters never import each other"},
	}
	for _, r := range rules {
		for pkg, ds := range deps {
			if pkg != r.pkg && !strings.HasPrefix(pkg, r.pkg+"/") {
				continue
			}
			for _, d := range ds {
				if !nonStd(d) || strings.HasPrefix(d, pkg) || d == r.pkg {
					continue
				}
				if !r.allowed(d) {
					t.Errorf("%s depends on %s: %s", pkg, d, r.why)
				}
			}
		}
	}
}
