package sqlfront

import (
	"context"
	"sync/atomic"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/analyzer"
	"github.com/dolthub/go-mysql-server/sql/expression"
	"github.com/dolthub/go-mysql-server/sql/expression/function/aggregation"
	"github.com/dolthub/go-mysql-server/sql/plan"
	"github.com/dolthub/go-mysql-server/sql/rowexec"
	"github.com/dolthub/go-mysql-server/sql/transform"
	"github.com/dolthub/vitess/go/mysql"
)

// A statement's memory budget (lastaccess_statement_memory_limit) counts
// the bytes its intermediate results hold, so that no statement — a
// cartesian join sorted, a GROUP_CONCAT over it, a DISTINCT of every
// pair — can take the server's memory: MySQL moves such results to disk
// temporary tables, go-mysql-server keeps them in memory without bound
// (its only limit, MAX_MEMORY, is the whole process's heap). Counted:
//
//   - the rows entering a node that keeps them: Sort, a TopN's first
//     LIMIT rows, Window, the build side of a hash join (HashLookup),
//     UNION DISTINCT, INTERSECT and EXCEPT, subqueries evaluated to a
//     list, and GROUP BYs whose aggregates keep their input
//     (GROUP_CONCAT, JSON_ARRAYAGG, JSON_OBJECTAGG); the size of a row is
//     estimated from its values (JSON as 512 bytes);
//   - cacheEntryBytes for each entry go-mysql-server adds to its caches
//     (a group of a GROUP BY, a row of DISTINCT, a row of a sort or of
//     cached join results) through the statement's memory manager;
//   - distinctRowBytes for each row an aggregate with DISTINCT sees (as
//     if every value were distinct).
//
// The statement stops with error 3170 (ER_CAPACITY_EXCEEDED) naming the
// limit; so does a statement that would take the statements running
// together past lastaccess_total_statement_memory_limit. The estimate is
// not the Go heap: it bounds intermediate results to within a small
// factor of the limits.
const (
	cacheEntryBytes  = 128
	distinctRowBytes = 40
	jsonValueBytes   = 512
	rowOverheadBytes = 24
	valueBytes       = 16
)

// memoryPool is the bytes the statements running together hold.
type memoryPool struct{ used atomic.Int64 }

// memoryBudget is one statement's budget, drawn from the server's pool.
type memoryBudget struct {
	limit     int64
	pool      *memoryPool
	poolLimit int64
	used      atomic.Int64
	over      atomic.Int32 // 1: the statement's limit, 2: the pool's
}

func newMemoryBudget(limit int64, pool *memoryPool, poolLimit int64) *memoryBudget {
	return &memoryBudget{limit: limit, pool: pool, poolLimit: poolLimit}
}

// charge adds n bytes; false when the statement is over its budget or
// the statements together over theirs.
func (b *memoryBudget) charge(n int64) bool {
	used := b.used.Add(n)
	total := b.pool.used.Add(n)
	switch {
	case used > b.limit:
		b.over.CompareAndSwap(0, 1)
		return false
	case total > b.poolLimit:
		b.over.CompareAndSwap(0, 2)
		return false
	}
	return true
}

// release gives the statement's bytes back to the pool when it ends.
func (b *memoryBudget) release() { b.pool.used.Add(-b.used.Swap(0)) }

func (b *memoryBudget) exceeded() bool { return b != nil && b.over.Load() != 0 }

func (b *memoryBudget) err() error {
	if b.over.Load() == 2 {
		return mysql.NewSQLError(erCapacityExceeded, mysql.SSUnknownSQLState,
			"Memory capacity of %d bytes for '%s' exceeded. The statements running together hold that much in intermediate results (sorts, groups, joins, subqueries): try again later, narrow the statement with WHERE or LIMIT, or ask the admin to raise the limit.",
			b.poolLimit, varTotalMemory)
	}
	return mysql.NewSQLError(erCapacityExceeded, mysql.SSUnknownSQLState,
		"Memory capacity of %d bytes for '%s' exceeded. The statement's intermediate results (sorts, groups, joins, subqueries) outgrew it: narrow it with WHERE or LIMIT, or ask the admin to raise the limit.",
		b.limit, varStatementMemory)
}

type budgetKey struct{}

func withMemoryBudget(ctx context.Context, b *memoryBudget) context.Context {
	return context.WithValue(ctx, budgetKey{}, b)
}

