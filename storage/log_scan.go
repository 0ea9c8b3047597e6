package storage

import (
	"bytes"
	"fmt"
	"sort"
	"sync/atomic"

	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

type snapshot struct {
	txn *badger.Txn
}

// Snapshot opens a read-only view fixed at this moment.
func (s *Store) Snapshot() engine.Snapshot { return &snapshot{txn: s.db.NewTransaction(false)} }

func (sn *snapshot) Close() { sn.txn.Discard() }

func (sn *snapshot) LatestEvent(account, ns string, atOrBefore int64, accept func(*engine.Event) bool) (engine.Event, bool, error) {
	prefix := eventKeyPrefix(nil, account, ns)
	it := sn.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true})
	defer it.Close()
	// In reverse, Seek lands on the largest key ≤ the seek key: everything
	// at atOrBefore sorts below prefix+time(atOrBefore+1).
	seek := prefix
	if atOrBefore < 1<<63-1 {
		seek = encodeTime(append([]byte(nil), prefix...), atOrBefore+1)
	} else {
		seek = prefixEnd(prefix)
	}
	var ev, best engine.Event
	found := false
	for it.Seek(seek); it.ValidForPrefix(prefix); it.Next() {
		item := it.Item()
		err := item.Value(func(v []byte) error { return decodeEvent(item.Key(), v, &ev) })
		if err != nil {
			return engine.Event{}, false, err
		}
		if ev.Time > atOrBefore {
			continue
		}
		if found && ev.Time < best.Time {
			break
		}
		if accept != nil && !accept(&ev) {
			continue
		}
		// Events of the same second sort by id; among them the smallest
		// region is the latest access's region.
		if !found || ev.Region < best.Region {
			best, found = ev, true
		}
	}
	return best, found, nil
}

// ScanEvents reads only keys that can match q: for each selected account
// (all accounts are found by skipping from one account prefix to the next)
// it seeks to the namespace and the start of the time range.
func (sn *snapshot) ScanEvents(q engine.EventQuery, fn func(*engine.Event) error) error {
	it := sn.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixEvent}, PrefetchValues: false})
	defer it.Close()
	count := func() {
		if q.KeysRead != nil {
			atomic.AddInt64(q.KeysRead, 1)
		}
	}
	var ev engine.Event
	visitRange := func(prefix []byte) error {
		start := prefix
		if q.HasFrom {
			start = encodeTime(append([]byte(nil), prefix...), q.From)
		}
		for it.Seek(start); it.ValidForPrefix(prefix); it.Next() {
			item := it.Item()
			count()
			key := item.Key()
			t := decodeTime(key[len(prefix) : len(prefix)+8])
			if q.HasTo && t > q.To {
				return nil
			}
			if err := item.Value(func(v []byte) error { return decodeEvent(key, v, &ev) }); err != nil {
				return err
			}
			if err := fn(&ev); err != nil {
				return err
			}
		}
		return nil
	}
	// visitAccount scans one account: all namespaces, or the one asked for.
	visitAccount := func(account string) error {
		if q.Namespace != "" {
			return visitRange(eventKeyPrefix(nil, account, q.Namespace))
		}
		if !q.HasFrom && !q.HasTo {
			return visitRange(eventKeyPrefix(nil, account, ""))
		}
		// A time filter without a namespace: skip from namespace to
		// namespace, seeking into each one's time range.
		acctPrefix := eventKeyPrefix(nil, account, "")
		next := acctPrefix
		for {
			it.Seek(next)
			if !it.ValidForPrefix(acctPrefix) {
				return nil
			}
			count()
			k := it.Item().Key()
			end := bytes.IndexByte(k[len(acctPrefix):], 0)
			if end < 0 {
				return fmt.Errorf("storage: malformed event key %q", k)
			}
			nsPrefix := append([]byte(nil), k[:len(acctPrefix)+end+1]...)
			if err := visitRange(nsPrefix); err != nil {
				return err
			}
			next = prefixEnd(nsPrefix)
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
	next := []byte{prefixEvent}
	for {
		it.Seek(next)
		if !it.ValidForPrefix([]byte{prefixEvent}) {
			return nil
		}
		count()
		k := it.Item().Key()
		end := bytes.IndexByte(k[1:], 0)
		if end < 0 {
			return fmt.Errorf("storage: malformed event key %q", k)
		}
		account := string(k[1 : 1+end])
		if err := visitAccount(account); err != nil {
			return err
		}
		next = prefixEnd(eventKeyPrefix(nil, account, ""))
	}
}
