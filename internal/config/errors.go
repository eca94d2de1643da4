package config

import (
	"fmt"
	"sort"
)

// FieldError is one problem with one configuration key. Load and Validate
// return every problem they find, joined (errors.Join); each is a
// *FieldError.
type FieldError struct {
	// Field is the key's path, e.g. "webhooks.endpoints[1].secrets[0]",
	// or the environment variable or flag at fault.
	Field string
	// Problem says what is wrong and the bound, e.g. "must be between 1s
	// and 1m0s".
	Problem string
	// Source says where the value came from ("file lettrage.yaml, line 12",
	// "env LETTRAGE_LISTEN", "flag --listen"); "" for a default.
	Source string
}

// Error implements error: "field: problem (source)".
func (e *FieldError) Error() string {
	if e.Source == "" {
		return e.Field + ": " + e.Problem
	}
	return e.Field + ": " + e.Problem + " (" + e.Source + ")"
}

// problems collects FieldErrors.
type problems []*FieldError

// add records a problem, formatting it like fmt.Sprintf.
func (p *problems) add(field, source, format string, args ...any) {
	*p = append(*p, &FieldError{Field: field, Problem: fmt.Sprintf(format, args...), Source: source})
}

// err returns the problems joined, sorted by field, or nil.
func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	sort.SliceStable(p, func(i, j int) bool { return p[i].Field < p[j].Field })
	return joined(p)
}

// joined is the error of several FieldErrors, one per line.
type joined []*FieldError

// Error implements error.
func (j joined) Error() string {
	s := ""
	for i, e := range j {
		if i > 0 {
			s += "\n"
		}
		s += e.Error()
	}
	return s
}

// Unwrap returns the FieldErrors, for errors.As and errors.Is.
func (j joined) Unwrap() []error {
	out := make([]error, len(j))
	for i, e := range j {
		out[i] = e
	}
	return out
}

// suggest returns ` (did you mean "x"?)` when one candidate is close to
// name (an edit distance of at most a third of its length), else "".
func suggest(name string, candidates []string) string {
	best, bestD := "", len(name)/3+1
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
