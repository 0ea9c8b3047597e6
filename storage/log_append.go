package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"

	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

// Accounting that keeps a commit below Badger's transaction limits:
// perEventBytes estimates an event's share of its block and of the
// commit's hash list.
const (
	perEventBytes = 96 + 8
	perBlockBytes = 256
)

type groupKey struct{ account, ns string }

// eventIdent is what a block must contain for an event to be stored:
// within a block (one account and service), the rest of the record's
// identity (caller account, event source, eventTime, eventID).
type eventIdent struct {
	time   int64
	id     string
	source string
}

func identOf(ev *engine.Event) eventIdent { return eventIdent{ev.Time, ev.ID, ev.EventSource} }

// stagedKey is a record's whole identity, for the events staged in one
// batch: two records that share an eventID but not their account, event
// source or time are two events, in a batch as across batches.
type stagedKey struct {
	account string
	ident   eventIdent
}

type appendBatch struct {
	s      *Store
	txn    *badger.Txn
	staged map[stagedKey]struct{} // identities staged in this batch
	events []*engine.Event        // staged events, in arrival order (the caller's)
	hashes []uint64
	// removed lists, per block key, the events to drop from that block.
	removed map[string]map[eventIdent]struct{}
	// blocks caches decoded blocks read to verify hash hits and removals.
	blocks map[string]map[eventIdent]struct{}
	size   int64
	done   bool
}

// NewAppend starts an append transaction.
func (s *Store) NewAppend() engine.AppendBatch {
	return &appendBatch{s: s, txn: s.log.NewTransaction(true), staged: stagedPool.Get().(map[stagedKey]struct{})}
}

// stagedPool recycles the per-batch identity sets: a batch of thousands
// of events otherwise grows a new map every time.
var stagedPool = sync.Pool{New: func() any { return make(map[stagedKey]struct{}) }}

// release returns the batch's id set to the pool.
func (b *appendBatch) release() {
	if b.staged != nil {
		clear(b.staged)
		stagedPool.Put(b.staged)
		b.staged = nil
	}
}

func (b *appendBatch) Add(ev *engine.Event) (bool, error) {
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
	if err := b.s.ensureHashes(); err != nil {
		return false, err
	}
	key := stagedKey{ev.AccountID, identOf(ev)}
	if _, dup := b.staged[key]; dup {
		return false, nil
	}
	h := eventHash(ev)
	if b.s.hashes.has(h) {
		stored, _, err := b.find(ev)
		if err != nil {
			return false, err
		}
		if stored {
			return false, nil
		}
	}
	size := int64(perEventBytes + len(ev.ID))
	if b.size+size > b.s.maxBatchSize*6/10 {
		return false, engine.ErrBatchFull
	}
	b.size += size
	b.staged[key] = struct{}{}
	b.events = append(b.events, ev)
	b.hashes = append(b.hashes, h)
	return true, nil
}

// find looks for ev in the blocks that can hold it (same account and
// service, time within the block's span) and returns the block's key.
func (b *appendBatch) find(ev *engine.Event) (bool, string, error) {
	prefix := blockPrefix(nil, ev.AccountID, ev.Namespace)
	it := b.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	want := identOf(ev)
	for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		p, err := parseBlockKey(item.Key())
		if err != nil {
			return false, "", err
		}
		if p.minT > ev.Time {
			break
		}
		if p.maxT < ev.Time {
			continue
		}
		key := string(item.Key())
		idents, ok := b.blocks[key]
		if !ok {
			var evs []engine.Event
			err := item.Value(func(v []byte) error {
				var err error
				evs, err = decodeBlock(p.account, p.ns, v)
				return err
			})
			if err != nil {
				return false, "", fmt.Errorf("storage: read block: %w", err)
			}
			idents = make(map[eventIdent]struct{}, len(evs))
			for i := range evs {
				idents[identOf(&evs[i])] = struct{}{}
			}
			if b.blocks == nil {
				b.blocks = make(map[string]map[eventIdent]struct{})
			}
			b.blocks[key] = idents
		}
		if _, ok := idents[want]; ok {
			if _, gone := b.removed[key][want]; !gone {
				return true, key, nil
			}
		}
	}
	return false, "", nil
}

// Remove stages the deletion of a stored event (catalog re-keying): its
// block is rewritten without it at commit.
func (b *appendBatch) Remove(ev *engine.Event) error {
	if b.done {
		return errors.New("storage: append batch already finished")
	}
	found, key, err := b.find(ev)
	if err != nil || !found {
		return err
	}
	if b.size+perBlockBytes > b.s.maxBatchSize*6/10 {
		return engine.ErrBatchFull
	}
	b.size += perBlockBytes
	if b.removed == nil {
		b.removed = make(map[string]map[eventIdent]struct{})
	}
	if b.removed[key] == nil {
		b.removed[key] = make(map[eventIdent]struct{})
	}
	b.removed[key][identOf(ev)] = struct{}{}
	return nil
}

