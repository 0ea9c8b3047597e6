package storage

import (
	"bytes"
	"fmt"
	"sort"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

// snapshot reads the event log and the state as of its opening. The
// engine opens snapshots while no append can commit, so the two agree.
type snapshot struct {
	txn   *badger.Txn // the event log
	state *badger.Txn
}

// Snapshot opens a read-only view fixed at this moment.
func (s *Store) Snapshot() engine.Snapshot {
	return &snapshot{txn: s.log.NewTransaction(false), state: s.state.NewTransaction(false)}
}

func (sn *snapshot) Close() {
	sn.txn.Discard()
	sn.state.Discard()
}

// blockRef is a block found by its key. (Badger's items are valid only
// until the iterator moves, so the key is kept and the value read later.)
type blockRef struct {
	key   []byte
	parts blockKeyParts
}

func (sn *snapshot) events(r blockRef) ([]engine.Event, error) {
	item, err := sn.txn.Get(r.key)
	if err != nil {
		return nil, fmt.Errorf("storage: read block: %w", err)
	}
	var evs []engine.Event
	err = item.Value(func(v []byte) error {
		var err error
		evs, err = decodeBlock(r.parts.account, r.parts.ns, v)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("storage: read block: %w", err)
	}
	return evs, nil
}

// blocksOf lists the blocks of one account and service whose span meets
// [from, to] (inclusive), deciding from the keys alone.
func (sn *snapshot) blocksOf(account, ns string, from, to int64, keysRead *int64) ([]blockRef, error) {
	prefix := blockPrefix(nil, account, ns)
	it := sn.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out []blockRef
	for it.Rewind(); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		p, err := parseBlockKey(item.Key())
		if err != nil {
			return nil, err
		}
		if p.minT > to {
			break
		}
		if p.maxT < from {
			continue
		}
		// Only blocks whose span meets the range are read (counted);
		// the others are passed over on their key.
		if keysRead != nil {
			atomic.AddInt64(keysRead, 1)
		}
		out = append(out, blockRef{key: item.KeyCopy(nil), parts: p})
	}
	return out, nil
}

func (sn *snapshot) LatestEvent(account, ns string, atOrBefore int64, accept func(*engine.Event) bool) (engine.Event, bool, error) {
	blocks, err := sn.blocksOf(account, ns, -1<<63, atOrBefore, nil)
	if err != nil {
		return engine.Event{}, false, err
	}
	// Visit blocks by the latest time they can contribute, newest first,
	// and stop once no remaining block can beat (or tie) the best found.
	upper := func(r blockRef) int64 { return min(r.parts.maxT, atOrBefore) }
	sort.Slice(blocks, func(i, j int) bool { return upper(blocks[i]) > upper(blocks[j]) })
	var best engine.Event
	found := false
	for _, r := range blocks {
		if found && upper(r) < best.Time {
			break
		}
		evs, err := sn.events(r)
		if err != nil {
			return engine.Event{}, false, err
		}
		for i := range evs {
			ev := &evs[i]
			if ev.Time > atOrBefore || (found && ev.Time < best.Time) {
				continue
			}
			if accept != nil && !accept(ev) {
				continue
			}
			// At the same time, the smallest region is the latest access's.
			if !found || ev.Time > best.Time || ev.Region < best.Region {
				best, found = *ev, true
			}
		}
	}
	return best, found, nil
}

// ScanEvents reads only blocks that can match q: for each selected account
// (all accounts are found by skipping from one account prefix to the
// next) and each selected service, the blocks whose span meets the time
// range. Events come out by account, service, then time, id and event
// source.
func (sn *snapshot) ScanEvents(q engine.EventQuery, fn func(*engine.Event) error) error {
	from, to := int64(-1<<63), int64(1<<63-1)
	if q.HasFrom {
		from = q.From
	}
	if q.HasTo {
		to = q.To
	}
	visitPair := func(account, ns string) error {
		blocks, err := sn.blocksOf(account, ns, from, to, q.KeysRead)
		if err != nil {
			return err
		}
		var evs []engine.Event
		for _, r := range blocks {
			part, err := sn.events(r)
			if err != nil {
				return err
			}
			for i := range part {
				if part[i].Time >= from && part[i].Time <= to {
					evs = append(evs, part[i])
				}
			}
		}
		if len(blocks) > 1 {
			sort.Slice(evs, func(i, j int) bool { return eventLess(&evs[i], &evs[j]) })
		}
		for i := range evs {
			if err := fn(&evs[i]); err != nil {
				return err
			}
		}
		return nil
	}
	it := sn.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixBlock}})
	defer it.Close()
	count := func() {
		if q.KeysRead != nil {
			atomic.AddInt64(q.KeysRead, 1)
		}
	}
	// nextName finds, at or after seek, the next name (account, or service
	// of an account) under prefix: one key read per name skipped to.
	nextName := func(prefix, seek []byte) (string, bool, error) {
		it.Seek(seek)
		if !it.ValidForPrefix(prefix) {
			return "", false, nil
		}
		count()
		k := it.Item().Key()
		end := bytes.IndexByte(k[len(prefix):], 0)
		if end < 0 {
			return "", false, fmt.Errorf("storage: malformed block key %q", k)
		}
		return string(k[len(prefix) : len(prefix)+end]), true, nil
	}
	visitAccount := func(account string) error {
		if q.Namespace != "" {
			return visitPair(account, q.Namespace)
		}
		acctPrefix := blockPrefix(nil, account, "")
		seek := acctPrefix
		for {
			ns, ok, err := nextName(acctPrefix, seek)
			if err != nil || !ok {
				return err
			}
			if q.Namespaces == nil || q.Namespaces(ns) {
				if err := visitPair(account, ns); err != nil {
					return err
				}
			}
			seek = prefixEnd(blockPrefix(nil, account, ns))
		}
	}
	if q.Accounts != nil {
		accounts := append([]string(nil), q.Accounts...)
		sort.Strings(accounts)
		for i, a := range accounts {
			if i > 0 && a == accounts[i-1] {
				continue
			}
			if err := visitAccount(a); err != nil {
				return err
			}
		}
		return nil
	}
	all := []byte{prefixBlock}
	seek := all
	for {
		account, ok, err := nextName(all, seek)
		if err != nil || !ok {
			return err
		}
		if err := visitAccount(account); err != nil {
			return err
		}
		seek = prefixEnd(blockPrefix(nil, account, ""))
	}
}
