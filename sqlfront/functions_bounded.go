package sqlfront

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/expression/function"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// go-mysql-server builds whatever a string function asks for:
// repeat('a', 2147483647) allocates 2 GiB, and nested calls multiply
// (repeat(repeat('a',100),2000000000) ran the server out of memory).
// MySQL refuses to build a string function's result longer than
// max_allowed_packet: the function returns NULL with warning 1301. The
// provider (FunctionProvider, asked before the built-in registry) gives
// these functions in a bounded form: the arguments are evaluated once,
// the result's length is bounded from them, and only a result within
// max_allowed_packet is built, by go-mysql-server's own function.
//
// The functions of go-mysql-server v0.20.0 whose result can outgrow their
// arguments, from a survey of its registry: repeat, space, lpad, rpad,
// concat, concat_ws, replace, regexp_replace, hex, to_base64, quote, char,
// compress, uncompress, date_format, time_format, from_unixtime (with a
// format), json_quote, json_array, json_object, json_array_append,
// json_array_insert, json_insert, json_replace, json_set, json_merge,
// json_merge_patch, json_merge_preserve and json_pretty; and insert,
// which go-mysql-server lacks and lastaccess adds (strInsert). Left
// unbounded, as their growth is a small factor of an argument that is
// itself bounded: lower and upper (at most 1.5×), the ST_As* spatial
// formats; GROUP_CONCAT is bounded by group_concat_max_len and the
// statement's memory budget, the JSON aggregates by the budget.
var boundedFunctions = map[string]boundedFunction{
	"repeat":              {builtin: "repeat", size: repeatSize},
	"space":               {builtin: "space", size: func(a []any) int64 { return intArg(a[0]) }},
	"lpad":                {builtin: "lpad", size: padSize},
	"rpad":                {builtin: "rpad", size: padSize},
	"concat":              {builtin: "concat", size: sumSize(0)},
	"concat_ws":           {builtin: "concat_ws", size: concatWSSize},
	"insert":              {insert: true, size: insertSize},
	"replace":             {builtin: "replace", size: replaceSize},
	"regexp_replace":      {builtin: "regexp_replace", size: regexpReplaceSize},
	"hex":                 {builtin: "hex", size: func(a []any) int64 { return 2 * valueLen(a[0]) }},
	"to_base64":           {builtin: "to_base64", size: base64Size},
	"quote":               {builtin: "quote", size: func(a []any) int64 { return 2*valueLen(a[0]) + 2 }},
	"char":                {builtin: "char", size: func(a []any) int64 { return 4 * int64(len(a)) }},
	"compress":            {builtin: "compress", size: compressSize},
	"uncompress":          {builtin: "uncompress", size: uncompressSize},
	"date_format":         {builtin: "date_format", size: formatSize(1)},
	"time_format":         {builtin: "time_format", size: formatSize(1)},
	"from_unixtime":       {builtin: "from_unixtime", size: formatSize(1)},
	"json_quote":          {builtin: "json_quote", size: func(a []any) int64 { return jsonQuotedLen(a[0]) }},
	"json_array":          {builtin: "json_array", size: jsonSize},
	"json_object":         {builtin: "json_object", size: jsonSize},
	"json_array_append":   {builtin: "json_array_append", size: jsonSize},
	"json_array_insert":   {builtin: "json_array_insert", size: jsonSize},
	"json_insert":         {builtin: "json_insert", size: jsonSize},
	"json_replace":        {builtin: "json_replace", size: jsonSize},
	"json_set":            {builtin: "json_set", size: jsonSize},
	"json_merge":          {builtin: "json_merge", size: jsonSize},
	"json_merge_patch":    {builtin: "json_merge_patch", size: jsonSize},
	"json_merge_preserve": {builtin: "json_merge_preserve", size: jsonSize},
	"json_pretty":         {builtin: "json_pretty", size: func(a []any) int64 { return jsonPrettySize(a[0]) }},
}

// boundedFunction is one function in its bounded form.
type boundedFunction struct {
	builtin string // go-mysql-server's function of that name
	insert  bool   // lastaccess's own INSERT(str, pos, len, newstr)
	// size bounds the byte length of the result from the values of the
	// arguments (NULL arguments included: the result is then NULL).
	size func(args []any) int64
}

// Function implements sql.FunctionProvider.
func (p *provider) Function(_ *sql.Context, name string) (sql.Function, bool) {
	name = strings.ToLower(name)
	bf, ok := boundedFunctions[name]
	if !ok {
		return nil, false
	}
	var inner sql.Function
	if bf.insert {
		inner = sql.Function4{Name: name, Fn: newStrInsert}
	} else if inner, ok = builtinFunction(bf.builtin); !ok {
		return nil, false
	}
	return sql.FunctionN{Name: name, Fn: func(args ...sql.Expression) (sql.Expression, error) {
		return newBoundedCall(name, bf, inner, args)
	}}, true
}

