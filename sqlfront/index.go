package sqlfront

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
)

// keyIndex is an index whose rows the table returns in key order: the
// order of its columns, ascending (or descending when the lookup is
// reversed). It declares that order (sql.OrderedIndex), so the analyzer
// reads rows through it instead of sorting them.
type keyIndex struct {
	id      string
	table   string
	columns []*sql.Column
	unique  bool
}

var (
	_ sql.Index        = (*keyIndex)(nil)
	_ sql.OrderedIndex = (*keyIndex)(nil)
)

func newKeyIndex(id, table string, unique bool, columns ...*sql.Column) *keyIndex {
	return &keyIndex{id: id, table: table, columns: columns, unique: unique}
}

func (i *keyIndex) ID() string       { return i.id }
func (i *keyIndex) Database() string { return DatabaseName }
func (i *keyIndex) Table() string    { return i.table }

func (i *keyIndex) Expressions() []string {
	out := make([]string, len(i.columns))
	for k, c := range i.columns {
		out[k] = i.table + "." + c.Name
	}
	return out
}

func (i *keyIndex) IsUnique() bool                             { return i.unique }
func (i *keyIndex) IsSpatial() bool                            { return false }
func (i *keyIndex) IsFullText() bool                           { return false }
func (i *keyIndex) IsVector() bool                             { return false }
func (i *keyIndex) Comment() string                            { return "" }
func (i *keyIndex) IndexType() string                          { return "BTREE" }
func (i *keyIndex) IsGenerated() bool                          { return false }
func (i *keyIndex) CanSupport(*sql.Context, ...sql.Range) bool { return true }
func (i *keyIndex) CanSupportOrderBy(expr sql.Expression) bool { return false }
func (i *keyIndex) PrefixLengths() []uint16                    { return nil }
func (i *keyIndex) Order() sql.IndexOrder                      { return sql.IndexOrderAsc }
func (i *keyIndex) Reversible() bool                           { return true }

func (i *keyIndex) ColumnExpressionTypes() []sql.ColumnExpressionType {
	out := make([]sql.ColumnExpressionType, len(i.columns))
	for k, c := range i.columns {
		out[k] = sql.ColumnExpressionType{Expression: i.table + "." + c.Name, Type: c.Type}
	}
	return out
}

// keyRanges is an index lookup turned into what a key-ordered table needs:
// one entry per range, each a test per key column.
type keyRanges struct {
	ranges  sql.MySQLRangeCollection
	tests   [][]columnTest // per range, per column
	reverse bool
}

// columnTest reports whether a key column's value lies in one column range.
type columnTest func(v any) (bool, error)

// rangesOf reads a lookup built by the analyzer on one of our keyIndexes.
func rangesOf(lookup sql.IndexLookup) (keyRanges, error) {
	rc, ok := lookup.Ranges.(sql.MySQLRangeCollection)
	if !ok {
		return keyRanges{}, fmt.Errorf("sqlfront: unsupported index lookup %T on %s", lookup.Ranges, lookup.Index.ID())
	}
	return compileRanges(rc, lookup.IsReverse), nil
}

func compileRanges(rc sql.MySQLRangeCollection, reverse bool) keyRanges {
	k := keyRanges{ranges: rc, reverse: reverse, tests: make([][]columnTest, len(rc))}
	for i, r := range rc {
		k.tests[i] = make([]columnTest, len(r))
		for c, col := range r {
			k.tests[i][c] = compileColumnRange(col)
		}
	}
	return k
}

