package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// LoadArgs is everything Load reads. Nothing else is consulted: no global
// flag set, no os.Getenv.
type LoadArgs struct {
	// File is the YAML file to read; "" means LETTRAGE_CONFIG when set in
	// Env, else no file.
	File string
	// Env is the environment in os.Environ form ("KEY=value").
	Env []string
	// Flags are the values given on the command line, by key path
	// ("data_dir", "webhooks.allow_private_targets"); see RegisterFlags.
	Flags map[string]string
}

// Load builds the configuration: defaults, then the file, then the
// LETTRAGE_* environment variables, then the flags, each overriding the
// one before; then it normalises (token hashes in lower case, endpoint
// names defaulting to their URL) and validates. The error joins every
// problem found, each a *FieldError naming the key and where its value
// came from; nothing is validated while the file, environment or flags
// have problems of their own.
//
// Environment variables are LETTRAGE_ and the key path in upper case with
// "_" for ".": LETTRAGE_DATA_DIR, LETTRAGE_WEBHOOKS_ALLOW_PRIVATE_TARGETS.
// Strings are taken as is, booleans as strconv.ParseBool reads them, other
// values (numbers, durations, lists such as LETTRAGE_WEBHOOKS_ENDPOINTS)
// as YAML, e.g. '[{url: "https://…", secrets: ["whsec_…"], events: ["*"]}]'.
// A list replaces the file's list whole. An unknown LETTRAGE_ variable is
// an error, except LETTRAGE_API_TOKEN (adds a token with every scope),
// LETTRAGE_CONFIG (the file) and LETTRAGE_TEST_* (test suites).
func Load(args LoadArgs) (Config, error) {
	cfg := Default()
	cfg.sources = map[string]string{}
	env := lettrageEnv(args.Env)
	file := args.File
	if file == "" {
		file = env[EnvConfigFile]
	}
	var probs problems
	if file != "" {
		if err := loadFile(&cfg, file, &probs); err != nil {
			return Config{}, err
		}
	}
	applyEnv(&cfg, env, &probs)
	applyFlags(&cfg, args.Flags, &probs)
	if err := probs.err(); err != nil {
		return Config{}, err
	}
	cfg.normalize()
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// loadFile decodes the YAML file into cfg. Problems in its content go to
// probs; an unreadable or unparsable file is returned as the error.
func loadFile(cfg *Config, file string, probs *problems) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file: every default
		}
		return fmt.Errorf("config file %s: %w", file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: more than one YAML document", file)
	}
	root := &doc
	for root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config file %s: line %d: must be a mapping of keys", file, root.Line)
	}
	d := decoder{
		source:  func(n *yaml.Node) string { return fmt.Sprintf("file %s, line %d", file, n.Line) },
		probs:   probs,
		sources: cfg.sources,
	}
	d.mapping(reflect.ValueOf(cfg).Elem(), root, "")
	return nil
}

// lettrageEnv returns the LETTRAGE_ variables of env by name (the last
// one wins when a name repeats).
func lettrageEnv(env []string) map[string]string {
	out := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvPrefix) {
			out[k] = v
		}
	}
	return out
}

// applyEnv sets the keys given by environment variables.
func applyEnv(cfg *Config, env map[string]string, probs *problems) {
	keys := map[string]Key{}
	var names []string
	for _, k := range Keys() {
		keys[k.Env] = k
		names = append(names, k.Env)
	}
	vars := make([]string, 0, len(env))
	for name := range env {
		vars = append(vars, name)
	}
	sort.Strings(vars)
	for _, name := range vars {
		k, ok := keys[name]
		switch {
		case ok:
			setString(cfg, k, env[name], "env "+name, probs)
		case name == EnvAPIToken || name == EnvConfigFile || strings.HasPrefix(name, envTestPrefix):
		default:
			probs.add(name, "environment", "unknown variable%s", suggest(name, append(names, EnvAPIToken, EnvConfigFile)))
		}
	}
	if tok, ok := env[EnvAPIToken]; ok {
		if len(tok) < minTokenLength {
			probs.add(EnvAPIToken, "environment", "must be at least %d characters", minTokenLength)
			return
		}
		cfg.API.Tokens = append(cfg.API.Tokens, Token{
			Name:   EnvAPIToken,
			SHA256: HashToken(tok),
			Scopes: []string{ScopeRead, ScopeWrite},
		})
		cfg.sources[fmt.Sprintf("api.tokens[%d]", len(cfg.API.Tokens)-1)] = "env " + EnvAPIToken
	}
}

// minTokenLength is the shortest bearer token accepted from
// LETTRAGE_API_TOKEN.
const minTokenLength = 16

// applyFlags sets the keys given by flags, by key path.
func applyFlags(cfg *Config, flags map[string]string, probs *problems) {
	keys := map[string]Key{}
	var paths []string
	for _, k := range Keys() {
		keys[k.Path] = k
		paths = append(paths, k.Path)
	}
	given := make([]string, 0, len(flags))
	for p := range flags {
		given = append(given, p)
	}
	sort.Strings(given)
	for _, p := range given {
		k, ok := keys[p]
		if !ok {
			probs.add(p, "flags", "unknown key%s", suggest(p, paths))
			continue
		}
		setString(cfg, k, flags[p], "flag --"+flagName(p), probs)
	}
}

// setString sets key k of cfg from the text of an environment variable or
// a flag: strings as is, booleans by strconv.ParseBool, anything else as
// YAML.
func setString(cfg *Config, k Key, raw, source string, probs *problems) {
	v := reflect.ValueOf(cfg).Elem().FieldByIndex(k.index)
	forgetSources(cfg.sources, k.Path)
	switch {
	case k.typ.Kind() == reflect.String:
		v.SetString(raw)
		cfg.sources[k.Path] = source
	case k.typ.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			probs.add(k.Path, source, "must be true or false, not %q", raw)
			return
		}
		v.SetBool(b)
		cfg.sources[k.Path] = source
	case strings.TrimSpace(raw) == "":
		probs.add(k.Path, source, "empty value")
	default:
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(raw), &n); err != nil {
			probs.add(k.Path, source, "not valid YAML: %v", err)
			return
		}
		d := decoder{source: func(*yaml.Node) string { return source }, probs: probs, sources: cfg.sources}
		d.value(v, &n, k.Path)
	}
}

// flagName is the command-line flag of a key path: "data_dir" → "data-dir".
func flagName(path string) string { return strings.ReplaceAll(path, "_", "-") }

// forgetSources drops the recorded sources of path and of everything under
// it, before a later layer replaces its value.
func forgetSources(sources map[string]string, path string) {
	for p := range sources {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			delete(sources, p)
		}
	}
}

// sourceOf returns where the value at path came from: the source recorded
// for it or for the nearest key above it, "" for a default.
func (c *Config) sourceOf(path string) string {
	for p := path; p != ""; {
		if s, ok := c.sources[p]; ok {
			return s
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return ""
}
