package storage

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/gofrs/flock"

	"lastaccess/engine"
)

// Store is the Badger-backed implementation of engine.Store. It keeps two
// Badger databases in the data directory:
//
//   - log/ (the append-only log): event blocks and their dedupe hash lists,
//     report jobs and their results, each written once and never changed
//     (catalog re-keying aside). Values go to Badger's value log, so the
//     LSM tree holds only keys and pointers and compactions never copy
//     event data or report results;
//   - db/ (the state): format, meta values, rollup rows: values rewritten
//     at every fold, kept in the LSM tree, where a rewrite leaves no
//     value-log garbage behind.
//
// An append is one transaction of the event log. The rollups follow from
// the log: rows record the commit sequence number they were folded
// through, and the commits after it are replayed from their blocks at
// open (ScanUnfolded).
type Store struct {
	dir   string
	state *badger.DB // db/
	log   *badger.DB // log/
	lock  *flock.Flock

	maxBatchSize  int64
	maxBatchCount int64
	minFree       int64

	// seqMu guards seq, the last commit sequence number handed out (it
	// names a commit's blocks and hash list), and serializes commits.
	seqMu sync.Mutex
	seq   uint64

	// hashes holds the dedupe hash of every stored event, loaded on the
	// first append.
	hashes     *hashSet
	hashesOnce sync.Once
	hashesErr  error

	trimCounter

	closeOnce sync.Once
	closeErr  error
}

var _ engine.Store = (*Store)(nil)

// ErrLocked is returned (wrapped, with the holder's description) when
// another process holds the data directory.
var ErrLocked = errors.New("storage: data directory in use")

// ErrFormat is returned when the directory holds another format version
// or is not a lastaccess data directory.
var ErrFormat = errors.New("storage: unsupported data directory")

const (
	lockFile  = "lastaccess.lock"
	ownerFile = "lastaccess.owner"
	dbDir     = "db"
	logDir    = "log"
)

// owner is what a process holding the directory writes for others to read.
type owner struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// Open opens (creating if needed) the data directory dir. It never blocks
// on a directory held by another process: it fails with ErrLocked naming
// the holder.
func Open(dir string, opts Options) (*Store, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := checkDataDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("storage: create data directory: %w", err)
	}
	lk := flock.New(filepath.Join(dir, lockFile))
	locked, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("storage: lock data directory %s: %w", dir, err)
	}
	if !locked {
		return nil, fmt.Errorf("%w: %s is held by %s", ErrLocked, dir, describeOwner(dir))
	}
	s := &Store{dir: dir, lock: lk, minFree: opts.MinFreeSpace}
	if err := s.open(opts); err != nil {
		_ = lk.Unlock()
		return nil, err
	}
	return s, nil
}

// checkDataDir refuses a non-empty directory that is not ours, so a typo in
// --data never scatters Badger files into an unrelated folder.
func checkDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: read data directory: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	for _, e := range entries {
		if e.Name() == dbDir || e.Name() == lockFile {
			return nil
		}
	}
	return fmt.Errorf("%w: %s is not empty and is not a lastaccess data directory", ErrFormat, dir)
}

func describeOwner(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, ownerFile))
	var o owner
	if err != nil || json.Unmarshal(data, &o) != nil || o.PID == 0 {
		return "another lastaccess process"
	}
	return fmt.Sprintf("%s (pid %d, since %s)", o.Command, o.PID, o.Since.UTC().Format(time.RFC3339))
}