// boundedCall is one call of a bounded function. The function proper
// (call) reads its arguments from argSlots: the values the call evaluated
// once, appended to the row.
type boundedCall struct {
	name  string
	fn    boundedFunction
	inner sql.Function
	args  []sql.Expression
	call  sql.Expression
}

var (
	_ sql.FunctionExpression = (*boundedCall)(nil)
	_ sql.CollationCoercible = (*boundedCall)(nil)
)

func newBoundedCall(name string, fn boundedFunction, inner sql.Function, args []sql.Expression) (*boundedCall, error) {
	slots := make([]sql.Expression, len(args))
	for i, a := range args {
		slots[i] = &argSlot{arg: a, i: i, n: len(args)}
	}
	call, err := inner.NewInstance(slots)
	if err != nil {
		return nil, err
	}
	return &boundedCall{name: name, fn: fn, inner: inner, args: args, call: call}, nil
}

func (c *boundedCall) FunctionName() string { return c.name }
func (c *boundedCall) Description() string {
	return c.name + ", bounded by max_allowed_packet"
}
func (c *boundedCall) Resolved() bool {
	for _, a := range c.args {
		if !a.Resolved() {
			return false
		}
	}
	return true
}
func (c *boundedCall) String() string {
	parts := make([]string, len(c.args))
	for i, a := range c.args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", c.name, strings.Join(parts, ","))
}
func (c *boundedCall) Type() sql.Type             { return c.call.Type() }
func (c *boundedCall) IsNullable() bool           { return true }
func (c *boundedCall) Children() []sql.Expression { return c.args }
func (c *boundedCall) CollationCoercibility(ctx *sql.Context) (sql.CollationID, byte) {
	return sql.GetCoercibility(ctx, c.call)
}
func (c *boundedCall) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	return newBoundedCall(c.name, c.fn, c.inner, children)
}

func (c *boundedCall) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	ext := make(sql.Row, len(row), len(row)+len(c.args))
	copy(ext, row)
	for _, a := range c.args {
		v, err := a.Eval(ctx, row)
		if err != nil {
			return nil, err
		}
		ext = append(ext, v)
	}
	limit := sessionInt(ctx.Session, varMaxAllowedPacket, DefaultMaxAllowedPacket)
	if c.fn.size(ext[len(row):]) > limit {
		ctx.Warn(erWarnAllowedPacket, "Result of %s() was larger than max_allowed_packet (%d) - truncated", c.name, limit)
		return nil, nil
	}
	return c.call.Eval(ctx, ext)
}

// argSlot is an argument of a boundedCall as its function proper sees
// it: the value at its place after the row.
type argSlot struct {
	arg  sql.Expression
	i, n int
}

func (s *argSlot) Resolved() bool                                         { return s.arg.Resolved() }
func (s *argSlot) String() string                                         { return s.arg.String() }
func (s *argSlot) Type() sql.Type                                         { return s.arg.Type() }
func (s *argSlot) IsNullable() bool                                       { return s.arg.IsNullable() }
func (s *argSlot) Children() []sql.Expression                             { return nil }
func (s *argSlot) WithChildren(...sql.Expression) (sql.Expression, error) { return s, nil }
func (s *argSlot) CollationCoercibility(ctx *sql.Context) (sql.CollationID, byte) {
	return sql.GetCoercibility(ctx, s.arg)
}
func (s *argSlot) Eval(_ *sql.Context, row sql.Row) (any, error) {
	return row[len(row)-s.n+s.i], nil
}

// The size bounds. Lengths are in bytes; a NULL argument has length 0.

func repeatSize(a []any) int64 {
	return mulSat(valueLen(a[0]), intArg(a[1]))
}

func padSize(a []any) int64 {
	return mulSat(intArg(a[1]), int64(max(maxRuneLen(a[0]), maxRuneLen(a[2]))))
}

func sumSize(from int) func([]any) int64 {
	return func(a []any) int64 {
		var n int64
		for _, v := range a[from:] {
			n = addSat(n, valueLen(v))
		}
		return n
	}
}

func concatWSSize(a []any) int64 {
	return addSat(sumSize(1)(a), mulSat(valueLen(a[0]), int64(len(a))))
}

func insertSize(a []any) int64 { return addSat(valueLen(a[0]), valueLen(a[3])) }

func replaceSize(a []any) int64 {
	s, from, to := stringArg(a[0]), stringArg(a[1]), stringArg(a[2])
	if from == "" || len(to) <= len(from) {
		return int64(len(s))
	}
	return addSat(int64(len(s)), mulSat(int64(strings.Count(s, from)), int64(len(to)-len(from))))
}

// regexpReplaceSize is the worst case: a match at every character.
func regexpReplaceSize(a []any) int64 {
	s := stringArg(a[0])
	return addSat(int64(len(s)), mulSat(int64(utf8.RuneCountInString(s))+1, valueLen(a[2])))
}

