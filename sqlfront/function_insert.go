package sqlfront

import (
	"fmt"
	"unicode/utf8"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// strInsert is MySQL's INSERT(str, pos, len, newstr), which
// go-mysql-server v0.20.0 lacks: str with the len characters from
// position pos (from 1) replaced by newstr; str itself when pos is not
// within it; the rest of str replaced when len reaches past its end;
// NULL when an argument is NULL. Positions and lengths count characters.
type strInsert struct {
	str, pos, length, newStr sql.Expression
}

var _ sql.FunctionExpression = (*strInsert)(nil)

func newStrInsert(str, pos, length, newStr sql.Expression) sql.Expression {
	return &strInsert{str: str, pos: pos, length: length, newStr: newStr}
}

func (f *strInsert) FunctionName() string { return "insert" }
func (f *strInsert) Description() string {
	return "replaces the characters of a string from a position on by another string."
}
func (f *strInsert) Resolved() bool {
	return f.str.Resolved() && f.pos.Resolved() && f.length.Resolved() && f.newStr.Resolved()
}
func (f *strInsert) String() string {
	return fmt.Sprintf("insert(%s,%s,%s,%s)", f.str, f.pos, f.length, f.newStr)
}
func (f *strInsert) Type() sql.Type   { return types.LongText }
func (f *strInsert) IsNullable() bool { return true }
func (f *strInsert) Children() []sql.Expression {
	return []sql.Expression{f.str, f.pos, f.length, f.newStr}
}
func (f *strInsert) WithChildren(children ...sql.Expression) (sql.Expression, error) {
	if len(children) != 4 {
		return nil, sql.ErrInvalidChildrenNumber.New(f, len(children), 4)
	}
	return newStrInsert(children[0], children[1], children[2], children[3]), nil
}

func (f *strInsert) Eval(ctx *sql.Context, row sql.Row) (any, error) {
	vals := make([]any, 4)
	for i, e := range f.Children() {
		v, err := e.Eval(ctx, row)
		if err != nil || v == nil {
			return nil, err
		}
		vals[i] = v
	}
	str, newStr := stringArg(vals[0]), stringArg(vals[3])
	pos, length := signedIntArg(vals[1]), signedIntArg(vals[2])
	chars := int64(utf8.RuneCountInString(str))
	if pos < 1 || pos > chars {
		return str, nil
	}
	start := byteOffset(str, pos-1)
	end := len(str)
	if length >= 0 && length < chars-pos+1 {
		end = start + byteOffset(str[start:], length)
	}
	return str[:start] + newStr + str[end:], nil
}

// signedIntArg is intArg keeping the sign: INSERT's position and length
// may be negative.
func signedIntArg(v any) int64 {
	if s := stringArg(v); len(s) > 0 && s[0] == '-' {
		return -intArg(s[1:])
	}
	if f, ok := v.(float64); ok && f < 0 {
		return -intArg(-f)
	}
	if n, ok := toInt64(v); ok {
		return n
	}
	return intArg(v)
}

// byteOffset is the byte offset of the n-th character of s (len(s) past
// its end).
func byteOffset(s string, n int64) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
