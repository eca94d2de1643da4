package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/lettrage/lettrage/internal/ledger"
)

// Secrets used by the tests: 24 and 32 bytes.
const (
	secret24 = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secret32 = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD1Aahn2ZHBkE="
)

const exampleFile = "../../deploy/lettrage.example.yaml"

// writeFile writes content to a file in a fresh temporary directory.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "lettrage.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// sansSources returns c without its sources and with empty lists as nil,
// for reflect.DeepEqual.
func sansSources(c Config) Config {
	c.sources = nil
	if len(c.API.Tokens) == 0 {
		c.API.Tokens = nil
	}
	if len(c.Webhooks.Endpoints) == 0 {
		c.Webhooks.Endpoints = nil
	}
	return c
}

func TestDefaultIsValid(t *testing.T) {
	t.Parallel()
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestExampleFileLoadsAndShowsTheDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := Load(LoadArgs{File: exampleFile})
	if err != nil {
		t.Fatalf("Load(%s): %v", exampleFile, err)
	}
	if got, want := sansSources(cfg), sansSources(Default()); !reflect.DeepEqual(got, want) {
		t.Errorf("the example file does not show the defaults:\n got %+v\nwant %+v", got, want)
	}
}

// uncommentSamples returns the example file with each commented sample
// block ("# tokens:" followed by "#   - …" lines) put in place of the empty
// list it documents ("tokens: []").
func uncommentSamples(t *testing.T, text string) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	head := regexp.MustCompile(`^(\s*)# ([a-z_]+):\s*$`)
	var out []string
	replaced := 0
	for i := 0; i < len(lines); i++ {
		m := head.FindStringSubmatch(lines[i])
		if m == nil {
			out = append(out, lines[i])
			continue
		}
		indent, key := m[1], m[2]
		block := []string{indent + key + ":"}
		j := i + 1
		for ; j < len(lines) && strings.HasPrefix(lines[j], indent+"#   "); j++ {
			block = append(block, indent+strings.TrimPrefix(lines[j], indent+"# "))
		}
		if j >= len(lines) || strings.TrimSpace(lines[j]) != key+": []" {
			t.Fatalf("sample block %q at line %d is not followed by %q", key, i+1, key+": []")
		}
		out = append(out, block...)
		i = j
		replaced++
	}
	if replaced == 0 {
		t.Fatal("no commented sample block found")
	}
	return strings.Join(out, "\n")
}

// allPaths returns every key path a complete configuration has, list
// elements as [0].
func allPaths() []string {
	var paths []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := 0; i < t.NumField(); i++ {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			p := name
			if prefix != "" {
				p = prefix + "." + name
			}
			ft := t.Field(i).Type
			switch {
			case ft.Kind() == reflect.Struct && ft != durationType:
				walk(ft, p)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(ft.Elem(), p+"[0]")
			default:
				paths = append(paths, p)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return paths
}

func TestExampleFileDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	full := uncommentSamples(t, string(raw))
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(full), &doc); err != nil {
		t.Fatalf("the example with its samples uncommented is not YAML: %v\n%s", err, full)
	}
	cfg := Default()
	cfg.sources = map[string]string{}
	var probs problems
	d := decoder{source: func(n *yaml.Node) string { return "example" }, probs: &probs, sources: cfg.sources}
	d.mapping(reflect.ValueOf(&cfg).Elem(), doc.Content[0], "")
	if err := probs.err(); err != nil {
		t.Fatalf("the uncommented samples do not decode: %v", err)
	}
	for _, p := range allPaths() {
		if _, ok := cfg.sources[p]; !ok {
			t.Errorf("key %s is missing from %s", p, exampleFile)
		}
	}
	// Every key carries a comment: above it, or on its line.
	var check func(n *yaml.Node, path string)
	check = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if v.Kind == yaml.MappingNode {
					check(v, p)
					continue
				}
				if k.HeadComment == "" && k.LineComment == "" && v.LineComment == "" {
					t.Errorf("key %s (line %d) has no comment", p, k.Line)
				}
				if v.Kind == yaml.SequenceNode {
					for _, item := range v.Content {
						check(item, p+"[]")
					}
				}
			}
		}
	}
	check(doc.Content[0], "")
}

