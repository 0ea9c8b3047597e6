package sqlfront

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
)

// caller is the MySQL user running the statement: the engine's Caller
// (who generated a report job, who may read it).
func caller(ctx *sql.Context) string {
	if ctx == nil || ctx.Session == nil {
		return ""
	}
	return ctx.Session.Client().User
}

// tableBase is what every table shares: a name, a schema and one
// partition (the engine's data is not split; an indexed access carries
// its lookup in the partition instead).
type tableBase struct {
	name   string
	schema sql.Schema
}

func newTableBase(name string, columns ...*sql.Column) tableBase {
	for _, c := range columns {
		c.Source = name
	}
	return tableBase{name: name, schema: sql.Schema(columns)}
}

func (t *tableBase) Name() string                { return t.name }
func (t *tableBase) String() string              { return t.name }
func (t *tableBase) Schema() sql.Schema          { return t.schema }
func (t *tableBase) Collation() sql.CollationID  { return sql.Collation_utf8mb4_0900_bin }
func (t *tableBase) Comment() string             { return "" }
func (t *tableBase) columnIndex(name string) int { return t.schema.IndexOfColName(name) }

func (t *tableBase) Partitions(*sql.Context) (sql.PartitionIter, error) {
	return sql.PartitionsToPartitionIter(partition{}), nil
}

// partition is the single partition of a table; for an indexed access it
// carries the lookup.
type partition struct {
	lookup *sql.IndexLookup
}

func (p partition) Key() []byte {
	if p.lookup == nil {
		return []byte("all")
	}
	return []byte("lookup")
}

func lookupPartitions(lookup sql.IndexLookup) sql.PartitionIter {
	return sql.PartitionsToPartitionIter(partition{lookup: &lookup})
}

// scanBatch is how many rows a background scan hands over at once.
const scanBatch = 256

// scanIter adapts a push-style engine scan (a callback per item) to a
// pull-style sql.RowIter: the scan runs in its own goroutine, owned by
// the iterator, and hands over rows in batches; Close stops it and waits
// for it.
type scanIter struct {
	rows   chan []sql.Row
	cancel context.CancelFunc
	done   chan struct{}
	err    error // written by the scan goroutine before it closes rows

	batch []sql.Row
	pos   int
}

// newScanIter starts scan, which calls emit for each row in order and
// stops when emit returns an error.
func newScanIter(ctx *sql.Context, scan func(ctx context.Context, emit func(sql.Row) error) error) *scanIter {
	sctx, cancel := context.WithCancel(ctx)
	it := &scanIter{rows: make(chan []sql.Row, 2), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(it.done)
		defer close(it.rows)
		defer func() {
			if r := recover(); r != nil {
				it.err = fmt.Errorf("sqlfront: table scan failed: %v", r)
			}
		}()
		batch := make([]sql.Row, 0, scanBatch)
		send := func() error {
			select {
			case it.rows <- batch:
				batch = make([]sql.Row, 0, scanBatch)
				return nil
			case <-sctx.Done():
				return sctx.Err()
			}
		}
		err := scan(sctx, func(r sql.Row) error {
			batch = append(batch, r)
			if len(batch) == scanBatch {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		it.err = err
	}()
	return it
}

func (it *scanIter) Next(*sql.Context) (sql.Row, error) {
	for it.pos == len(it.batch) {
		b, ok := <-it.rows
		if !ok {
			if it.err != nil {
				return nil, sqlError(it.err)
			}
			return nil, io.EOF
		}
		it.batch, it.pos = b, 0
	}
	r := it.batch[it.pos]
	it.batch[it.pos] = nil
	it.pos++
	return r, nil
}

func (it *scanIter) Close(*sql.Context) error {
	it.cancel()
	for range it.rows {
	}
	<-it.done
	return nil
}

// rowsIter is a RowIter over rows already built.
func rowsIter(rows []sql.Row) sql.RowIter { return sql.RowsToRowIter(rows...) }

// reverseRows reverses rows in place.
func reverseRows(rows []sql.Row) []sql.Row {
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	return rows
}

// errPartition: a partition of another table reached this one.
func errPartition(table string, p sql.Partition) error {
	return fmt.Errorf("sqlfront: %s: unexpected partition %T", table, p)
}

func lower(s string) string { return strings.ToLower(s) }