// compileColumnRange makes the test of one column range. Strings compare
// byte-wise, as the columns' binary collation does; other values go
// through the column type's comparison. A nil test accepts everything.
func compileColumnRange(r sql.MySQLRangeColumnExpr) columnTest {
	var lo, hi string
	var loIncl, hiIncl, hasLo, hasHi bool
	switch b := r.LowerBound.(type) {
	case sql.BelowNull, sql.AboveNull:
		// every non-NULL value
	case sql.Below:
		s, ok := keyString(b.Key)
		if !ok {
			return genericTest(r)
		}
		lo, loIncl, hasLo = s, true, true
	case sql.Above:
		s, ok := keyString(b.Key)
		if !ok {
			return genericTest(r)
		}
		lo, hasLo = s, true
	default: // AboveAll: empty
		return func(any) (bool, error) { return false, nil }
	}
	switch b := r.UpperBound.(type) {
	case sql.AboveAll:
	case sql.Above:
		s, ok := keyString(b.Key)
		if !ok {
			return genericTest(r)
		}
		hi, hiIncl, hasHi = s, true, true
	case sql.Below:
		s, ok := keyString(b.Key)
		if !ok {
			return genericTest(r)
		}
		hi, hasHi = s, true
	default: // only NULL: no key value
		return func(any) (bool, error) { return false, nil }
	}
	if !hasLo && !hasHi {
		return nil
	}
	return func(v any) (bool, error) {
		s, ok := keyString(v)
		if !ok {
			return inRange(r, v)
		}
		if hasLo && (s < lo || s == lo && !loIncl) {
			return false, nil
		}
		if hasHi && (s > hi || s == hi && !hiIncl) {
			return false, nil
		}
		return true, nil
	}
}

func genericTest(r sql.MySQLRangeColumnExpr) columnTest {
	return func(v any) (bool, error) { return inRange(r, v) }
}

// inRange reports whether v lies within the column range r, by the
// column type's comparison.
func inRange(r sql.MySQLRangeColumnExpr, v any) (bool, error) {
	if v == nil {
		return false, nil // key columns are never NULL
	}
	lo, err := r.LowerBound.Compare(sql.Below{Key: v}, r.Typ)
	if err != nil || lo > 0 {
		return false, err
	}
	hi, err := r.UpperBound.Compare(sql.Above{Key: v}, r.Typ)
	if err != nil {
		return false, err
	}
	return hi >= 0, nil
}

// matches reports whether the key (one value per index column, a prefix
// is enough) is within one range of the collection.
func (k keyRanges) matches(key ...any) (bool, error) {
	for _, tests := range k.tests {
		ok := true
		for c := 0; c < len(key) && c < len(tests); c++ {
			if tests[c] == nil {
				continue
			}
			in, err := tests[c](key[c])
			if err != nil {
				return false, err
			}
			if !in {
				ok = false
				break
			}
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

// constrains reports whether any range restricts column c.
func (k keyRanges) constrains(c int) bool {
	for _, tests := range k.tests {
		if c < len(tests) && tests[c] != nil {
			return true
		}
	}
	return false
}

// points returns the distinct values the first column is pinned to when
// every range fixes it to one value (col = x, col IN (…)), in range
// order; ok is false when some range leaves it open.
func (k keyRanges) points() (values []string, ok bool) {
	seen := map[string]bool{}
	for _, r := range k.ranges {
		if len(r) == 0 {
			return nil, false
		}
		v, ok := pointOf(r[0])
		if !ok {
			return nil, false
		}
		if !seen[v] {
			seen[v] = true
			values = append(values, v)
		}
	}
	return values, true
}

// pointOf returns x when the column range is [x, x] on a string.
func pointOf(r sql.MySQLRangeColumnExpr) (string, bool) {
	lo, ok1 := r.LowerBound.(sql.Below)
	hi, ok2 := r.UpperBound.(sql.Above)
	if !ok1 || !ok2 {
		return "", false
	}
	a, ok1 := keyString(lo.Key)
	b, ok2 := keyString(hi.Key)
	if !ok1 || !ok2 || a != b {
		return "", false
	}
	return a, true
}

func keyString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	}
	return "", false
}

// sameColumn reports whether an index expression ("table.Col") names col.
func sameColumn(expr, col string) bool {
	if i := strings.LastIndexByte(expr, '.'); i >= 0 {
		expr = expr[i+1:]
	}
	return strings.EqualFold(expr, col)
}