func budgetOf(ctx context.Context) *memoryBudget {
	b, _ := ctx.Value(budgetKey{}).(*memoryBudget)
	return b
}

// newContext is the server's sql.ContextFactory: a statement's context
// gets a memory manager of its own, whose caches charge its budget.
func newContext(ctx context.Context, opts ...sql.ContextOption) *sql.Context {
	if b := budgetOf(ctx); b != nil {
		opts = append(opts, sql.WithMemoryManager(sql.NewMemoryManager(budgetReporter{b})))
	}
	return sql.NewContext(ctx, opts...)
}

// budgetReporter is the memory reporter of a statement's memory manager.
// go-mysql-server asks it before each entry it adds to a cache
// (releaseMemoryIfNeeded): each question charges one entry.
type budgetReporter struct{ b *memoryBudget }

func (r budgetReporter) MaxMemory() uint64 { return uint64(r.b.limit) }

func (r budgetReporter) UsedMemory() uint64 {
	r.b.charge(cacheEntryBytes)
	return uint64(r.b.used.Load())
}

// heldRowsRuleID names the rule in analyzer traces.
const heldRowsRuleID analyzer.RuleId = serverAccessRuleID + 1

// heldRowsRule marks the inputs of the nodes that keep rows, in the plan
// and in its subqueries.
func heldRowsRule(_ *sql.Context, _ *analyzer.Analyzer, n sql.Node, _ *plan.Scope, _ analyzer.RuleSelector, _ *sql.QueryFlags) (sql.Node, transform.TreeIdentity, error) {
	return markHeldRows(n)
}

func markHeldRows(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
	n, sameExprs, err := transform.NodeExprsWithOpaque(n, func(e sql.Expression) (sql.Expression, transform.TreeIdentity, error) {
		sq, ok := e.(*plan.Subquery)
		if !ok {
			return e, transform.SameTree, nil
		}
		q, _, err := markHeldRows(sq.Query)
		if err != nil {
			return nil, transform.SameTree, err
		}
		return sq.WithQuery(&heldRows{UnaryNode: plan.UnaryNode{Child: q}, perRow: -1}), transform.NewTree, nil
	})
	if err != nil {
		return nil, transform.SameTree, err
	}
	n, sameNodes, err := transform.NodeWithOpaque(n, func(n sql.Node) (sql.Node, transform.TreeIdentity, error) {
		perRow, rows := heldBy(n)
		if perRow == 0 {
			return n, transform.SameTree, nil
		}
		children := n.Children()
		wrapped := make([]sql.Node, len(children))
		for i, c := range children {
			if _, ok := c.(*heldRows); ok {
				return n, transform.SameTree, nil // marked already
			}
			wrapped[i] = &heldRows{UnaryNode: plan.UnaryNode{Child: c}, perRow: perRow, rows: rows}
		}
		nn, err := n.WithChildren(wrapped...)
		if err != nil {
			return nil, transform.SameTree, err
		}
		return nn, transform.NewTree, nil
	})
	if err != nil {
		return nil, transform.SameTree, err
	}
	return n, sameExprs && sameNodes, nil
}

// heldBy says how a node keeps the rows of its children: perRow is 0 when
// it keeps none, -1 when it keeps each row whole, or a fixed charge per
// row; rows > 0 limits the charge to the first rows (a TopN's LIMIT).
func heldBy(n sql.Node) (perRow, rows int64) {
	switch n := n.(type) {
	case *plan.Sort, *plan.Window, *plan.HashLookup:
		return -1, 0
	case *plan.TopN:
		if lit, ok := n.Limit.(*expression.Literal); ok {
			if limit, ok := toInt64(lit.Value()); ok && limit > 0 {
				return -1, limit
			}
		}
		return -1, 0
	case *plan.SetOp:
		if n.Distinct || n.SetOpType != plan.UnionType {
			return -1, 0
		}
	case *plan.GroupBy:
		perRow := int64(0)
		for _, e := range n.SelectedExprs {
			sql.Inspect(e, func(e sql.Expression) bool {
				switch e.(type) {
				case *aggregation.GroupConcat, *aggregation.JsonArray, *aggregation.JSONObjectAgg:
					perRow = -1
				case *aggregation.CountDistinct, *expression.DistinctExpression:
					if perRow == 0 {
						perRow = distinctRowBytes
					}
				}
				return perRow != -1
			})
		}
		return perRow, 0
	}
	return 0, 0
}