func (s *Store) open(opts Options) error {
	var err error
	if s.state, err = openBadger(stateOptions(filepath.Join(s.dir, dbDir), opts)); err != nil {
		return fmt.Errorf("storage: open %s: %w", s.dir, err)
	}
	if err := checkFormat(s.state, s.dir, true); err != nil {
		_ = s.state.Close()
		return err
	}
	if s.log, err = openBadger(logOptions(filepath.Join(s.dir, logDir), opts)); err != nil {
		_ = s.state.Close()
		return fmt.Errorf("storage: open %s: %w", s.dir, err)
	}
	if err := checkFormat(s.log, s.dir, false); err == nil {
		err = s.loadSeq()
	}
	if err != nil {
		_ = s.log.Close()
		_ = s.state.Close()
		return err
	}
	s.maxBatchSize = s.log.MaxBatchSize()
	s.maxBatchCount = s.log.MaxBatchCount()
	s.writeOwner(opts.Owner)
	return nil
}

// baseOptions are what both databases share: memory bounded for an
// embedded default (see Options), no Badger compression (event blocks are
// compressed once when written; the state is small).
func baseOptions(dir string, opts Options) badger.Options {
	bopts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{opts.Logger}).
		WithNumMemtables(opts.NumMemtables).
		WithNumCompactors(opts.NumCompactors).
		WithNumLevelZeroTables(4).
		WithNumLevelZeroTablesStall(10).
		WithBaseTableSize(1 << 20).
		// 32 KiB blocks: a 27% smaller directory than 4 KiB ones, and faster
		// table builds (measured on 1 M records).
		WithBlockSize(32 << 10).
		WithCompression(options.None).
		WithDetectConflicts(false).
		WithSyncWrites(opts.SyncWrites).
		WithMetricsEnabled(false)
	// Every level uses 1 MiB tables: a table builder holds its whole
	// table's data, Badger's allocator pool keeps up to 8 grown builders,
	// and the default doubling per level made a 10 M-record ingest hold
	// 250 MB of them.
	bopts.TableSizeMultiplier = 1
	return bopts
}

// logOptions put every event block, hash list and report result in the
// value log: written once, sequentially, and never moved by compactions
// (which, with blocks in the LSM tree, rewrote each block at every level
// and cost a third of an ingest's CPU and half its memory; with report
// results, they tripled an entity report's latency).
func logOptions(dir string, opts Options) badger.Options {
	return baseOptions(dir, opts).
		WithMemTableSize(opts.MemTableSize).
		WithBlockCacheSize(opts.BlockCacheSize / 4).
		WithIndexCacheSize(opts.IndexCacheSize / 2).
		WithValueLogFileSize(256 << 20).
		WithValueThreshold(logValueThreshold)
}

// logValueThreshold is the value size from which a value goes to the
// value log: below every block, hash list and job record, above the format
// marker.
const logValueThreshold = 32

// stateOptions keep every value in the LSM tree: rollup rows are rewritten
// at every fold, and a rewritten value-log entry would be garbage that
// only value-log GC reclaims.
func stateOptions(dir string, opts Options) badger.Options {
	return baseOptions(dir, opts).
		WithMemTableSize(opts.MemTableSize).
		WithBlockCacheSize(opts.BlockCacheSize - opts.BlockCacheSize/4).
		WithIndexCacheSize(opts.IndexCacheSize - opts.IndexCacheSize/2).
		WithValueLogFileSize(64 << 20).
		// Badger requires the threshold below the largest transaction
		// (15% of a memtable).
		WithValueThreshold(min(1<<20, opts.MemTableSize*15/100/2))
}

func openBadger(bopts badger.Options) (*badger.DB, error) {
	if err := removeEmptyLogFiles(bopts.Dir); err != nil {
		return nil, err
	}
	return badger.Open(bopts)
}

// removeEmptyLogFiles deletes 0-byte memtable and value-log files. A
// process killed between creating one and writing its header leaves such a
// file, and Badger v4 then refuses to open the directory
// (dgraph-io/badger#2207). An empty file holds no commit, so removing it
// loses nothing.
func removeEmptyLogFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: read %s: %w", dir, err)
	}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".mem" && ext != ".vlog") {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Size() != 0 {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("storage: remove the empty log file a crash left: %w", err)
		}
	}
	return nil
}

