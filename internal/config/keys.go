package config

import (
	"reflect"
	"strings"
	"time"
)

// EnvPrefix starts every environment variable of the configuration.
const EnvPrefix = "LETTRAGE_"

// Environment variables that are not configuration keys.
const (
	// EnvAPIToken adds one bearer token with every scope (stored hashed).
	EnvAPIToken = "LETTRAGE_API_TOKEN"
	// EnvConfigFile names the configuration file when no --config is given.
	EnvConfigFile = "LETTRAGE_CONFIG"
	// envTestPrefix is reserved for the test suites (LETTRAGE_TEST_PG_DSN…).
	envTestPrefix = "LETTRAGE_TEST_"
)

// Key describes one settable configuration key.
type Key struct {
	// Path is the key as messages name it, e.g. "webhooks.timeout".
	Path string
	// Env is its environment variable, e.g. "LETTRAGE_WEBHOOKS_TIMEOUT".
	Env string
	// index locates the field in Config (reflect.Value.FieldByIndex).
	index []int
	typ   reflect.Type
}

var durationType = reflect.TypeFor[time.Duration]()

// Keys returns every settable key (scalars and lists; not the sections
// that group them), in the order of the Config struct.
func Keys() []Key {
	var keys []Key
	var walk func(t reflect.Type, prefix string, index []int)
	walk = func(t reflect.Type, prefix string, index []int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name := yamlName(f)
			if name == "" {
				continue
			}
			path := name
			if prefix != "" {
				path = prefix + "." + name
			}
			idx := append(append([]int(nil), index...), i)
			if f.Type.Kind() == reflect.Struct && f.Type != durationType {
				walk(f.Type, path, idx)
				continue
			}
			keys = append(keys, Key{Path: path, Env: envName(path), index: idx, typ: f.Type})
		}
	}
	walk(reflect.TypeFor[Config](), "", nil)
	return keys
}

// yamlName returns the key of a struct field, "" for fields that are not
// configuration keys.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// envName returns the environment variable of a key path.
func envName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}
