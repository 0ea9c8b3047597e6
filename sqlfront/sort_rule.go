package sqlfront

import (
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/transform"
)

// orderFromKeyRuleID names the rule in analyzer traces.
const orderFromKeyRuleID analyzer.RuleId = 1 << 20

// orderFromKey drops a Sort (or turns a TopN into a Limit) above an index
// lookup on one of our key-ordered tables when the lookup pins the leading
// key columns to single values and the ORDER BY names the key columns
// that follow: within `JobId = ?`, rows of organizations_access_details
// come out in ServiceNamespace order already. This is MySQL's "WHERE a =
// const ORDER BY b" use of an index (a, b); go-mysql-server v0.20.0
// drops a Sort only when the ORDER BY is a prefix of the whole index.
// A descending ORDER BY reverses the lookup instead.
func orderFromKey(ctx *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return transform.Node(n, func(node sql.Node) (sql.Node, transform.TreeIdentity, error) {
		switch s := node.(type) {
		case *plan.Sort:
			child, ok, err := readInKeyOrder(ctx, s.SortFields, s.Child, "")
			if err != nil || !ok {
				return node, transform.SameTree, err
			}
			return child, transform.NewTree, nil
		case *plan.TopN:
			child, ok, err := readInKeyOrder(ctx, s.Fields, s.Child, "")
			if err != nil || !ok {
				return node, transform.SameTree, err
			}
			l := plan.NewLimit(s.Limit, child)
			l.CalcFoundRows = s.CalcFoundRows
			return l, transform.NewTree, nil
		}
		return node, transform.SameTree, nil
	})
}

// readInKeyOrder returns child rewritten to produce its rows in the order
// of fields, when the index lookup below it can; ok is false otherwise.
// Between the sort and the table only filters and aliases may stand
// (a projection could rename what the sort fields refer to).
func readInKeyOrder(ctx *sql.Context, fields sql.SortFields, child sql.Node, alias string) (sql.Node, bool, error) {
	switch c := child.(type) {
	case *plan.Filter:
		nc, ok, err := readInKeyOrder(ctx, fields, c.Child, alias)
		if err != nil || !ok {
			return child, ok, err
		}
		out, err := c.WithChildren(nc)
		return out, err == nil, err
	case *plan.TableAlias:
		nc, ok, err := readInKeyOrder(ctx, fields, c.Child, c.Name())
		if err != nil || !ok {
			return child, ok, err
		}
		out, err := c.WithChildren(nc)
		return out, err == nil, err
	case *plan.IndexedTableAccess:
		if alias == "" {
			alias = c.Name()
		}
		return indexInOrder(ctx, fields, c, alias)
	}
	return child, false, nil
}

func indexInOrder(ctx *sql.Context, fields sql.SortFields, ita *plan.IndexedTableAccess, table string) (sql.Node, bool, error) {
	if !ita.IsStatic() || len(fields) == 0 {
		return ita, false, nil
	}
	idx, ok := ita.Index().(*keyIndex)
	if !ok {
		return ita, false, nil
	}
	lookup, err := ita.GetLookup(ctx, nil)
	if err != nil {
		return ita, false, err
	}
	ranges, ok := lookup.Ranges.(sql.MySQLRangeCollection)
	if !ok || len(ranges) != 1 || lookup.IsReverse {
		return ita, false, nil
	}
	// The leading columns pinned to one value.
	pinned := 0
	for pinned < len(ranges[0]) && pinned < len(idx.columns) {
		if _, ok := pointOf(ranges[0][pinned]); !ok {
			break
		}
		pinned++
	}
	// The ORDER BY, without pinned columns, must name the next columns.
	order := fields[0].Order
	next := pinned
	for _, f := range fields {
		if f.Order != order {
			return ita, false, nil
		}
		gf, ok := f.Column.(*expression.GetField)
		if !ok || !strings.EqualFold(gf.Table(), table) {
			return ita, false, nil
		}
		col := columnPosition(idx, gf.Name())
		switch {
		case col >= 0 && col < pinned:
			continue // constant within the lookup
		case col == next:
			next++
		default:
			return ita, false, nil
		}
	}
	if next == pinned && pinned == 0 {
		return ita, false, nil
	}
	if order != sql.Descending {
		return ita, true, nil
	}
	reversed := sql.NewIndexLookup(lookup.Index, append(sql.MySQLRangeCollection(nil), ranges...),
		lookup.IsPointLookup, lookup.IsEmptyRange, lookup.IsSpatialLookup, true)
	out, err := plan.NewStaticIndexedAccessForTableNode(ctx, ita.TableNode, reversed)
	if err != nil {
		return ita, false, err
	}
	return out, true, nil
}

func columnPosition(idx *keyIndex, name string) int {
	for i, c := range idx.columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}
