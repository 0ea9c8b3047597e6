package storage

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/cespare/xxhash/v2"
	badger "github.com/dgraph-io/badger/v4"

	"lastaccess/engine"
)

// A record's identity is (caller account, event source, eventTime,
// eventID): CloudTrail gives every delivered copy of one call the same
// eventID, account, source and time, and two records that share only an
// eventID are two calls. Dedupe keeps a 64-bit hash of (account, service
// namespace, time, eventID) for every stored event in memory (8 bytes
// each, loaded from the 'h' lists written with each commit). The
// namespace is a function of the event source, so equal identities have
// equal hashes: a hash not in the set is a new event — the common case
// costs no read; a hash in the set is verified against the blocks that
// can hold the event, comparing the whole identity, so neither a hash
// collision nor two sources of one service drop an event.
func eventHash(ev *engine.Event) uint64 {
	var d xxhash.Digest
	d.Reset()
	d.WriteString(ev.AccountID)
	d.Write([]byte{0})
	d.WriteString(ev.Namespace)
	d.Write([]byte{0})
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(ev.Time))
	d.Write(t[:])
	d.WriteString(ev.ID)
	return d.Sum64()
}

// hashSet is the set of stored event hashes, split by their top 16 bits
// into 65 536 sorted buckets: a lookup is a short binary search in one
// small slice, and an insert moves part of one bucket, so the set never
// needs a second copy of itself to grow. About 9 bytes per stored event.
type hashSet struct {
	mu      sync.Mutex // guards buckets
	buckets [1 << hashBucketBits][]uint64
}

const hashBucketBits = 16

func newHashSet(sorted []uint64) *hashSet {
	h := &hashSet{}
	for len(sorted) > 0 {
		b := sorted[0] >> (64 - hashBucketBits)
		n := 1
		for n < len(sorted) && sorted[n]>>(64-hashBucketBits) == b {
			n++
		}
		h.buckets[b] = slices.Clip(sorted[:n:n])
		sorted = sorted[n:]
	}
	return h
}

func (h *hashSet) has(x uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := slices.BinarySearch(h.buckets[x>>(64-hashBucketBits)], x)
	return ok
}

func (h *hashSet) add(xs []uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range xs {
		bucket := &h.buckets[x>>(64-hashBucketBits)]
		i, found := slices.BinarySearch(*bucket, x)
		if found {
			continue
		}
		if len(*bucket) == cap(*bucket) {
			// Grow by a quarter, not Go's doubling: slack is memory.
			grown := make([]uint64, len(*bucket), cap(*bucket)+cap(*bucket)/4+4)
			copy(grown, *bucket)
			*bucket = grown
		}
		*bucket = slices.Insert(*bucket, i, x)
	}
}

// loadHashes reads every commit's hash list.
func (s *Store) loadHashes() error {
	var all []uint64
	err := s.log.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixHashes}, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			err := it.Item().Value(func(v []byte) error {
				if len(v)%8 != 0 {
					return fmt.Errorf("storage: malformed hash list %x", it.Item().Key())
				}
				for i := 0; i < len(v); i += 8 {
					all = append(all, binary.BigEndian.Uint64(v[i:]))
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storage: load event hashes: %w", err)
	}
	slices.Sort(all)
	// Each bucket gets its own exact-size slice, so the loading array
	// can be freed.
	compact := slices.Compact(all)
	h := &hashSet{}
	for len(compact) > 0 {
		b := compact[0] >> (64 - hashBucketBits)
		n := 1
		for n < len(compact) && compact[n]>>(64-hashBucketBits) == b {
			n++
		}
		h.buckets[b] = slices.Clone(compact[:n])
		compact = compact[n:]
	}
	s.hashes = h
	return nil
}

// ensureHashes loads the hash set on the first append of the process.
func (s *Store) ensureHashes() error {
	s.hashesOnce.Do(func() { s.hashesErr = s.loadHashes() })
	return s.hashesErr
}
