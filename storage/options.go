package storage

import (
	"errors"
	"log/slog"
)

// Options configure a Store. The zero value is not valid: start from
// DefaultOptions and change fields.
type Options struct {
	// MemTableSize is the size of each Badger memtable. It also bounds the
	// largest atomic append: Badger allows 15% of it per transaction.
	// Default 8 MiB: flushing one holds several times its size in table
	// building buffers, which Badger's allocator pool then keeps.
	MemTableSize int64
	// NumMemtables is how many memtables may be held before writes stall.
	// Default 2.
	NumMemtables int
	// BlockCacheSize caches table blocks for reads. Default 32 MiB.
	BlockCacheSize int64
	// IndexCacheSize caches table indexes and bloom filters. Default 16 MiB.
	IndexCacheSize int64
	// NumCompactors is the number of concurrent compaction goroutines.
	// Default 2 (this is a 2-core target; more only adds memory).
	NumCompactors int
	// SyncWrites makes each commit fsync. Default false: an acknowledged
	// commit survives a process crash (kill -9) either way, because Badger
	// writes its WAL with write(2) before acknowledging; only power loss can
	// drop the last commits.
	SyncWrites bool
	// ReadOnly opens the directory without taking the writer lock's
	// exclusive rights; used by nothing in the product yet.
	ReadOnly bool
	// MinFreeSpace is the free space below which appends and rollup folds
	// are refused with ErrNoSpace. Default 64 MiB; negative disables it.
	MinFreeSpace int64
	// Owner describes the process holding the directory (e.g.
	// "lastaccess serve on 127.0.0.1:3306"); another process that finds the
	// directory locked names it in its error.
	Owner string
	// Logger receives Badger's warnings and errors. nil discards them.
	Logger *slog.Logger
}

// DefaultOptions are tuned for an embedded default with bounded memory:
// 8 MiB memtables, 1 MiB tables at every level (Badger's table builders
// hold a whole table's data and its pool keeps grown builders), 48 MiB of
// caches. The lastaccess binary adds a 320 MiB soft limit on the Go heap
// (GOMEMLIMIT overrides it). Measured peaks are in the README.
func DefaultOptions() Options {
	return Options{
		MemTableSize:   8 << 20,
		NumMemtables:   2,
		BlockCacheSize: 32 << 20,
		IndexCacheSize: 16 << 20,
		NumCompactors:  2,
		MinFreeSpace:   64 << 20,
	}
}

// Validate reports options that cannot work.
func (o Options) Validate() error {
	switch {
	case o.MemTableSize < 1<<20:
		return errors.New("storage: MemTableSize must be at least 1 MiB")
	case o.NumMemtables < 1:
		return errors.New("storage: NumMemtables must be at least 1")
	case o.BlockCacheSize < 0 || o.IndexCacheSize < 0:
		return errors.New("storage: cache sizes must not be negative")
	case o.NumCompactors < 2:
		// Badger refuses fewer than two compactors when compaction is on.
		return errors.New("storage: NumCompactors must be at least 2")
	}
	return nil
}
