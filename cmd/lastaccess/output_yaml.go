package main

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// --output yaml, as AWS CLI v2 prints it: ruamel.yaml's safe dumper
// (YAML 1.2, block style, keys sorted, sequences not indented under their
// key, plain scalars folded past column 80), which runs libyaml's
// emitter. No Go YAML library emits that: gopkg.in/yaml.v3 quotes with
// YAML 1.1's rules ("yes", "no", "on") and never folds, so this is a
// small emitter for JSON values, checked against ruamel's output by the
// golden tests.

const yamlWidth = 80

// yamlImplicit matches what a plain scalar would resolve to other than a
// string under ruamel's YAML 1.2 resolver: such strings must be quoted.
var yamlImplicit = regexp.MustCompile(`^(?:` +
	`true|True|TRUE|false|False|FALSE` +
	`|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)` +
	`|[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+` +
	`|<<|~|null|Null|NULL|` +
	`|[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?` +
	`|=)$`)

type yamlWriter struct {
	b      *bytes.Buffer
	column int
}

func (w *yamlWriter) write(s string) {
	w.b.WriteString(s)
	w.column += len([]rune(s))
}

func (w *yamlWriter) newline(indent int) {
	w.b.WriteByte('\n')
	w.b.WriteString(strings.Repeat(" ", indent))
	w.column = indent
}

func writeYAML(b *bytes.Buffer, v any) {
	w := &yamlWriter{b: b}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			w.write("{}")
		} else {
			w.mapping(x, 0, true)
		}
	case []any:
		if len(x) == 0 {
			w.write("[]")
		} else {
			w.sequence(x, 0, true)
		}
	default:
		// The AWS CLI prints a scalar result as JSON, not as a YAML document.
		d := &document{}
		d.writeJSON(b, v, 0)
	}
	b.WriteByte('\n')
}

func (w *yamlWriter) mapping(m map[string]any, indent int, inline bool) {
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 || !inline {
			w.newline(indent)
		}
		w.scalar(k, indent, true)
		w.write(":")
		w.value(m[k], indent+2, indent)
	}
}

func (w *yamlWriter) sequence(l []any, indent int, inline bool) {
	for i, e := range l {
		if i > 0 || !inline {
			w.newline(indent)
		}
		w.write("-")
		switch x := e.(type) {
		case map[string]any:
			if len(x) == 0 {
				w.write(" {}")
			} else {
				w.write(" ")
				w.mapping(x, indent+2, true)
			}
		case []any:
			if len(x) == 0 {
				w.write(" []")
			} else {
				w.write(" ")
				w.sequence(x, indent+2, true)
			}
		default:
			w.write(" ")
			w.scalarValue(e, indent+2)
		}
	}
}

// value writes a mapping's value after "key:"; a nested sequence stays at
// the key's indentation, as ruamel writes it.
func (w *yamlWriter) value(v any, indent, keyIndent int) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			w.write(" {}")
			return
		}
		w.mapping(x, indent, false)
	case []any:
		if len(x) == 0 {
			w.write(" []")
			return
		}
		w.sequence(x, keyIndent, false)
	default:
		w.write(" ")
		w.scalarValue(v, indent)
	}
}

func (w *yamlWriter) scalarValue(v any, indent int) {
	switch x := v.(type) {
	case string:
		w.scalar(x, indent, false)
	case float64:
		s := formatNumber(x)
		if strings.ContainsAny(s, "e") && !strings.Contains(s, ".") {
			i := strings.IndexByte(s, 'e')
			s = s[:i] + ".0" + s[i:]
		}
		w.write(s)
	default:
		w.write(scalarString(v, "null", "true", "false"))
	}
}

// yamlAnalysis is libyaml's scalar analysis, reduced to block context.
type yamlAnalysis struct {
	plain, single bool
}

