package config

import "flag"

// flagKeys are the keys that have their own command-line flag, named after
// the key ("data_dir" → --data-dir).
var flagKeys = []struct{ key, usage string }{
	{"data_dir", "data directory: inbox/, archive/, rejected/ and the SQLite database (default ./data)"},
	{"listen", "HTTP address of the API and /metrics (default 127.0.0.1:8080)"},
	{"database", "PostgreSQL URL postgres://user@host:5432/db; empty for SQLite in the data directory"},
	{"log_level", "log level: trace, debug, info, warn, error (default info)"},
	{"log_format", "log format: json, console, or auto (console on a terminal) (default auto)"},
	{"replica", "name of this replica among those sharing the database and data directory (default: host name)"},
}

// Flags are the configuration flags registered on a flag.FlagSet.
type Flags struct {
	fs     *flag.FlagSet
	file   *string
	values map[string]*string // by key
}

// RegisterFlags registers --config and the flags of the main keys
// (--data-dir, --listen, --database, --log-level, --log-format, --replica)
// on fs.
// After fs.Parse, Args gives what Load needs; only flags given on the
// command line override the environment and the file.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{fs: fs, values: map[string]*string{}}
	f.file = fs.String("config", "", "YAML configuration file (or LETTRAGE_CONFIG)")
	for _, k := range flagKeys {
		f.values[k.key] = fs.String(flagName(k.key), "", k.usage+"; env "+envName(k.key))
	}
	return f
}

// Args returns the LoadArgs of the parsed flags with the environment env
// (os.Environ form).
func (f *Flags) Args(env []string) LoadArgs {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	given := map[string]string{}
	for k, v := range f.values {
		if set[flagName(k)] {
			given[k] = *v
		}
	}
	return LoadArgs{File: *f.file, Env: env, Flags: given}
}