func TestKeysHaveDistinctEnvironmentVariables(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, k := range Keys() {
		if other, dup := seen[k.Env]; dup {
			t.Errorf("%s and %s share the variable %s", other, k.Path, k.Env)
		}
		seen[k.Env] = k.Path
		if k.Env == EnvAPIToken || k.Env == EnvConfigFile || strings.HasPrefix(k.Env, envTestPrefix) {
			t.Errorf("key %s takes the reserved variable %s", k.Path, k.Env)
		}
	}
	for _, want := range []string{"LETTRAGE_DATA_DIR", "LETTRAGE_WEBHOOKS_ALLOW_PRIVATE_TARGETS", "LETTRAGE_DUNNING_TIMEZONE", "LETTRAGE_WEBHOOKS_ENDPOINTS"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("no key has the variable %s", want)
		}
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	file := writeFile(t, `listen: 127.0.0.1:7001
data_dir: /srv/file
webhooks:
  timeout: 20s
  allow_private_targets: false
  endpoints:
    - url: https://file.example/hook
      secrets: ["`+secret24+`"]
      events: ["*"]
api:
  tokens:
    - name: file
      sha256: "`+strings.ToUpper(HashToken("file-token-0123456789"))+`"
      scopes: [read]
`)
	other := writeFile(t, "listen: 127.0.0.1:7999\n")
	tests := []struct {
		name  string
		args  LoadArgs
		check func(t *testing.T, c Config)
	}{
		{"defaults without a file", LoadArgs{}, func(t *testing.T, c Config) {
			want(t, c.Listen, "127.0.0.1:8080")
			want(t, c.Source("listen"), "")
		}},
		{"file over default", LoadArgs{File: file}, func(t *testing.T, c Config) {
			want(t, c.Listen, "127.0.0.1:7001")
			want(t, c.Source("listen"), "file "+file+", line 1")
			want(t, c.Webhooks.Timeout, 20*time.Second)
			want(t, c.Ingest.SettleTime, 5*time.Second) // untouched default
			want(t, c.API.Tokens[0].SHA256, HashToken("file-token-0123456789"))
		}},
		{"environment over file", LoadArgs{File: file, Env: []string{"LETTRAGE_LISTEN=127.0.0.1:7002", "LETTRAGE_WEBHOOKS_TIMEOUT=30s", "PATH=/bin"}}, func(t *testing.T, c Config) {
			want(t, c.Listen, "127.0.0.1:7002")
			want(t, c.Source("listen"), "env LETTRAGE_LISTEN")
			want(t, c.Webhooks.Timeout, 30*time.Second)
			want(t, c.DataDir, "/srv/file")
		}},
		{"flag over environment over file", LoadArgs{File: file, Env: []string{"LETTRAGE_LISTEN=127.0.0.1:7002", "LETTRAGE_DATA_DIR=/srv/env"}, Flags: map[string]string{"listen": "127.0.0.1:7003"}}, func(t *testing.T, c Config) {
			want(t, c.Listen, "127.0.0.1:7003")
			want(t, c.Source("listen"), "flag --listen")
			want(t, c.DataDir, "/srv/env")
		}},
		{"flag over default without file", LoadArgs{Flags: map[string]string{"data_dir": "/srv/flag", "webhooks.allow_private_targets": "true"}}, func(t *testing.T, c Config) {
			want(t, c.DataDir, "/srv/flag")
			want(t, c.Webhooks.AllowPrivateTargets, true)
		}},
		{"empty flag clears the environment's database", LoadArgs{Env: []string{"LETTRAGE_DATABASE=postgres://u@db:5432/x"}, Flags: map[string]string{"database": ""}}, func(t *testing.T, c Config) {
			want(t, c.Database, "")
		}},
		{"boolean from the environment", LoadArgs{File: file, Env: []string{"LETTRAGE_WEBHOOKS_ALLOW_PRIVATE_TARGETS=1"}}, func(t *testing.T, c Config) {
			want(t, c.Webhooks.AllowPrivateTargets, true)
		}},
		{"list from the environment replaces the file's", LoadArgs{File: file, Env: []string{`LETTRAGE_WEBHOOKS_ENDPOINTS=[{name: env, url: "https://env.example/h", secrets: ["` + secret32 + `", "` + secret24 + `"], events: ["lettrage.*", invoice.paid]}]`}}, func(t *testing.T, c Config) {
			want(t, len(c.Webhooks.Endpoints), 1)
			want(t, c.Webhooks.Endpoints[0].URL, "https://env.example/h")
			want(t, len(c.Webhooks.Endpoints[0].Secrets), 2)
			want(t, c.Source("webhooks.endpoints[0].url"), "env LETTRAGE_WEBHOOKS_ENDPOINTS")
		}},
		{"retry delays from the environment", LoadArgs{Env: []string{"LETTRAGE_WEBHOOKS_RETRY_DELAYS=[100ms, 1s]", "LETTRAGE_WEBHOOKS_MAX_AGE=5s"}}, func(t *testing.T, c Config) {
			want(t, reflect.DeepEqual(c.Webhooks.RetryDelays, []time.Duration{100 * time.Millisecond, time.Second}), true)
			want(t, c.WebhookSchedule().MaxAge, 5*time.Second)
		}},
		{"LETTRAGE_API_TOKEN adds a hashed token with every scope", LoadArgs{File: file, Env: []string{"LETTRAGE_API_TOKEN=env-token-0123456789"}}, func(t *testing.T, c Config) {
			want(t, len(c.API.Tokens), 2)
			tok := c.API.Tokens[1]
			want(t, tok.Name, EnvAPIToken)
			want(t, tok.SHA256, HashToken("env-token-0123456789"))
			want(t, strings.Join(tok.Scopes, ","), "read,write")
			want(t, c.Source("api.tokens[1].sha256"), "env LETTRAGE_API_TOKEN")
		}},
		{"LETTRAGE_CONFIG names the file", LoadArgs{Env: []string{"LETTRAGE_CONFIG=" + file}}, func(t *testing.T, c Config) {
			want(t, c.Listen, "127.0.0.1:7001")
		}},
		{"the File argument wins over LETTRAGE_CONFIG", LoadArgs{File: other, Env: []string{"LETTRAGE_CONFIG=" + file}}, func(t *testing.T, c Config) {
			want(t, c.Listen, "127.0.0.1:7999")
		}},
		{"endpoint name defaults to its url", LoadArgs{File: file}, func(t *testing.T, c Config) {
			want(t, c.Webhooks.Endpoints[0].Name, "https://file.example/hook")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(tc.args)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tc.check(t, c)
		})
	}
}