func (s *Store) writeOwner(command string) {
	if command == "" {
		command = "lastaccess"
	}
	data, _ := json.Marshal(owner{PID: os.Getpid(), Command: command, Since: time.Now().UTC()})
	// Best effort: the owner file only improves another process's error.
	_ = os.WriteFile(filepath.Join(s.dir, ownerFile), data, 0o644)
}

// checkFormat stamps a new database and refuses one of another version.
// The state database also gets the marker secret.
func checkFormat(db *badger.DB, dir string, state bool) error {
	return db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keyFormat)
		if errors.Is(err, badger.ErrKeyNotFound) {
			if err := assertEmpty(txn, dir); err != nil {
				return err
			}
			if state {
				secret := make([]byte, 32)
				if _, err := rand.Read(secret); err != nil {
					return fmt.Errorf("storage: secret: %w", err)
				}
				if err := txn.Set(keySecret, secret); err != nil {
					return err
				}
			}
			return txn.Set(keyFormat, []byte(strconv.Itoa(FormatVersion)))
		}
		if err != nil {
			return fmt.Errorf("storage: read format version: %w", err)
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("storage: read format version: %w", err)
		}
		if string(v) != strconv.Itoa(FormatVersion) {
			return fmt.Errorf("%w: %s has format version %s; this lastaccess reads version %d", ErrFormat, dir, v, FormatVersion)
		}
		return nil
	})
}

func assertEmpty(txn *badger.Txn, dir string) error {
	it := txn.NewIterator(badger.IteratorOptions{})
	defer it.Close()
	it.Rewind()
	if it.Valid() {
		return fmt.Errorf("%w: %s holds data without a format version", ErrFormat, dir)
	}
	return nil
}

// loadSeq finds the last commit sequence number: that of the newest hash
// list (every commit that stores events writes one), or the folded one.
func (s *Store) loadSeq() error {
	folded, err := s.foldedSeq()
	if err != nil {
		return err
	}
	s.seq = folded
	return s.log.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixHashes}, Reverse: true})
		defer it.Close()
		it.Seek(prefixEnd([]byte{prefixHashes}))
		if it.ValidForPrefix([]byte{prefixHashes}) {
			if k := it.Item().Key(); len(k) == 9 {
				s.seq = max(s.seq, decodeUint64(k[1:]))
			}
		}
		return nil
	})
}

// foldedSeq is the commit sequence number the rollup rows include.
func (s *Store) foldedSeq() (uint64, error) {
	v, err := s.Meta("seq")
	if err != nil || len(v) != 8 {
		return 0, err
	}
	return decodeUint64(v), nil
}

// Close flushes and closes Badger and releases the directory.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		err := errors.Join(s.log.Close(), s.state.Close())
		_ = os.Remove(filepath.Join(s.dir, ownerFile))
		if uerr := s.lock.Unlock(); uerr != nil && err == nil {
			err = uerr
		}
		s.closeErr = err
	})
	return s.closeErr
}

// Dir is the data directory.
func (s *Store) Dir() string { return s.dir }

// SyncWrites tells whether every commit is fsynced, as Badger was opened.
func (s *Store) SyncWrites() bool {
	return s.log.Opts().SyncWrites && s.state.Opts().SyncWrites
}

// Size returns the bytes Badger holds on disk (LSM tables and value logs)
// in both databases.
func (s *Store) Size() (lsm, vlog int64) {
	l1, v1 := s.state.Size()
	l2, v2 := s.log.Size()
	return l1 + l2, v1 + v2
}

// Compact flattens the LSM tree; the benchmarks use it to report a settled
// directory size.
func (s *Store) Compact(ctx context.Context) error {
	for _, db := range []*badger.DB{s.state, s.log} {
		if err := db.Flatten(2); err != nil {
			return fmt.Errorf("storage: compact: %w", err)
		}
	}
	return ctx.Err()
}

