package storage

import (
	"encoding/binary"
	"errors"
	"fmt"

	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

// perEntryOverhead approximates what Badger charges per entry beyond key
// and value (version, meta, skiplist node); with journalReserve per event
// it keeps our own accounting below Badger's transaction limits, so Set
// never fails halfway through an event.
const (
	perEntryOverhead = 96
	journalReserve   = 160
)

type appendBatch struct {
	s       *Store
	txn     *badger.Txn
	staged  map[string]struct{} // ids staged in this batch
	size    int64
	count   int64
	keyBuf  []byte
	valBuf  []byte
	done    bool
	journal int64
}

// NewAppend starts an append transaction.
func (s *Store) NewAppend() engine.AppendBatch {
	return &appendBatch{s: s, txn: s.db.NewTransaction(true), staged: make(map[string]struct{})}
}

func (b *appendBatch) Add(ev *engine.Event, mayExist bool) (bool, error) {
	if b.done {
		return false, errors.New("storage: append batch already finished")
	}
	if err := validKeyPart("account id", ev.AccountID); err != nil {
		return false, err
	}
	if err := validKeyPart("service namespace", ev.Namespace); err != nil {
		return false, err
	}
	if ev.ID == "" {
		return false, errors.New("storage: empty event id")
	}
	if _, dup := b.staged[ev.ID]; dup {
		return false, nil
	}
	// The event key (account, service, time, eventID) is the record's
	// identity: CloudTrail gives every delivered copy of one call the same
	// eventID, caller account, source and time, so looking the key up is the
	// dedupe check and no second index is written.
	b.keyBuf = eventKey(b.keyBuf[:0], ev.AccountID, ev.Namespace, ev.Time, ev.ID)
	if mayExist {
		_, err := b.txn.Get(b.keyBuf)
		switch {
		case err == nil:
			return false, nil
		case !errors.Is(err, badger.ErrKeyNotFound):
			return false, fmt.Errorf("storage: look up event: %w", err)
		}
	}
	b.valBuf = encodeEventValue(b.valBuf[:0], ev)
	size := int64(len(b.keyBuf)+len(b.valBuf)) + perEntryOverhead + journalReserve
	if b.count+1 > b.s.maxBatchCount*9/10 || b.size+size > b.s.maxBatchSize*8/10 {
		return false, engine.ErrBatchFull
	}
	// Badger keeps references to the slices until commit: copy them.
	if err := b.txn.Set(append([]byte(nil), b.keyBuf...), append([]byte(nil), b.valBuf...)); err != nil {
		return false, fmt.Errorf("storage: stage event: %w", err)
	}
	b.staged[ev.ID] = struct{}{}
	b.size += size
	b.count++
	return true, nil
}

func (b *appendBatch) Remove(ev *engine.Event) error {
	if b.done {
		return errors.New("storage: append batch already finished")
	}
	key := eventKey(nil, ev.AccountID, ev.Namespace, ev.Time, ev.ID)
	if b.count+1 > b.s.maxBatchCount*9/10 || b.size+int64(len(key))+perEntryOverhead > b.s.maxBatchSize*8/10 {
		return engine.ErrBatchFull
	}
	if err := b.txn.Delete(key); err != nil {
		return fmt.Errorf("storage: stage removal: %w", err)
	}
	b.size += int64(len(key)) + perEntryOverhead
	b.count++
	return nil
}

func (b *appendBatch) Commit(journal []byte) (uint64, error) {
	if b.done {
		return 0, errors.New("storage: append batch already finished")
	}
	b.done = true
	if err := b.s.ensureSpace(); err != nil {
		b.txn.Discard()
		return 0, err
	}
	b.s.seqMu.Lock()
	defer b.s.seqMu.Unlock()
	seq := b.s.seq + 1
	if len(journal) > 0 {
		if err := b.txn.Set(journalKey(seq), journal); err != nil {
			b.txn.Discard()
			return 0, fmt.Errorf("storage: stage journal: %w", err)
		}
	}
	if err := b.txn.Commit(); err != nil {
		return 0, fmt.Errorf("storage: commit append: %w", err)
	}
	if len(journal) > 0 {
		b.s.seq = seq
		return seq, nil
	}
	return b.s.seq, nil
}

func (b *appendBatch) Discard() {
	if !b.done {
		b.done = true
		b.txn.Discard()
	}
}

func decodeUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
