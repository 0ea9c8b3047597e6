package main

import (
	"bytes"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// --output table, as awscli/table.py's MultiTable renders it: a titled
// section per object and list, scalar keys as column headers (sorted),
// one-row sections turned vertical when the table is wider than the
// terminal (80 columns when stdout is no terminal).

type tableSection struct {
	title     string
	headers   []string
	rows      [][]string
	indent    int
	maxWidths []int
}

func (s *tableSection) updateWidths(row []string) {
	if s.maxWidths == nil {
		for _, e := range row {
			s.maxWidths = append(s.maxWidths, textWidth(e))
		}
		return
	}
	for i, e := range row {
		if i < len(s.maxWidths) {
			s.maxWidths[i] = max(s.maxWidths[i], textWidth(e))
		}
	}
}

func (s *tableSection) addHeader(h []string) { s.updateWidths(h); s.headers = h }
func (s *tableSection) addRow(r []string)    { s.rows = append(s.rows, r); s.updateWidths(r) }

// columnWidths scales the columns (each padded by 4) to maxWidth, as
// Section.calculate_column_widths does; maxWidth < 0 means unscaled.
func (s *tableSection) columnWidths(padding, maxWidth int) []int {
	widths := make([]int, len(s.maxWidths))
	total := 0
	for i, w := range s.maxWidths {
		widths[i] = w + padding
		total += widths[i]
	}
	if maxWidth < 0 || len(widths) == 0 {
		return widths
	}
	scale := float64(maxWidth) / float64(total)
	sum := 0
	for i, w := range widths {
		widths[i] = int(pyRound(scale * float64(w)))
		sum += widths[i]
	}
	off := sum - maxWidth
	for off != 0 {
		n := len(widths)
		for k := 0; k < n; k++ {
			i := k
			if off < 0 {
				i = n - 1 - k
			}
			if off > 0 {
				widths[i]--
				off--
			} else {
				widths[i]++
				off++
			}
			if off == 0 {
				break
			}
		}
	}
	return widths
}

// pyRound rounds half to even, as Python 3's round.
func pyRound(x float64) float64 { return math.RoundToEven(x) }

func (s *tableSection) totalWidth(padding int, border bool, outer int) int {
	total := 0
	for _, w := range s.columnWidths(0, -1) {
		total += w + padding
	}
	if border {
		total += 2
	}
	total += 2 * outer
	return max(textWidth(s.title)+2+2*outer, total)
}

type tableBuilder struct {
	sections []*tableSection
	current  *tableSection
}

func (t *tableBuilder) newSection(title string, indent int) {
	t.current = &tableSection{title: title, indent: indent}
	t.sections = append(t.sections, t.current)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	case map[string]any:
		return len(x) > 0
	}
	return true
}

func (t *tableBuilder) build(title *string, v any, indent int) bool {
	if !truthy(v) {
		return false
	}
	if title != nil {
		t.newSection(*title, indent)
	}
	switch x := v.(type) {
	case []any:
		if _, ok := x[0].(map[string]any); ok {
			t.subTableFromList(x, indent, title)
		} else {
			for _, item := range x {
				if !isContainer(item) {
					t.current.addRow([]string{pyStr(item)})
				} else if l, ok := item.([]any); ok && allScalars(l) {
					row := make([]string, len(l))
					for i, e := range l {
						row[i] = pyStr(e)
					}
					t.current.addRow(row)
				} else {
					t.build(nil, item, 0)
				}
			}
		}
	case map[string]any:
		t.subTableFromDict(x, indent)
	}
	return true
}

func allScalars(l []any) bool {
	for _, e := range l {
		if isContainer(e) {
			return false
		}
	}
	return true
}

func groupScalarKeys(m map[string]any) (headers, more []string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if isContainer(m[k]) {
			more = append(more, k)
		} else {
			headers = append(headers, k)
		}
	}
	return headers, more
}

func (t *tableBuilder) subTableFromDict(m map[string]any, indent int) {
	headers, more := groupScalarKeys(m)
	if len(headers) == 1 {
		t.current.addRow([]string{headers[0], pyStr(m[headers[0]])})
	} else if len(headers) > 0 {
		t.current.addHeader(headers)
		row := make([]string, len(headers))
		for i, h := range headers {
			row[i] = pyStr(m[h])
		}
		t.current.addRow(row)
	}
	for _, k := range more {
		k := k
		t.build(&k, m[k], indent+1)
	}
}

