package engine

import "errors"

// Store is what the engine needs from persistent storage. Package storage
// implements it over Badger; the engine holds the only reference.
type Store interface {
	// NewAppend starts one atomic append of events.
	NewAppend() AppendBatch
	// Snapshot opens a consistent read view of everything committed so far.
	Snapshot() Snapshot

	// ScanRollupRows calls fn for every persisted rollup row of a kind.
	ScanRollupRows(kind byte, fn func(name string, value []byte) error) error
	// ScanUnfolded calls fn with the events of every commit the rows do
	// not include yet (newer than the last foldedThrough WriteRollups
	// recorded), in any order, possibly several calls per commit.
	ScanUnfolded(fn func(seq uint64, events []Event) error) error
	// WriteRollups stores rows and then, when foldedThrough is not 0,
	// records that the rows include every commit up to foldedThrough. It
	// may use several commits: rows and replayed commits merge
	// idempotently, so any prefix of it that survives a crash leaves state
	// that loads correctly.
	WriteRollups(rows []RollupRow, foldedThrough uint64) error
	// ClearRollups deletes every rollup row and records the rows as
	// folded through the last commit; rebuild uses it while no append
	// runs, then recomputes the rows from the log.
	ClearRollups() error

	// Meta reads a small named value (nil, nil when absent); PutMeta writes
	// one, or deletes it when value is nil.
	Meta(name string) ([]byte, error)
	PutMeta(name string, value []byte) error

	// PutJob stores a job record; inProgress also lists it among the jobs
	// in progress, which a restarted process must settle.
	PutJob(id string, record []byte, inProgress bool) error
	// Job returns a job record, or ErrNotFound.
	Job(id string) ([]byte, error)
	// PutJobTable stores a completed job's result table; JobTable reads
	// it, or returns ErrNotFound.
	PutJobTable(id string, table []byte) error
	JobTable(id string) ([]byte, error)
	// ScanJobs calls fn for every job record in job-id order, or only for
	// those listed in progress.
	ScanJobs(fn func(id string, record []byte) error, inProgressOnly bool) error
}

// AppendBatch is one write transaction. It is used by one goroutine.
type AppendBatch interface {
	// Add stages ev unless a record with its identity (caller account,
	// event source, eventTime, eventID) is stored already or staged in
	// this batch.
	// It returns ErrBatchFull, staging nothing, when the transaction can
	// take no more; the caller commits and starts another. The batch keeps
	// ev: it must not change until Commit or Discard.
	Add(ev *Event) (fresh bool, err error)
	// Remove stages the deletion of a stored event (catalog re-keying).
	Remove(ev *Event) error
	// Commit stores the staged events atomically and returns the commit's
	// sequence number.
	Commit() (seq uint64, err error)
	// Discard drops the batch; it is a no-op after Commit.
	Discard()
}

// Snapshot is a read-only view fixed at its creation.
type Snapshot interface {
	// LatestEvent finds the latest event of the account and service with
	// Time ≤ atOrBefore for which accept returns true (nil accepts all);
	// among events of that same time, the one with the smallest region.
	LatestEvent(account, namespace string, atOrBefore int64, accept func(*Event) bool) (Event, bool, error)
	// ScanEvents calls fn for each event matching q, in key order (account,
	// namespace, time). fn must not keep the pointer.
	ScanEvents(q EventQuery, fn func(*Event) error) error
	// RollupRow reads one rollup row (nil when absent).
	RollupRow(kind byte, name string) ([]byte, error)
	Close()
}

// EventQuery selects events; zero fields do not filter.
type EventQuery struct {
	Accounts  []string // only these accounts (sorted or not); nil means all
	Namespace string
	// Namespaces, when set and Namespace is "", keeps only the services
	// for which it returns true; the others are skipped on their keys.
	Namespaces func(namespace string) bool
	From, To   int64 // inclusive Unix-nanosecond bounds, used when HasFrom / HasTo
	HasFrom    bool
	HasTo      bool
	// KeysRead, when not nil, is incremented for every block the scan
	// reads and every key it seeks to when skipping from one account or
	// service to the next, so tests can prove a filter reads only
	// matching data.
	KeysRead *int64
}

// RollupRow is one persisted rollup row: an opaque value under (Kind, Name).
type RollupRow struct {
	Kind  byte
	Name  string
	Value []byte // nil deletes the row
}

var (
	// ErrBatchFull: the append transaction is at its size limit.
	ErrBatchFull = errors.New("engine: append batch full")
	// ErrNotFound: no such record.
	ErrNotFound = errors.New("engine: not found")
)
