package main

import (
	"bytes"
	"maps"
	"slices"
	"sort"
	"strings"
)

// --output text, as awscli/text.py prints it: per object a line of its
// scalar values (keys sorted, tab-separated, prefixed by the enclosing
// key in capitals), then its lists and objects under their key; a list of
// scalars on one line. Python's str() spells scalars: None, True, False.

func pyStr(v any) string { return scalarString(v, "None", "True", "False") }

func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

func writeText(b *bytes.Buffer, v any) { formatText(b, v, "", nil) }

func formatText(b *bytes.Buffer, v any, identifier string, scalarKeys []string) {
	switch x := v.(type) {
	case map[string]any:
		textDict(b, x, identifier, scalarKeys)
	case []any:
		textList(b, x, identifier)
	default:
		b.WriteString(pyStr(v))
		b.WriteByte('\n')
	}
}

func textList(b *bytes.Buffer, list []any, identifier string) {
	if len(list) == 0 {
		return
	}
	hasDict, hasList := false, false
	for _, e := range list {
		switch e.(type) {
		case map[string]any:
			hasDict = true
		case []any:
			hasList = true
		}
	}
	switch {
	case hasDict:
		keys := allScalarKeys(list)
		for _, e := range list {
			formatText(b, e, identifier, keys)
		}
	case hasList:
		var scalars, others []any
		for _, e := range list {
			if isContainer(e) {
				others = append(others, e)
			} else {
				scalars = append(scalars, e)
			}
		}
		if len(scalars) > 0 {
			textScalarList(b, scalars, identifier)
		}
		for _, e := range others {
			formatText(b, e, identifier, nil)
		}
	default:
		textScalarList(b, list, identifier)
	}
}

func textScalarList(b *bytes.Buffer, list []any, identifier string) {
	if identifier != "" {
		for _, e := range list {
			b.WriteString(strings.ToUpper(identifier) + "\t" + pyStr(e) + "\n")
		}
		return
	}
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = pyStr(e)
	}
	b.WriteString(strings.Join(parts, "\t") + "\n")
}

func textDict(b *bytes.Buffer, m map[string]any, identifier string, scalarKeys []string) {
	var scalars []string
	type child struct {
		key string
		v   any
	}
	var children []child
	if scalarKeys == nil {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if isContainer(m[k]) {
				children = append(children, child{k, m[k]})
			} else {
				scalars = append(scalars, pyStr(m[k]))
			}
		}
	} else {
		in := make(map[string]bool, len(scalarKeys))
		for _, k := range scalarKeys {
			in[k] = true
			if v, ok := m[k]; ok {
				scalars = append(scalars, pyStr(v))
			} else {
				scalars = append(scalars, "")
			}
		}
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if !in[k] {
				children = append(children, child{k, m[k]})
			}
		}
	}
	if len(scalars) > 0 {
		if identifier != "" {
			scalars = append([]string{strings.ToUpper(identifier)}, scalars...)
		}
		b.WriteString(strings.Join(scalars, "\t") + "\n")
	}
	for _, c := range children {
		formatText(b, c.v, c.key, nil)
	}
}

func allScalarKeys(list []any) []string {
	seen := make(map[string]bool)
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			for k, v := range m {
				if !isContainer(v) {
					seen[k] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