// heldRows marks the input of a node that keeps rows; its iterator
// charges them to the statement's budget.
type heldRows struct {
	plan.UnaryNode
	perRow int64 // -1: the row's estimated size
	rows   int64 // > 0: only the first rows are kept
}

var (
	_ sql.Node               = (*heldRows)(nil)
	_ sql.CollationCoercible = (*heldRows)(nil)
)

func (n *heldRows) String() string {
	tp := sql.NewTreePrinter()
	_ = tp.WriteNode("HeldRows")
	_ = tp.WriteChildren(n.Child.String())
	return tp.String()
}

func (n *heldRows) IsReadOnly() bool { return n.Child.IsReadOnly() }

func (n *heldRows) WithChildren(children ...sql.Node) (sql.Node, error) {
	if len(children) != 1 {
		return nil, sql.ErrInvalidChildrenNumber.New(n, len(children), 1)
	}
	nn := *n
	nn.Child = children[0]
	return &nn, nil
}

func (n *heldRows) CollationCoercibility(ctx *sql.Context) (sql.CollationID, byte) {
	return sql.GetCoercibility(ctx, n.Child)
}

// execBuilder builds the iterators of a plan: go-mysql-server's, with
// heldRows charging the budget and every table scan interruptible.
type execBuilder struct {
	// all is the builder the server uses (this one over go-mysql-server's),
	// for the children of heldRows.
	all sql.NodeExecBuilder
}

func newExecBuilder() sql.NodeExecBuilder {
	b := &execBuilder{}
	b.all = rowexec.NewOverrideBuilder(b)
	return b.all
}

func (b *execBuilder) Build(ctx *sql.Context, n sql.Node, row sql.Row) (sql.RowIter, error) {
	switch n := n.(type) {
	case *heldRows:
		iter, err := b.all.Build(ctx, n.Child, row)
		if err != nil {
			return nil, err
		}
		return &heldRowsIter{child: iter, budget: budgetOf(ctx), perRow: n.perRow, left: n.rows}, nil
	case *plan.ResolvedTable, *plan.IndexedTableAccess, *plan.ValueDerivedTable, *plan.RecursiveTable, *plan.JSONTable:
		// Leaves without children: go-mysql-server's builder alone.
		iter, err := rowexec.DefaultBuilder.Build(ctx, n, row)
		if err != nil {
			return nil, err
		}
		return &interruptibleIter{child: iter}, nil
	}
	return nil, nil
}

// heldRowsIter charges each row it passes on.
type heldRowsIter struct {
	child  sql.RowIter
	budget *memoryBudget
	perRow int64
	left   int64 // rows still charged when > 0; 0 with rows unlimited
	done   bool  // the first rows were charged: no more
}

func (it *heldRowsIter) Next(ctx *sql.Context) (sql.Row, error) {
	row, err := it.child.Next(ctx)
	if err != nil || it.budget == nil || it.done {
		return row, err
	}
	n := it.perRow
	if n < 0 {
		n = rowBytes(row)
	}
	if !it.budget.charge(n) {
		return nil, it.budget.err()
	}
	if it.left > 0 {
		it.left--
		it.done = it.left == 0
	}
	return row, nil
}

func (it *heldRowsIter) Close(ctx *sql.Context) error { return it.child.Close(ctx) }

// interruptibleIter checks its statement's context every checkEvery rows,
// so a statement that only computes (a cross join counted, a tight loop
// over a small table) still stops at KILL, max_execution_time or when its
// client goes away: go-mysql-server's iterators do not all look.
type interruptibleIter struct {
	child sql.RowIter
	n     int
}

const checkEvery = 64

func (it *interruptibleIter) Next(ctx *sql.Context) (sql.Row, error) {
	it.n++
	if it.n%checkEvery == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return it.child.Next(ctx)
}

func (it *interruptibleIter) Close(ctx *sql.Context) error { return it.child.Close(ctx) }

// rowBytes estimates the memory a row holds.
func rowBytes(row sql.Row) int64 {
	n := int64(rowOverheadBytes + valueBytes*len(row))
	for _, v := range row {
		switch v := v.(type) {
		case string:
			n += int64(len(v))
		case []byte:
			n += int64(len(v))
		case sql.JSONWrapper:
			n += jsonValueBytes
		}
	}
	return n
}
