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
	return s.db.View(func(txn *badger.Txn) error {
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

// ScanJournal streams the journal entries in sequence order.
func (s *Store) ScanJournal(fn func(seq uint64, entry []byte) error) error {
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixJournal}, PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			k := item.Key()
			if len(k) != 9 {
				return fmt.Errorf("storage: malformed journal key %q", k)
			}
			seq := binary.BigEndian.Uint64(k[1:])
			if err := item.Value(func(v []byte) error { return fn(seq, v) }); err != nil {
				return err
			}
		}
		return nil
	})
}

// RollupRow reads one rollup row as of the snapshot.
func (sn *snapshot) RollupRow(kind byte, name string) ([]byte, error) {
	item, err := sn.txn.Get(rollupKey(kind, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: read rollup row: %w", err)
	}
	return item.ValueCopy(nil)
}

// WriteRollups writes rows (in as many commits as needed), records the
// folded sequence number, then deletes the folded journal entries.
func (s *Store) WriteRollups(rows []engine.RollupRow, journalsThrough uint64) error {
	if err := s.ensureSpace(); err != nil {
		return err
	}
	if err := s.writeRows(rows); err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	if err := wb.Set(keySeq, binary.BigEndian.AppendUint64(nil, s.currentSeq())); err != nil {
		return fmt.Errorf("storage: write rollup sequence: %w", err)
	}
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixJournal}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().KeyCopy(nil)
			if len(k) == 9 && binary.BigEndian.Uint64(k[1:]) > journalsThrough {
				break
			}
			if err := wb.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: delete folded journal entries: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("storage: delete folded journal entries: %w", err)
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
	wb := s.db.NewWriteBatch()
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

// ClearRollups drops all rollup rows and journal entries.
func (s *Store) ClearRollups() error {
	if err := s.db.DropPrefix([]byte{prefixRollup}, []byte{prefixJournal}); err != nil {
		return fmt.Errorf("storage: drop rollups: %w", err)
	}
	return s.PutMeta("seq", binary.BigEndian.AppendUint64(nil, s.currentSeq()))
}