func base64Size(a []any) int64 {
	n := valueLen(a[0])
	return (n+2)/3*4 + n/57 + 1
}

// compressSize is zlib's worst case plus the length header.
func compressSize(a []any) int64 {
	n := valueLen(a[0])
	return n + n/1000 + 64
}

// uncompressSize is the length COMPRESS() wrote in front of the data.
func uncompressSize(a []any) int64 {
	b := bytesArg(a[0])
	if len(b) < 4 {
		return int64(len(b))
	}
	return int64(binary.LittleEndian.Uint32(b[:4]))
}

// formatSize bounds a date or time format: a two-character specifier
// gives at most 11 characters (%r, "hh:mm:ss AM").
func formatSize(format int) func([]any) int64 {
	return func(a []any) int64 {
		if format >= len(a) {
			return 32
		}
		return mulSat(valueLen(a[format]), 6) + 32
	}
}

func jsonSize(a []any) int64 {
	var n int64
	for _, v := range a {
		n = addSat(n, addSat(jsonQuotedLen(v), 8))
	}
	return n
}

// jsonQuotedLen bounds a value as JSON text: a string quoted and
// escaped, or a JSON document's own length.
func jsonQuotedLen(v any) int64 {
	switch v := v.(type) {
	case string:
		return jsonStringLen(v)
	case []byte:
		return jsonStringLen(string(v))
	}
	return valueLen(v)
}

// jsonStringLen is the length of s quoted as a JSON string, counting the
// escapes any encoder may write (\u00XX for control characters and, as
// Go's does, for <, > and &).
func jsonStringLen(s string) int64 {
	n := int64(len(s)) + 2
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			n++
		case c < 0x20 || c == '<' || c == '>' || c == '&':
			n += 5
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			n += 3 // U+2028, U+2029 as \u2028
		}
	}
	return n
}

// jsonPrettySize bounds JSON_PRETTY: each value on its own line,
// indented two spaces a level.
func jsonPrettySize(v any) int64 {
	s := stringArg(v)
	depth, maxDepth, lines := 0, 0, int64(1)
	inString, escaped := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			maxDepth = max(maxDepth, depth)
			lines++
		case c == ']' || c == '}':
			depth--
			lines++
		case c == ',' || c == ':':
			lines++
		}
	}
	return addSat(mulSat(int64(len(s)), 2), mulSat(lines, int64(2*maxDepth+2)))
}

// valueLen is the byte length of a value as a string.
func valueLen(v any) int64 {
	switch v := v.(type) {
	case nil:
		return 0
	case string:
		return int64(len(v))
	case []byte:
		return int64(len(v))
	case types.JSONBytes:
		b, err := v.GetBytes()
		if err == nil {
			return int64(len(b))
		}
	case sql.JSONWrapper:
		s, err := types.JsonToMySqlString(v)
		if err == nil {
			return int64(len(s))
		}
	}
	return 64 // a number, a time, a decimal
}

func stringArg(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func bytesArg(v any) []byte {
	switch v := v.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}

// intArg is an integer argument as MySQL reads one: a number, or the
// number a string starts with; 0 for anything else and for negatives.
func intArg(v any) int64 {
	var f float64
	switch v := v.(type) {
	case nil:
		return 0
	case float64:
		f = v
	case float32:
		f = float64(v)
	case decimal.Decimal:
		f = v.InexactFloat64()
	case string:
		f = leadingNumber(v)
	case []byte:
		f = leadingNumber(string(v))
	default:
		n, ok := toInt64(v)
		if !ok || n < 0 {
			return 0
		}
		return n
	}
	switch {
	case f <= 0 || math.IsNaN(f):
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	}
	return int64(math.Round(f))
}

// leadingNumber is the number a string starts with, as MySQL converts
// '12abc' to 12.
func leadingNumber(s string) float64 {
	s = strings.TrimLeft(s, " \t\r\n")
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || s[end] == 'e' || s[end] == 'E' ||
		(s[end] == '-' || s[end] == '+') && (end == 0 || s[end-1] == 'e' || s[end-1] == 'E')) {
		end++
	}
	for ; end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}

// maxRuneLen is the longest UTF-8 encoding of a character of a string
// argument (1 for ASCII).
func maxRuneLen(v any) int {
	s := stringArg(v)
	m := 1
	for _, r := range s {
		if l := utf8.RuneLen(r); l > m {
			m = l
			if m == utf8.UTFMax {
				break
			}
		}
	}
	return m
}

func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// builtins are go-mysql-server's functions by name.
var builtins = func() map[string]sql.Function {
	m := make(map[string]sql.Function, len(function.BuiltIns))
	for _, f := range function.BuiltIns {
		m[f.FunctionName()] = f
	}
	return m
}()

func builtinFunction(name string) (sql.Function, bool) {
	f, ok := builtins[name]
	return f, ok
}
