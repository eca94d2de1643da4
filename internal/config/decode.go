package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"
)

// decoder sets configuration fields from YAML nodes, strictly: unknown and
// duplicate keys, wrong kinds of values and integers given as floats are
// problems named by their key path. It records where each value came from.
type decoder struct {
	// source describes where a node comes from.
	source  func(n *yaml.Node) string
	probs   *problems
	sources map[string]string
}

// value decodes n into v, the field at path.
func (d *decoder) value(v reflect.Value, n *yaml.Node, path string) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	src := d.source(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// An empty value keeps the default; an empty list is a list.
		if v.Kind() == reflect.Slice {
			v.Set(reflect.Zero(v.Type()))
			d.sources[path] = src
		}
		return
	}
	d.sources[path] = src
	t := v.Type()
	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
			d.probs.add(path, src, "must be a duration with a unit, such as 15s, 5m or 2h30m")
			return
		}
		dur, err := time.ParseDuration(n.Value)
		if err != nil {
			d.probs.add(path, src, "%q is not a duration (use a unit, such as 15s, 5m or 2h30m)", n.Value)
			return
		}
		v.SetInt(int64(dur))
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			d.probs.add(path, src, "must be a mapping of keys")
			return
		}
		d.mapping(v, n, path)
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.probs.add(path, src, "must be a list")
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.value(s.Index(i), item, fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case n.Kind != yaml.ScalarNode:
		d.probs.add(path, src, "must be a single value, not a %s", kindName(n.Kind))
	case t.Kind() == reflect.String:
		v.SetString(n.Value)
	case t.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(n.Value)
		if n.ShortTag() != "!!bool" || err != nil {
			d.probs.add(path, src, "must be true or false, not %q", n.Value)
			return
		}
		v.SetBool(b)
	case t.Kind() == reflect.Int || t.Kind() == reflect.Int64:
		var i int64
		if n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.probs.add(path, src, "must be a whole number, not %q", n.Value)
			return
		}
		v.SetInt(i)
	case t.Kind() == reflect.Float64:
		var f float64
		tag := n.ShortTag()
		if (tag != "!!int" && tag != "!!float") || n.Decode(&f) != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			d.probs.add(path, src, "must be a number, not %q", n.Value)
			return
		}
		v.SetFloat(f)
	default:
		panic("config: no decoding for " + t.String()) // a new field type needs a case
	}
}

// mapping decodes a YAML mapping into the struct v. Merge keys ("<<") are
// applied first so that the mapping's own keys override them.
func (d *decoder) mapping(v reflect.Value, n *yaml.Node, path string) {
	t := v.Type()
	fields := map[string]int{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if name := yamlName(t.Field(i)); name != "" {
			fields[name] = i
			names = append(names, name)
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.ShortTag() != "!!merge" {
			continue
		}
		if val.Kind == yaml.AliasNode && val.Alias != nil {
			val = val.Alias
		}
		merged := []*yaml.Node{val}
		if val.Kind == yaml.SequenceNode {
			merged = val.Content
		}
		for _, m := range merged {
			if m.Kind == yaml.AliasNode && m.Alias != nil {
				m = m.Alias
			}
			if m.Kind != yaml.MappingNode {
				d.probs.add(path, d.source(k), "merge key << must refer to mappings")
				continue
			}
			d.mapping(v, m, path)
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.ShortTag() == "!!merge" {
			continue
		}
		child := k.Value
		if path != "" {
			child = path + "." + k.Value
		}
		if k.Kind != yaml.ScalarNode {
			d.probs.add(path, d.source(k), "keys must be plain names")
			continue
		}
		if seen[k.Value] {
			d.probs.add(child, d.source(k), "duplicate key")
			continue
		}
		seen[k.Value] = true
		idx, ok := fields[k.Value]
		if !ok {
			d.probs.add(child, d.source(k), "unknown key%s", suggest(k.Value, names))
			continue
		}
		d.value(v.Field(idx), val, child)
	}
}

// kindName names a YAML node kind for messages.
func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "document"
}
