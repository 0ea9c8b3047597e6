package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

// ScanRollupRows streams the persisted rollup rows of one kind.
func (s *Store) ScanRollupRows(kind byte, fn func(name string, value []byte) error) error {
	return s.state.View(func(txn *badger.Txn) error {
		prefix := []byte{prefixRollup, kind}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 256})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			name := string(item.Key()[2:])
			if err := item.Value(func(v []byte) error { return fn(name, v) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScanUnfolded calls fn with the events of every commit newer than the
// rows' folded sequence number: the rollup changes a crash kept from being
// folded. Commits are found by the sequence number in their block keys,
// so only keys are read to find them (the event log's LSM tree holds no
// values); this runs only when the previous process did not fold.
func (s *Store) ScanUnfolded(fn func(seq uint64, events []engine.Event) error) error {
	folded, err := s.foldedSeq()
	if err != nil {
		return err
	}
	if s.currentSeq() <= folded {
		return nil
	}
	return s.log.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixBlock}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			p, err := parseBlockKey(item.Key())
			if err != nil {
				return err
			}
			if p.seq <= folded {
				continue
			}
			var evs []engine.Event
			if err := item.Value(func(v []byte) error {
				evs, err = decodeBlock(p.account, p.ns, v)
				return err
			}); err != nil {
				return fmt.Errorf("storage: read block of unfolded commit %d: %w", p.seq, err)
			}
			if err := fn(p.seq, evs); err != nil {
				return err
			}
		}
		return nil
	})
}

// RollupRow reads one rollup row as of the snapshot.
func (sn *snapshot) RollupRow(kind byte, name string) ([]byte, error) {
	item, err := sn.state.Get(rollupKey(kind, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read rollup row: %w", err)
	}
	return item.ValueCopy(nil)
}

// WriteRollups writes rows (in as many commits as needed) and then, when
// foldedThrough is not 0, records that the rows include every commit up
// to it. A crash in between leaves rows that already hold some changes
// the replay will merge again: merging is idempotent.
func (s *Store) WriteRollups(rows []engine.RollupRow, foldedThrough uint64) error {
	if err := s.ensureSpace(); err != nil {
		return err
	}
	if err := s.writeRows(rows); err != nil {
		return err
	}
	// A fold reads and rewrites rows through the state's memory maps.
	trimResident(s.dir)
	if foldedThrough == 0 {
		return nil
	}
	if err := s.PutMeta("seq", binary.BigEndian.AppendUint64(nil, foldedThrough)); err != nil {
		return fmt.Errorf("storage: record folded sequence: %w", err)
	}
	return nil
}

func (s *Store) currentSeq() uint64 {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	return s.seq
}

func (s *Store) writeRows(rows []engine.RollupRow) error {
	if len(rows) == 0 {
		return nil
	}
	wb := s.state.NewWriteBatch()
	defer wb.Cancel()
	for _, r := range rows {
		k := rollupKey(r.Kind, r.Name)
		var err error
		if r.Value == nil {
			err = wb.Delete(k)
		} else {
			err = wb.Set(k, r.Value)
		}
		if err != nil {
			return fmt.Errorf("storage: write rollup row: %w", err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("storage: write rollup rows: %w", err)
	}
	return nil
}

// ClearRollups drops all rollup rows and records them as folded through
// the last commit: the caller (rebuild) recomputes them from the log.
func (s *Store) ClearRollups() error {
	if err := s.state.DropPrefix([]byte{prefixRollup}); err != nil {
		return fmt.Errorf("storage: drop rollups: %w", err)
	}
	return s.PutMeta("seq", binary.BigEndian.AppendUint64(nil, s.currentSeq()))
}