// Commit stores the staged blocks and their hash list in one transaction
// of the event log. The rollups need no entry of their own: a commit
// newer than the rows' folded sequence number is replayed from its blocks
// (ScanUnfolded).
func (b *appendBatch) Commit() (uint64, error) {
	if b.done {
		return 0, errors.New("storage: append batch already finished")
	}
	b.done = true
	defer b.txn.Discard()
	defer b.release()
	if err := b.s.ensureSpace(); err != nil {
		return 0, err
	}
	b.s.seqMu.Lock()
	defer b.s.seqMu.Unlock()
	seq := b.s.seq + 1
	if err := b.rewriteRemoved(); err != nil {
		return 0, err
	}
	if err := b.writeBlocks(seq); err != nil {
		return 0, err
	}
	if len(b.hashes) > 0 {
		sorted := slices.Clone(b.hashes)
		slices.Sort(sorted)
		v := make([]byte, 0, 8*len(sorted))
		for _, h := range sorted {
			v = binary.BigEndian.AppendUint64(v, h)
		}
		if err := b.txn.Set(hashesKey(seq), v); err != nil {
			return 0, fmt.Errorf("storage: stage event hashes: %w", err)
		}
	}
	if err := b.txn.Commit(); err != nil {
		return 0, fmt.Errorf("storage: commit append: %w", err)
	}
	b.s.seq = seq
	b.s.noteWritten(b.size)
	if len(b.hashes) > 0 { // Add loaded the set
		b.s.hashes.add(b.hashes)
	}
	return seq, nil
}

// writeBlocks groups the staged events by account and service, sorts each
// group by time and writes it as blocks of at most maxBlockEvents.
func (b *appendBatch) writeBlocks(seq uint64) error {
	groups := make(map[groupKey][]*engine.Event)
	for _, ev := range b.events {
		k := groupKey{ev.AccountID, ev.Namespace}
		groups[k] = append(groups[k], ev)
	}
	keys := make([]groupKey, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].account != keys[j].account {
			return keys[i].account < keys[j].account
		}
		return keys[i].ns < keys[j].ns
	})
	var scratch []byte // each block is encoded here, then packed into its own value
	for _, k := range keys {
		evs := groups[k]
		sortEvents(evs)
		for part := 0; len(evs) > 0; part++ {
			chunk := evs[:min(len(evs), maxBlockEvents)]
			evs = evs[len(chunk):]
			key := blockKey(k.account, k.ns, chunk[0].Time, chunk[len(chunk)-1].Time, seq, uint16(part))
			scratch = encodeBlock(scratch[:0], k.ns, chunk)
			if err := b.txn.Set(key, packBlock(scratch)); err != nil {
				return fmt.Errorf("storage: stage event block: %w", err)
			}
		}
	}
	return nil
}

// rewriteRemoved writes each block that lost events, without them.
func (b *appendBatch) rewriteRemoved() error {
	for key, gone := range b.removed {
		item, err := b.txn.Get([]byte(key))
		if err != nil {
			return fmt.Errorf("storage: read block to rewrite: %w", err)
		}
		p, err := parseBlockKey(item.Key())
		if err != nil {
			return err
		}
		var evs []engine.Event
		if err := item.Value(func(v []byte) error {
			evs, err = decodeBlock(p.account, p.ns, v)
			return err
		}); err != nil {
			return fmt.Errorf("storage: read block to rewrite: %w", err)
		}
		var keep []*engine.Event
		for i := range evs {
			if _, drop := gone[identOf(&evs[i])]; !drop {
				keep = append(keep, &evs[i])
			}
		}
		// The key's span stays valid for the remaining events: a block's
		// span may be wider than its events, never narrower.
		if len(keep) == 0 {
			err = b.txn.Delete([]byte(key))
		} else {
			err = b.txn.Set([]byte(key), packBlock(encodeBlock(nil, p.ns, keep)))
		}
		if err != nil {
			return fmt.Errorf("storage: rewrite block: %w", err)
		}
	}
	return nil
}

func (b *appendBatch) Discard() {
	if !b.done {
		b.done = true
		b.txn.Discard()
		b.release()
	}
}

func decodeUint64(b []byte) uint64 { return binary.BigEndian.Uint64(b) }