// Meta reads a meta value; nil when absent.
func (s *Store) Meta(name string) ([]byte, error) {
	var out []byte
	err := s.state.View(func(txn *badger.Txn) error {
		item, err := txn.Get(metaKey(name))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: read %s: %w", name, err)
	}
	return out, nil
}

// PutMeta writes a meta value.
func (s *Store) PutMeta(name string, value []byte) error {
	err := s.state.Update(func(txn *badger.Txn) error {
		if value == nil {
			return txn.Delete(metaKey(name))
		}
		return txn.Set(metaKey(name), value)
	})
	if err != nil {
		return fmt.Errorf("storage: write %s: %w", name, err)
	}
	return nil
}

// PutJob stores a job record and, in the same commit, its in-progress
// marker (set or cleared). Jobs live in the log: a record is written when
// the job starts and once more when it ends.
func (s *Store) PutJob(id string, record []byte, inProgress bool) error {
	err := s.log.Update(func(txn *badger.Txn) error {
		if err := txn.Set(jobKey(id), record); err != nil {
			return err
		}
		running := append([]byte{prefixRunning}, id...)
		if inProgress {
			return txn.Set(running, nil)
		}
		return txn.Delete(running)
	})
	if err != nil {
		return fmt.Errorf("storage: write job %s: %w", id, err)
	}
	return nil
}

// Job reads a job record.
func (s *Store) Job(id string) ([]byte, error) {
	return s.logValue(jobKey(id), "job "+id)
}

// PutJobTable stores a completed job's result table (written once).
func (s *Store) PutJobTable(id string, table []byte) error {
	if err := s.log.Update(func(txn *badger.Txn) error { return txn.Set(jobTableKey(id), table) }); err != nil {
		return fmt.Errorf("storage: write the table of job %s: %w", id, err)
	}
	return nil
}

// JobTable reads a job's result table.
func (s *Store) JobTable(id string) ([]byte, error) {
	return s.logValue(jobTableKey(id), "the table of job "+id)
}

// logValue reads one value of the log, or engine.ErrNotFound.
func (s *Store) logValue(key []byte, what string) ([]byte, error) {
	var out []byte
	err := s.log.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if err != nil {
			return err
		}
		out, err = item.ValueCopy(nil)
		return err
	})
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, engine.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read %s: %w", what, err)
	}
	return out, nil
}

// ScanJobs calls fn for every job record in job-id order, or only for the
// jobs marked in progress.
func (s *Store) ScanJobs(fn func(id string, record []byte) error, inProgressOnly bool) error {
	return s.log.View(func(txn *badger.Txn) error {
		if inProgressOnly {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixRunning}})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				id := string(it.Item().Key()[1:])
				item, err := txn.Get(jobKey(id))
				if err != nil {
					return fmt.Errorf("storage: read job %s: %w", id, err)
				}
				v, err := item.ValueCopy(nil)
				if err != nil {
					return fmt.Errorf("storage: read job %s: %w", id, err)
				}
				if err := fn(id, v); err != nil {
					return err
				}
			}
			return nil
		}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixJob}, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			v, err := item.ValueCopy(nil)
			if err != nil {
				return fmt.Errorf("storage: read job: %w", err)
			}
			if err := fn(string(item.Key()[1:]), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// badgerLogger routes Badger's log lines to slog; Badger's info and debug
// chatter is dropped.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	if b.l != nil {
		b.l.Error("badger: " + fmt.Sprintf(f, a...))
	}
}

func (b badgerLogger) Warningf(f string, a ...any) {
	if b.l != nil {
		b.l.Warn("badger: " + fmt.Sprintf(f, a...))
	}
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}

// Exists reports whether dir holds a data directory (its state database),
// without creating anything: read-only commands refuse a directory that
// does not, so a typo in --data leaves no empty directory behind.
func Exists(dir string) (bool, error) {
	info, err := os.Stat(filepath.Join(dir, dbDir))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("storage: %w", err)
	}
	return info.IsDir(), nil
}