// want fails the test when got != expected.
func want[T comparable](t *testing.T, got, expected T) {
	t.Helper()
	if got != expected {
		t.Errorf("got %v, want %v", got, expected)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string // file content; "" for no file
		env   []string
		flags map[string]string
		want  []string // each must appear in the error, one per line
	}{
		{name: "unknown top-level key with suggestion", file: "listen: 127.0.0.1:1\ndata_dri: /x\n",
			want: []string{`data_dri: unknown key (did you mean "data_dir"?) (file FILE, line 2)`}},
		{name: "unknown nested key names its path", file: "webhooks:\n  endpoints:\n    - url: https://a.example/h\n      secret: x\n      events: ['*']\n",
			want: []string{`webhooks.endpoints[0].secret: unknown key (did you mean "secrets"?) (file FILE, line 4)`}},
		{name: "unknown section key", file: "matching:\n  threshold: 0.9\n",
			want: []string{"matching.threshold: unknown key (file FILE, line 2)"}},
		{name: "every problem at once", file: "foo: 1\napi:\n  bar: 2\n",
			want: []string{"foo: unknown key", "api.bar: unknown key"}},
		{name: "duplicate key", file: "listen: a:1\nlisten: b:2\n",
			want: []string{"listen: duplicate key (file FILE, line 2)"}},
		{name: "duration without unit", file: "webhooks:\n  timeout: 15\n",
			want: []string{"webhooks.timeout: must be a duration with a unit, such as 15s, 5m or 2h30m (file FILE, line 2)"}},
		{name: "bad duration", file: "ingest:\n  settle_time: soon\n",
			want: []string{`ingest.settle_time: "soon" is not a duration`}},
		{name: "float for a whole number", file: "webhooks:\n  workers: 2.5\n",
			want: []string{`webhooks.workers: must be a whole number, not "2.5"`}},
		{name: "yes is not a boolean", file: "webhooks:\n  allow_private_targets: yes\n",
			want: []string{`webhooks.allow_private_targets: must be true or false, not "yes"`}},
		{name: "mapping for a list", file: "webhooks:\n  endpoints: {}\n",
			want: []string{"webhooks.endpoints: must be a list"}},
		{name: "list for a string", file: "listen: [a, b]\n",
			want: []string{"listen: must be a single value, not a list"}},
		{name: "string for a section", file: "api: yes\n",
			want: []string{"api: must be a mapping of keys"}},
		{name: "unknown environment variable with suggestion", env: []string{"LETTRAGE_DATADIR=/x"},
			want: []string{`LETTRAGE_DATADIR: unknown variable (did you mean "LETTRAGE_DATA_DIR"?) (environment)`}},
		{name: "unknown nested environment variable", env: []string{"LETTRAGE_WEBHOOKS_ALLOW_PRIVATE=true"},
			want: []string{`LETTRAGE_WEBHOOKS_ALLOW_PRIVATE: unknown variable`}},
		{name: "bad boolean from the environment", env: []string{"LETTRAGE_WEBHOOKS_ALLOW_PRIVATE_TARGETS=maybe"},
			want: []string{`webhooks.allow_private_targets: must be true or false, not "maybe" (env LETTRAGE_WEBHOOKS_ALLOW_PRIVATE_TARGETS)`}},
		{name: "bad number from the environment", env: []string{"LETTRAGE_WEBHOOKS_WORKERS=four"},
			want: []string{`webhooks.workers: must be a whole number, not "four" (env LETTRAGE_WEBHOOKS_WORKERS)`}},
		{name: "empty number from the environment", env: []string{"LETTRAGE_WEBHOOKS_WORKERS="},
			want: []string{`webhooks.workers: empty value (env LETTRAGE_WEBHOOKS_WORKERS)`}},
		{name: "unknown key inside a list from the environment", env: []string{`LETTRAGE_API_TOKENS=[{name: a, hash: x}]`},
			want: []string{`api.tokens[0].hash: unknown key (env LETTRAGE_API_TOKENS)`}},
		{name: "short LETTRAGE_API_TOKEN", env: []string{"LETTRAGE_API_TOKEN=short"},
			want: []string{"LETTRAGE_API_TOKEN: must be at least 16 characters"}},
		{name: "unknown flag key", flags: map[string]string{"listn": "x"},
			want: []string{`listn: unknown key (did you mean "listen"?) (flags)`}},
		{name: "bad duration flag", flags: map[string]string{"shutdown_timeout": "10"},
			want: []string{"shutdown_timeout: must be a duration with a unit, such as 15s, 5m or 2h30m (flag --shutdown-timeout)"}},
		{name: "validation names the source", env: []string{"LETTRAGE_LISTEN=nowhere"},
			want: []string{`listen: "nowhere" is not host:port (e.g. 127.0.0.1:8080) (env LETTRAGE_LISTEN)`}},
		{name: "validation names the file line", file: "webhooks:\n  workers: 0\n",
			want: []string{"webhooks.workers: must be between 1 and 64, got 0 (file FILE, line 2)"}},
		{name: "two documents", file: "listen: a:1\n---\nlisten: b:2\n",
			want: []string{"more than one YAML document"}},
		{name: "not a mapping", file: "- a\n- b\n",
			want: []string{"line 1: must be a mapping of keys"}},
		{name: "broken YAML", file: "listen: [\n",
			want: []string{"config file FILE: yaml:"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := LoadArgs{Env: tc.env, Flags: tc.flags}
			if tc.file != "" {
				args.File = writeFile(t, tc.file)
			}
			_, err := Load(args)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tc.want {
				w = strings.ReplaceAll(w, "FILE", args.File)
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestSpecialEnvironmentVariablesAreNotUnknown(t *testing.T) {
	t.Parallel()
	_, err := Load(LoadArgs{Env: []string{
		"LETTRAGE_TEST_PG_DSN=postgres://postgres@127.0.0.1:5432/test",
		"LETTRAGE_TEST_ANYTHING=1",
		"LETTRAGE_API_TOKEN=0123456789abcdef",
		"HOME=/root", "LETTRAGEX=1", "noequals",
	}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load(LoadArgs{File: filepath.Join(t.TempDir(), "absent.yaml")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Load(absent file) = %v, want os.ErrNotExist", err)
	}
}

func TestEmptyFileMeansDefaults(t *testing.T) {
	t.Parallel()
	for _, content := range []string{"", "# only a comment\n", "~\n"} {
		c, err := Load(LoadArgs{File: writeFile(t, content)})
		if err != nil {
			t.Fatalf("Load(%q): %v", content, err)
		}
		if !reflect.DeepEqual(sansSources(c), sansSources(Default())) {
			t.Errorf("Load(%q) is not the defaults", content)
		}
	}
}

func TestFileAnchorsAndMergeKeys(t *testing.T) {
	t.Parallel()
	c, err := Load(LoadArgs{File: writeFile(t, `x-common: &common
  secrets: ["`+secret24+`"]
  events: ["*"]
webhooks:
  endpoints:
    - <<: *common
      url: https://a.example/h
    - <<: *common
      url: https://b.example/h
      events: [invoice.paid]
`)})
	if err == nil || !strings.Contains(err.Error(), "x-common: unknown key") {
		t.Fatalf("an unknown top-level anchor holder must be refused, got %v", err)
	}
	c, err = Load(LoadArgs{File: writeFile(t, `webhooks:
  endpoints:
    - &a
      url: https://a.example/h
      secrets: ["`+secret24+`"]
      events: ["*"]
    - <<: *a
      url: https://b.example/h
      events: [invoice.paid]
`)})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	eps := c.Webhooks.Endpoints
	want(t, len(eps), 2)
	want(t, eps[1].URL, "https://b.example/h")
	want(t, eps[1].Secrets[0], secret24)
	want(t, strings.Join(eps[1].Events, ","), "invoice.paid")
}

func TestValidate(t *testing.T) {
	t.Parallel()
	policy := filepath.Join(t.TempDir(), "dunning.yaml")
	if err := os.WriteFile(policy, []byte("stages: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	endpoint := func(mut func(*Endpoint)) func(*Config) {
		return func(c *Config) {
			e := Endpoint{Name: "e0", URL: "https://a.example/h", Secrets: []string{secret24}, Events: []string{"*"}}
			e1 := e
			e1.Name = "e1"
			mut(&e1)
			c.Webhooks.Endpoints = []Endpoint{e, e1}
		}
	}
	tests := []struct {
		name string
		mut  func(*Config)
		want string // "" means valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"empty data_dir", func(c *Config) { c.DataDir = " " }, "data_dir: must not be empty"},
		{"listen without port", func(c *Config) { c.Listen = "localhost" }, `listen: "localhost" is not host:port`},
		{"listen port out of range", func(c *Config) { c.Listen = ":70000" }, `listen: ":70000": port must be a number from 0 to 65535`},
		{"listen port 0 is fine", func(c *Config) { c.Listen = "127.0.0.1:0" }, ""},
		{"database must be postgres", func(c *Config) { c.Database = "mysql://u:hunter2@h/db" }, `database: must be empty (embedded SQLite in data_dir) or a postgres://user@host:port/db URL, got "mysql://u:xxxxx@h/db"`},
		{"postgres database", func(c *Config) { c.Database = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable" }, ""},
		{"log level", func(c *Config) { c.LogLevel = "verbose" }, `log_level: "verbose" is not one of trace, debug, info, warn, error`},
		{"log format", func(c *Config) { c.LogFormat = "xml" }, `log_format: "xml" is not one of auto, json, console`},
		{"shutdown timeout", func(c *Config) { c.ShutdownTimeout = time.Hour }, "shutdown_timeout: must be between 1s and 10m0s, got 1h0m0s"},
		{"replica with a slash", func(c *Config) { c.Replica = "a/b" }, `replica: must be 1 to 64 letters, digits, '.', '_' or '-' (it names a directory), got "a/b"`},
		{"webhook lease within the timeout", func(c *Config) { c.Webhooks.Lease = 10 * time.Second }, "webhooks.lease: must exceed webhooks.timeout (15s), got 10s"},
		{"ingest lease", func(c *Config) { c.Ingest.Lease = 0 }, "ingest.lease: must be between 1s and 24h0m0s, got 0s"},
		{"memory limit too small", func(c *Config) { c.MemoryLimit = 1 << 20 }, "memory_limit: must be 0 (none) or between 67108864 (64 MiB) and 2^50 bytes, got 1048576"},
		{"replica dot dot", func(c *Config) { c.Replica = ".." }, `replica: must be 1 to 64 letters, digits, '.', '_' or '-' (it names a directory), got ".."`},
		{"max body", func(c *Config) { c.API.MaxBodyBytes = 10 }, "api.max_body_bytes: must be between 1024 and 1073741824 bytes (1 GiB), got 10"},
		{"token name", func(c *Config) {
			c.API.Tokens = []Token{{Name: "a b", SHA256: HashToken("x"), Scopes: []string{"read"}}}
		}, `api.tokens[0].name: must be 1–64 letters, digits or _ . - characters, got "a b"`},
		{"token hash is not the token", func(c *Config) {
			c.API.Tokens = []Token{{Name: "erp", SHA256: "my-secret-token", Scopes: []string{"read"}}}
		}, "api.tokens[0].sha256: must be 64 hexadecimal characters, the SHA-256 of the token (never the token itself)"},
		{"token scope", func(c *Config) {
			c.API.Tokens = []Token{{Name: "erp", SHA256: HashToken("x"), Scopes: []string{"read", "admin"}}}
		}, `api.tokens[0].scopes[1]: "admin" is not a scope: must be read or write`},
		{"token without scope", func(c *Config) {
			c.API.Tokens = []Token{{Name: "erp", SHA256: HashToken("x")}}
		}, "api.tokens[0].scopes: must list at least one of read, write"},
		{"duplicate token", func(c *Config) {
			c.API.Tokens = []Token{{Name: "a", SHA256: HashToken("x"), Scopes: []string{"read"}}, {Name: "b", SHA256: HashToken("x"), Scopes: []string{"write"}}}
		}, "api.tokens[1].sha256: same token as api.tokens[0]"},
		{"duplicate token name", func(c *Config) {
			c.API.Tokens = []Token{{Name: "a", SHA256: HashToken("x"), Scopes: []string{"read"}}, {Name: "a", SHA256: HashToken("y"), Scopes: []string{"write"}}}
		}, `api.tokens[1].name: "a" is already the name of api.tokens[0]`},
		{"webhook timeout", func(c *Config) { c.Webhooks.Timeout = 2 * time.Minute }, "webhooks.timeout: must be between 1s and 1m0s, got 2m0s"},
		{"no retry delays", func(c *Config) { c.Webhooks.RetryDelays = nil }, "webhooks.retry_delays: must list 1 to 20 delays, got 0"},
		{"retry delay too long", func(c *Config) { c.Webhooks.RetryDelays = []time.Duration{time.Second, 48 * time.Hour} }, "webhooks.retry_delays[1]: must be between 10ms and 24h0m0s, got 48h0m0s"},
		{"max age", func(c *Config) { c.Webhooks.MaxAge = 0 }, "webhooks.max_age: must be between 1s and 720h0m0s, got 0s"},
		{"workers", func(c *Config) { c.Webhooks.Workers = 100 }, "webhooks.workers: must be between 1 and 64, got 100"},
		{"secret without prefix", endpoint(func(e *Endpoint) { e.Secrets = []string{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"} }),
			"webhooks.endpoints[1].secrets[0]: must start with whsec_ and decode to 24–64 bytes"},
		{"secret too short", endpoint(func(e *Endpoint) { e.Secrets = []string{secret24, "whsec_c2hvcnQ="} }),
			"webhooks.endpoints[1].secrets[1]: must start with whsec_ and decode to 24–64 bytes"},
		{"no secret", endpoint(func(e *Endpoint) { e.Secrets = nil }), "webhooks.endpoints[1].secrets: must list 1 to 10 secrets (the first signs), got 0"},
		{"url scheme", endpoint(func(e *Endpoint) { e.URL = "ftp://a.example/h" }), `webhooks.endpoints[1].url: webhook url "ftp://a.example/h": scheme must be http or https`},
		{"url with credentials", endpoint(func(e *Endpoint) { e.URL = "https://u:pw@a.example/h" }), `webhooks.endpoints[1].url: webhook url "https://u:xxxxx@a.example/h": must not carry user information`},
		{"plain http refused", endpoint(func(e *Endpoint) { e.URL = "http://a.example/h" }), "webhooks.endpoints[1].url: plain http is allowed only with webhooks.allow_private_targets: true; use https"},
		{"plain http with private targets", func(c *Config) {
			endpoint(func(e *Endpoint) { e.URL = "http://127.0.0.1:9/h" })(c)
			c.Webhooks.AllowPrivateTargets = true
		}, ""},
		{"unknown event", endpoint(func(e *Endpoint) { e.Events = []string{"invoice.paid", "invoice.payed"} }), `webhooks.endpoints[1].events[1]: "invoice.payed" is not "*", a family such as "lettrage.*", or one of statement.ingested`},
		{"unknown family", endpoint(func(e *Endpoint) { e.Events = []string{"refund.*"} }), `webhooks.endpoints[1].events[0]: "refund.*" is not "*"`},
		{"family and types", endpoint(func(e *Endpoint) { e.Events = []string{"lettrage.*", "dunning.stage_changed", "invoice.paid"} }), ""},
		{"no events", endpoint(func(e *Endpoint) { e.Events = nil }), `webhooks.endpoints[1].events: must list event types, families such as "lettrage.*", or "*"`},
		{"duplicate endpoint name", endpoint(func(e *Endpoint) { e.Name = "e0" }), `webhooks.endpoints[1].name: "e0" is already the name of webhooks.endpoints[0]`},
		{"auto threshold", func(c *Config) { c.Matching.AutoThreshold = 1.5 }, "matching.auto_threshold: must be within (0, 1], got 1.5"},
		{"review above auto", func(c *Config) { c.Matching.ReviewThreshold = 0.99 }, "matching.review_threshold: must be within (0, matching.auto_threshold = 0.95], got 0.99"},
		{"fee tolerance decimals", func(c *Config) { c.Matching.FeeTolerance = "0.005" }, `matching.fee_tolerance: must be a decimal amount from 0 to 1000.00 with at most 2 decimals, e.g. "1.00", got "0.005"`},
		{"fee tolerance negative", func(c *Config) { c.Matching.FeeTolerance = "-1" }, `matching.fee_tolerance: must be a decimal amount from 0 to 1000.00`},
		{"fee tolerance comma", func(c *Config) { c.Matching.FeeTolerance = "1,50" }, `matching.fee_tolerance: must be a decimal amount`},
		{"fee tolerance rel", func(c *Config) { c.Matching.FeeToleranceRel = 0.1 }, "matching.fee_tolerance_rel: must be within [0, 0.05], got 0.1"},
		{"max subset", func(c *Config) { c.Matching.MaxSubsetInvoices = 0 }, "matching.max_subset_invoices: must be between 1 and 10, got 0"},
		{"settle time", func(c *Config) { c.Ingest.SettleTime = 0 }, "ingest.settle_time: must be between 100ms and 10m0s, got 0s"},
		{"rescan interval", func(c *Config) { c.Ingest.RescanInterval = 2 * time.Hour }, "ingest.rescan_interval: must be between 100ms and 1h0m0s, got 2h0m0s"},
		{"max file bytes", func(c *Config) { c.Ingest.MaxFileBytes = 17 << 30 }, "ingest.max_file_bytes: must be between 1024 and 17179869184 bytes (16 GiB)"},
		{"cron schedule", func(c *Config) { c.Dunning.Schedule = "0 8 * *" }, `dunning.schedule: "0 8 * *" is not a 5-field cron schedule`},
		{"cron with seconds", func(c *Config) { c.Dunning.Schedule = "0 0 8 * * 1-5" }, `dunning.schedule: "0 0 8 * * 1-5" is not a 5-field cron schedule`},
		{"cron with its own zone", func(c *Config) { c.Dunning.Schedule = "CRON_TZ=UTC 0 8 * * *" }, "dunning.schedule: must not set a time zone (TZ=, CRON_TZ=); use dunning.timezone"},
		{"cron descriptor", func(c *Config) { c.Dunning.Schedule = "@daily" }, ""},
		{"no schedule disables the runs", func(c *Config) { c.Dunning.Schedule = "" }, ""},
		{"time zone", func(c *Config) { c.Dunning.Timezone = "Europe/Paname" }, `dunning.timezone: "Europe/Paname" is not an IANA time zone such as Europe/Paris`},
		{"empty time zone", func(c *Config) { c.Dunning.Timezone = "" }, "dunning.timezone: must not be empty"},
		{"missing policy file", func(c *Config) { c.Dunning.PolicyFile = policy + ".absent" }, "dunning.policy_file: cannot read " + policy + ".absent"},
		{"policy file is a directory", func(c *Config) { c.Dunning.PolicyFile = filepath.Dir(policy) }, "dunning.policy_file: " + filepath.Dir(policy) + " is not a regular file"},
		{"policy file", func(c *Config) { c.Dunning.PolicyFile = policy }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Default()
			tc.mut(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tc.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %T, want a *FieldError inside", err)
			}
			if lines := strings.Count(err.Error(), "\n") + 1; lines != 1 {
				t.Errorf("want exactly one problem, got %d:\n%v", lines, err)
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Validate() =\n%v\nwant it to start with\n%s", err, tc.want)
			}
		})
	}
}

func TestValidationNeverEchoesSecrets(t *testing.T) {
	t.Parallel()
	bad := "whsec_dG9vLXNob3J0LXNlY3JldA==" // 16 bytes
	c := Default()
	c.Webhooks.Endpoints = []Endpoint{{Name: "a", URL: "https://a.example/h", Secrets: []string{bad}, Events: []string{"*"}}}
	c.Database = "mysql://user:hunter2@db/x?password=hunter3"
	err := c.Validate()
	if err == nil {
		t.Fatal("Validate() = nil")
	}
	for _, leak := range []string{"dG9vLXNob3J0", "hunter2", "hunter3"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the message shows %q:\n%v", leak, err)
		}
	}
}

func TestRegisterFlags(t *testing.T) {
	t.Parallel()
	file := writeFile(t, "listen: 127.0.0.1:7001\nlog_level: debug\n")
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	flags := RegisterFlags(fs)
	if err := fs.Parse([]string{"--config", file, "--listen", "127.0.0.1:7003", "--data-dir=/srv/flag"}); err != nil {
		t.Fatal(err)
	}
	args := flags.Args([]string{"LETTRAGE_LISTEN=127.0.0.1:7002", "LETTRAGE_LOG_LEVEL=warn"})
	want(t, args.File, file)
	if _, given := args.Flags["log_level"]; given {
		t.Error("a flag not on the command line must not override the environment")
	}
	c, err := Load(args)
	if err != nil {
		t.Fatal(err)
	}
	want(t, c.Listen, "127.0.0.1:7003")
	want(t, c.DataDir, "/srv/flag")
	want(t, c.LogLevel, "warn")
	for _, name := range []string{"config", "data-dir", "listen", "database", "log-level", "log-format"} {
		if fs.Lookup(name) == nil {
			t.Errorf("flag --%s is not registered", name)
		}
	}
}

func TestDerived(t *testing.T) {
	t.Parallel()
	c, err := Load(LoadArgs{File: writeFile(t, `database: postgres://lettrage:hunter2@db:5432/prod?sslmode=require&password=hunter3
webhooks:
  max_age: 24h
  retry_delays: [1s, 1m]
  endpoints:
    - name: erp
      url: https://erp.example/h
      secrets: ["`+secret32+`", "`+secret24+`"]
      events: ["lettrage.*"]
`)})
	if err != nil {
		t.Fatal(err)
	}
	eps, err := c.WebhookEndpoints()
	if err != nil {
		t.Fatal(err)
	}
	want(t, len(eps), 1)
	want(t, eps[0].ID, "erp")
	want(t, eps[0].Secrets[0].Text(), secret32)
	want(t, eps[0].Secrets[1].Text(), secret24)
	want(t, eps[0].Wants(ledger.EventLettrageApplied), true)
	want(t, eps[0].Wants(ledger.EventInvoicePaid), false)

	s := c.WebhookSchedule()
	want(t, s.MaxAge, 24*time.Hour)
	want(t, reflect.DeepEqual(s.Delays, []time.Duration{time.Second, time.Minute}), true)
	if err := s.Validate(); err != nil {
		t.Error(err)
	}

	for _, tc := range []struct {
		cur   ledger.Currency
		minor int64
		fails bool
	}{{"EUR", 100, false}, {"KWD", 1000, false}, {"JPY", 1, false}} {
		m, err := c.Matching.FeeToleranceIn(tc.cur)
		if (err != nil) != tc.fails || m.Minor != tc.minor || (err == nil && m.Currency != tc.cur) {
			t.Errorf("FeeToleranceIn(%s) = %v, %v; want %d minor units", tc.cur, m, err, tc.minor)
		}
	}
	c.Matching.FeeTolerance = "1.50"
	if _, err := c.Matching.FeeToleranceIn("JPY"); err == nil {
		t.Error("1.50 JPY must not be accepted")
	}
	loc, err := c.Dunning.Location()
	if err != nil || loc.String() != "Europe/Paris" {
		t.Errorf("Location() = %v, %v", loc, err)
	}

	r := c.Redacted()
	for _, leak := range []string{"hunter2", "hunter3", strings.TrimPrefix(secret32, "whsec_"), strings.TrimPrefix(secret24, "whsec_")} {
		if strings.Contains(printYAML(t, r), leak) {
			t.Errorf("Redacted() shows %q", leak)
		}
	}
	want(t, c.Webhooks.Endpoints[0].Secrets[0], secret32) // the original is untouched
	want(t, r.Webhooks.Endpoints[0].URL, "https://erp.example/h")
}

// printYAML marshals v, the way --check-config may print it.
func printYAML(t *testing.T, v any) string {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHashToken(t *testing.T) {
	t.Parallel()
	// printf %s abc | sha256sum
	want(t, HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
}

// FuzzDecode feeds arbitrary YAML to the strict decoder: it must never
// panic, and a document it accepts must hold only known keys.
func FuzzDecode(f *testing.F) {
	raw, err := os.ReadFile(exampleFile)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(raw))
	f.Add("webhooks:\n  endpoints:\n    - &a {url: x, secrets: [y], events: ['*']}\n    - <<: *a\n      name: z\n")
	f.Add("api: {tokens: [{name: a, sha256: b, scopes: [read]}], max_body_bytes: 0x10}\n")
	f.Add("listen: !!binary aGVsbG8=\nworkers: 1e3\n")
	// Every path the decoder may record: keys, sections and list elements,
	// with list indexes written [].
	known := map[string]bool{}
	for _, p := range allPaths() {
		p = strings.ReplaceAll(p, "[0]", "[]")
		for q := p; q != ""; {
			known[q] = true
			i := strings.LastIndexAny(q, ".[")
			if i < 0 {
				break
			}
			q = q[:i]
		}
	}
	index := regexp.MustCompile(`\[\d+\]`)
	f.Fuzz(func(t *testing.T, doc string) {
		var n yaml.Node
		if yaml.Unmarshal([]byte(doc), &n) != nil || n.Kind != yaml.DocumentNode || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
			return
		}
		cfg := Default()
		cfg.sources = map[string]string{}
		var probs problems
		d := decoder{source: func(*yaml.Node) string { return "fuzz" }, probs: &probs, sources: cfg.sources}
		d.mapping(reflect.ValueOf(&cfg).Elem(), n.Content[0], "")
		if probs.err() != nil {
			return
		}
		for p := range cfg.sources {
			generic := index.ReplaceAllString(p, "[]")
			if !known[generic] && !known[strings.TrimSuffix(generic, "[]")] {
				t.Fatalf("accepted unknown key %s", p)
			}
		}
		_ = cfg.Validate() // must not panic
	})
}

func TestReplicaName(t *testing.T) {
	t.Parallel()
	c := Default()
	c.Replica = "lettrage-1"
	if got := c.ReplicaName(); got != "lettrage-1" {
		t.Errorf("ReplicaName with replica set = %q, want lettrage-1", got)
	}
	c.Replica = ""
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "lettrage"
	}
	if got := c.ReplicaName(); got != host {
		t.Errorf("ReplicaName without replica = %q, want the host name %q", got, host)
	}
}
