package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/jmespath/go-jmespath"
)

// Output as the AWS CLI prints it: the response (our JSON) goes through
// --query (JMESPath) and then the --output formatter. The formatters
// follow awscli/formatter.py, text.py and table.py (the same in AWS CLI
// v1 and v2) and, for yaml, v2's ruamel.yaml dumper; the golden tests
// compare each with what those print for our responses.

// Output formats of --output.
var outputFormats = []string{"json", "text", "table", "yaml"}

// outputOptions are the global options that shape output.
type outputOptions struct {
	format string // json (default), text, table, yaml
	query  string
	color  string // on, off, auto
}

func (o outputOptions) validate() error {
	if o.format != "" && !contains(outputFormats, o.format) {
		return usageErrorf("argument --output: Invalid choice, valid choices are: %s", strings.Join(outputFormats, " | "))
	}
	if o.color != "" && !contains([]string{"on", "off", "auto"}, o.color) {
		return usageErrorf("argument --color: Invalid choice, valid choices are: on | off | auto")
	}
	if o.query != "" {
		if _, err := jmespath.Compile(o.query); err != nil {
			return usageErrorf("argument --query: Bad value for --query %s: %v", o.query, err)
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// document is a decoded response: JSON values as JMESPath sees them
// (map[string]any, []any, float64, string, bool, nil), with the key order
// of every object, which Go maps do not keep and JSON output must.
type document struct {
	root any
	// order maps an object (by its map's identity) to its keys in order.
	order map[uintptr][]string
	// hashKeys are the keys of the query's multiselect hashes, in the
	// order written: the order of objects the query builds.
	hashKeys map[string]int
}

// decodeDocument reads JSON into a document, keeping key order.
func decodeDocument(data []byte) (*document, error) {
	d := &document{order: make(map[uintptr][]string)}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := d.decodeValue(dec)
	if err != nil {
		return nil, err
	}
	d.root = v
	return d, nil
}

func (d *document) decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			m := make(map[string]any)
			var keys []string
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := d.decodeValue(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := m[k]; !dup {
					keys = append(keys, k)
				}
				m[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			d.order[reflect.ValueOf(m).Pointer()] = keys
			return m, nil
		case '[':
			list := []any{}
			for dec.More() {
				v, err := d.decodeValue(dec)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return list, nil
		}
	case json.Number:
		return t.Float64()
	}
	return tok, nil
}

// keys returns an object's keys in output order: the response's order,
// or for an object the query built, the order its expression names them.
func (d *document) keys(m map[string]any) []string {
	if keys, ok := d.order[reflect.ValueOf(m).Pointer()]; ok && len(keys) == len(m) {
		return keys
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		ri, iok := d.hashKeys[keys[i]]
		rj, jok := d.hashKeys[keys[j]]
		switch {
		case iok && jok:
			return ri < rj
		case iok != jok:
			return iok
		}
		return keys[i] < keys[j]
	})
	return keys
}

// query applies a JMESPath expression to the document's root.
func (d *document) query(expr string) error {
	if expr == "" {
		return nil
	}
	result, err := jmespath.Search(expr, d.root)
	if err != nil {
		return fmt.Errorf("--query %s: %w", expr, err)
	}
	d.root = result
	d.hashKeys = multiselectHashKeys(expr)
	return nil
}

// multiselectHashKeys lists the keys of an expression's multiselect
// hashes ({Name: a, Time: b}) in the order written. JMESPath builds those
// objects as Go maps, so this is how their key order is kept; the
// expression itself is evaluated by go-jmespath.
func multiselectHashKeys(expr string) map[string]int {
	keys := make(map[string]int)
	var stack []byte
	lastIdent, identEnd := "", -1
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case c == '\'' || c == '`' || c == '"':
			j := i + 1
			for j < len(expr) && expr[j] != c {
				if expr[j] == '\\' {
					j++
				}
				j++
			}
			if c == '"' && j < len(expr) {
				var s string
				if json.Unmarshal([]byte(expr[i:j+1]), &s) == nil {
					lastIdent, identEnd = s, j
				}
			}
			i = j
			continue
		case c == '{' || c == '[' || c == '(':
			stack = append(stack, c)
		case c == '}' || c == ']' || c == ')':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case c == ':':
			if len(stack) > 0 && stack[len(stack)-1] == '{' && lastIdent != "" && strings.TrimSpace(expr[identEnd+1:i]) == "" {
				if _, seen := keys[lastIdent]; !seen {
					keys[lastIdent] = len(keys)
				}
			}
		case c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			j := i
			for j < len(expr) && (expr[j] == '_' || expr[j] >= 'A' && expr[j] <= 'Z' || expr[j] >= 'a' && expr[j] <= 'z' || expr[j] >= '0' && expr[j] <= '9') {
				j++
			}
			lastIdent, identEnd = expr[i:j], j-1
			i = j - 1
			continue
		}
		if c != ' ' && c != '\t' && c != '\n' {
			lastIdent = ""
		}
	}
	return keys
}

// writeOutput formats a response for --output and --query.
func writeOutput(w io.Writer, v any, title string, o outputOptions, tty bool) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	d, err := decodeDocument(raw)
	if err != nil {
		return err
	}
	if err := d.query(o.query); err != nil {
		return err
	}
	var b bytes.Buffer
	switch o.format {
	case "", "json":
		if m, ok := d.root.(map[string]any); ok && len(m) == 0 {
			return nil // as the AWS CLI: an empty object prints nothing
		}
		d.writeJSON(&b, d.root, 0)
		b.WriteByte('\n')
	case "text":
		writeText(&b, d.root)
	case "table":
		color := o.color == "on" || (o.color != "off" && tty)
		writeTable(&b, title, d.root, terminalWidth(), color)
	case "yaml":
		if m, ok := d.root.(map[string]any); ok && len(m) == 0 {
			return nil
		}
		writeYAML(&b, d.root)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// writeJSON prints as Python's json.dump(indent=4, ensure_ascii=False).
func (d *document) writeJSON(b *bytes.Buffer, v any, depth int) {
	indent := func(n int) {
		b.WriteByte('\n')
		b.WriteString(strings.Repeat("    ", n))
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range d.keys(x) {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(depth + 1)
			writeJSONString(b, k)
			b.WriteString(": ")
			d.writeJSON(b, x[k], depth+1)
		}
		indent(depth)
		b.WriteByte('}')
	case []any:
		if len(x) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			indent(depth + 1)
			d.writeJSON(b, e, depth+1)
		}
		indent(depth)
		b.WriteByte(']')
	case string:
		writeJSONString(b, x)
	default:
		b.WriteString(scalarString(v, "null", "true", "false"))
	}
}

func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// scalarString prints a scalar; null and the booleans as the caller's
// language spells them (JSON: null/true/false, Python's str: None/True/False).
func scalarString(v any, null, yes, no string) string {
	switch x := v.(type) {
	case nil:
		return null
	case bool:
		if x {
			return yes
		}
		return no
	case float64:
		return formatNumber(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// formatNumber prints an integral number as an integer (the response's
// numbers are integers; JMESPath hands them back as float64), any other as
// Python's repr would.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

//go:generate sh -c "/usr/bin/python3 gen_width_table.py > output_width_table.go && gofmt -w output_width_table.go"

// textWidth is the display width the table formatter uses: East Asian
// wide, full-width and ambiguous characters count 2.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	if r < 0x80 {
		return 1
	}
	i := sort.Search(len(wideRanges), func(i int) bool { return wideRanges[i][1] >= r })
	if i < len(wideRanges) && wideRanges[i][0] <= r {
		return 2
	}
	return 1
}