func (t *tableBuilder) subTableFromList(list []any, indent int, title *string) {
	hs, ms := map[string]bool{}, map[string]bool{}
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			h, more := groupScalarKeys(m)
			for _, k := range h {
				hs[k] = true
			}
			for _, k := range more {
				ms[k] = true
			}
		}
	}
	headers, more := slices.Sorted(maps.Keys(hs)), slices.Sorted(maps.Keys(ms))
	t.current.addHeader(headers)
	first := true
	for _, e := range list {
		m, _ := e.(map[string]any)
		if !first && len(more) > 0 {
			name := ""
			if title != nil {
				name = *title
			}
			t.newSection(name, indent)
			t.current.addHeader(headers)
		}
		first = false
		row := make([]string, len(headers))
		for i, h := range headers {
			if v, ok := m[h]; ok {
				row[i] = pyStr(v)
			}
		}
		t.current.addRow(row)
		for _, k := range more {
			if v, ok := m[k]; ok {
				k := k
				t.build(&k, v, indent+1)
			}
		}
	}
}

// writeTable renders v under title, as TableFormatter does.
func writeTable(b *bytes.Buffer, title string, v any, terminal int, color bool) {
	t := &tableBuilder{}
	if !t.build(&title, v, 0) {
		return
	}
	maxWidth := t.maxWidth()
	if maxWidth > terminal {
		for i, s := range t.sections {
			if len(s.rows) == 1 && len(s.headers) > 0 {
				v := &tableSection{title: s.title, indent: s.indent}
				for j, h := range s.headers {
					if j < len(s.rows[0]) {
						v.addRow([]string{h, s.rows[0][j]})
					}
				}
				t.sections[i] = v
			}
		}
		maxWidth = t.maxWidth()
	}
	st := styler{color: color}
	b.WriteString(strings.Repeat("-", maxWidth) + "\n")
	for _, s := range t.sections {
		renderSection(b, s, maxWidth, st)
	}
}

func (t *tableBuilder) maxWidth() int {
	w := 0
	for _, s := range t.sections {
		w = max(w, s.totalWidth(4, true, s.indent))
	}
	return w
}

// styler is awscli's Styler or, on a terminal, its ColorizedStyler.
type styler struct{ color bool }

func (s styler) row(text string) string {
	if s.color {
		return "\x1b[1m\x1b[34m" + text + "\x1b[0m"
	}
	return text
}

func (s styler) indentChar() string {
	if s.color {
		return "\x1b[2m\x1b[33m|\x1b[0m"
	}
	return "|"
}

func renderSection(b *bytes.Buffer, s *tableSection, maxWidth int, st styler) {
	prefix := strings.Repeat(st.indentChar(), s.indent)
	line := func(text string) { b.WriteString(prefix + text + prefix + "\n") }
	maxWidth -= s.indent * 2
	if s.title != "" {
		line(centerText(s.title, maxWidth, "|", "|", textWidth(s.title)))
		if len(s.headers) == 0 && len(s.rows) == 0 {
			line("+" + strings.Repeat("-", maxWidth-2) + "+")
		}
	}
	if len(s.headers) > 0 {
		widths := s.columnWidths(4, maxWidth)
		line(lineBreak(widths))
		var cur strings.Builder
		for i, h := range s.headers {
			left := ""
			if i == 0 {
				left = "|"
			}
			if i < len(widths) {
				cur.WriteString(centerText(h, widths[i], left, "|", textWidth(h)))
			}
		}
		line(cur.String())
	}
	if len(s.rows) > 0 {
		widths := s.columnWidths(4, maxWidth)
		if len(widths) == 0 {
			return
		}
		line(lineBreak(widths))
		for _, row := range s.rows {
			var cur strings.Builder
			for i, e := range row {
				if i >= len(widths) {
					break
				}
				left := ""
				if i == 0 {
					left = "|"
				}
				cur.WriteString(alignLeft(st.row(e), widths[i], left, "|", textWidth(e)))
			}
			line(cur.String())
		}
		line(lineBreak(widths))
	}
}

func lineBreak(widths []int) string {
	var b strings.Builder
	for i, w := range widths {
		if i == 0 {
			b.WriteString("+" + strings.Repeat("-", max(w-2, 0)) + "+")
		} else {
			b.WriteString(strings.Repeat("-", max(w-1, 0)) + "+")
		}
	}
	return b.String()
}

func centerText(text string, length int, left, right string, textLength int) string {
	start := length/2 - textLength/2 - 1
	out := left + strings.Repeat(" ", max(start, 0)) + text
	soFar := textWidth(left) + start + textLength
	rightSpaces := length - textWidth(right) - soFar
	return out + strings.Repeat(" ", max(rightSpaces, 0)) + right
}

func alignLeft(text string, length int, left, right string, textLength int) string {
	padding := 2
	if length-(textLength+2+textWidth(left)+textWidth(right)) < 0 {
		padding = 0
	}
	soFar := len(left) + padding + textLength
	return left + strings.Repeat(" ", padding) + text + strings.Repeat(" ", max(length-soFar-len(right), 0)) + right
}

// terminalWidth is stdout's width, 80 when it is not a terminal.
func terminalWidth() int {
	ws, err := unix.IoctlGetWinsize(int(os.Stdout.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 80
	}
	return int(ws.Col)
}