func analyzeYAML(s string) yamlAnalysis {
	if s == "" {
		return yamlAnalysis{plain: true, single: true}
	}
	r := []rune(s)
	isBreak := func(c rune) bool { return c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029 }
	isWS := func(i int) bool { return i >= len(r) || r[i] == ' ' || r[i] == '\t' || isBreak(r[i]) || r[i] == 0 }
	blockIndicators, lineBreaks, special := false, false, false
	leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak := false, false, false, false, false, false
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockIndicators = true
	}
	precededByWS, prevSpace, prevBreak := true, false, false
	for i, c := range r {
		followedByWS := isWS(i + 1)
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", c) {
				blockIndicators = true
			}
			if (c == '?' || c == ':') && followedByWS {
				blockIndicators = true
			}
			if c == '-' && followedByWS {
				blockIndicators = true
			}
		} else {
			if c == ':' && followedByWS {
				blockIndicators = true
			}
			if c == '#' && precededByWS {
				blockIndicators = true
			}
		}
		if isBreak(c) {
			lineBreaks = true
		}
		printable := c == '\n' || (c >= 0x20 && c <= 0x7e) || c == 0x85 || (c >= 0xa0 && c <= 0xd7ff) ||
			(c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff)
		if !printable || c == 0xfeff {
			special = true
		}
		switch {
		case c == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(r)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreak(c):
			if i == 0 {
				leadingBreak = true
			}
			if i == len(r)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		precededByWS = c == ' ' || c == '\t' || isBreak(c) || c == 0
	}
	a := yamlAnalysis{plain: true, single: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.plain = false
	}
	if breakSpace || spaceBreak || special {
		a.plain, a.single = false, false
	}
	if lineBreaks || blockIndicators {
		a.plain = false
	}
	return a
}

// scalar writes a string in the style libyaml chooses: plain when allowed
// and it would read back as a string, else single-quoted, else double.
func (w *yamlWriter) scalar(s string, indent int, key bool) {
	a := analyzeYAML(s)
	switch {
	case a.plain && s != "" && !yamlImplicit.MatchString(s):
		w.folded(s, indent, !key, false)
	case a.single:
		w.write("'")
		w.folded(strings.ReplaceAll(s, "'", "''"), indent, !key, true)
		w.write("'")
	default:
		w.write(doubleQuoted(s))
	}
}

// folded writes text, breaking the line at a single space once past the
// width, as libyaml's plain and single-quoted writers do.
func (w *yamlWriter) folded(s string, indent int, split, quoted bool) {
	r := []rune(s)
	spaces, breaks := false, false
	for i, c := range r {
		switch {
		case c == ' ':
			atEdge := quoted && (i == 0 || i == len(r)-1)
			if split && !spaces && w.column > yamlWidth && !atEdge && (i+1 >= len(r) || r[i+1] != ' ') {
				w.newline(indent)
			} else {
				w.write(" ")
			}
			spaces = true
		case c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029:
			// libyaml doubles the first \n of a run (a single one would
			// fold into a space) and writes other breaks as they are.
			if !breaks && c == '\n' {
				w.b.WriteByte('\n')
			}
			w.b.WriteString(string(c))
			w.column = 0
			breaks = true
		default:
			if breaks {
				w.b.WriteString(strings.Repeat(" ", indent))
				w.column = indent
			}
			w.write(string(c))
			spaces, breaks = false, false
		}
	}
	if breaks && quoted {
		w.b.WriteString(strings.Repeat(" ", indent))
		w.column = indent
	}
}

func doubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range s {
		switch c {
		case 0:
			b.WriteString(`\0`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		case '\v':
			b.WriteString(`\v`)
		case '\f':
			b.WriteString(`\f`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1b:
			b.WriteString(`\e`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case 0x85:
			b.WriteString(`\N`)
		case 0xa0:
			b.WriteString(`\_`)
		case 0x2028:
			b.WriteString(`\L`)
		case 0x2029:
			b.WriteString(`\P`)
		default:
			switch {
			case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
				fmt.Fprintf(&b, `\x%02X`, c)
			case c == 0xfeff || (c >= 0xd800 && c <= 0xdfff) || c == 0xfffe || c == 0xffff:
				fmt.Fprintf(&b, `\u%04X`, c)
			default:
				b.WriteRune(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
