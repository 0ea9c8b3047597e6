package sqlfront

import "github.com/dolthub/go-mysql-server/sql"

// keyedTable is what go-mysql-server needs of a table read in the order
// of its primary key (a keyIndex): the index, precise lookups, and the
// partition of a lookup handed to the table's rows. A table embeds it and
// says how to read its rows (keyedRows).
type keyedTable struct {
	tableBase
	pk   *keyIndex
	rows keyedRows
	self sql.IndexedTable // the table that embeds it
}

// keyedRows reads a keyed table's rows in key order, reversed when kr is.
type keyedRows interface {
	// scanRows returns every row within kr (all when kr has no ranges).
	scanRows(ctx *sql.Context, kr keyRanges) sql.RowIter
	// lookupRows returns the rows within the ranges of a lookup.
	lookupRows(ctx *sql.Context, kr keyRanges) (sql.RowIter, error)
}

// newKeyedTable makes the embedded part of self: its columns, and a
// primary key on the columns marked PrimaryKey, in schema order.
func newKeyedTable(self interface {
	sql.IndexedTable
	keyedRows
}, name string, columns ...*sql.Column) keyedTable {
	t := keyedTable{tableBase: newTableBase(name, columns...), rows: self, self: self}
	var key []*sql.Column
	for _, c := range columns {
		if c.PrimaryKey {
			key = append(key, c)
		}
	}
	t.pk = newKeyIndex("PRIMARY", name, true, key...)
	return t
}

func (t *keyedTable) GetIndexes(*sql.Context) ([]sql.Index, error) {
	return []sql.Index{t.pk}, nil
}

// PreciseMatch: the rows a lookup returns are exactly those within its
// ranges, so go-mysql-server need not filter them again.
func (t *keyedTable) PreciseMatch() bool { return true }

func (t *keyedTable) IndexedAccess(*sql.Context, sql.IndexLookup) sql.IndexedTable {
	return t.self
}

func (t *keyedTable) LookupPartitions(_ *sql.Context, lookup sql.IndexLookup) (sql.PartitionIter, error) {
	return lookupPartitions(lookup), nil
}

func (t *keyedTable) PartitionRows(ctx *sql.Context, p sql.Partition) (sql.RowIter, error) {
	part, ok := p.(partition)
	if !ok {
		return nil, errPartition(t.name, p)
	}
	if part.lookup == nil {
		return t.rows.scanRows(ctx, keyRanges{}), nil
	}
	kr, err := rangesOf(*part.lookup)
	if err != nil {
		return nil, err
	}
	return t.rows.lookupRows(ctx, kr)
}
