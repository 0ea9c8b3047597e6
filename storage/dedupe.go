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

// A record's identity is (caller account, service, eventTime, eventID):
// CloudTrail gives every delivered copy of one call the same eventID,
// account, source and time. Dedupe keeps a 64-bit hash of that identity
// for every stored event in memory (8 bytes each, loaded from the 'h'
// lists written with each commit). A hash not in the set is a new event —
// the common case costs no read; a hash in the set is verified against the
// blocks that can hold the event, so a hash collision never drops an event.
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

// hashSet is the set of stored event hashes: a sorted array, with an
// index of where each value of the top bits starts (so a lookup is a short
// search in one bucket), and a map of recent additions merged in when it
// grows. About 8.5 bytes per stored event.
type hashSet struct {
	mu      sync.Mutex // guards all fields
	sorted  []uint64
	bits    uint     // the index covers the top bits of a hash
	buckets []uint32 // buckets[b] = first position in sorted whose top bits are ≥ b
	recent  map[uint64]struct{}
}

func newHashSet(sorted []uint64) *hashSet {
	h := &hashSet{recent: make(map[uint64]struct{})}
	h.setSorted(sorted)
	return h
}

// setSorted installs a sorted array and builds its bucket index: about
// eight hashes a bucket.
func (h *hashSet) setSorted(sorted []uint64) {
	h.sorted = sorted
	bits := uint(8)
	for bits < 28 && uint64(len(sorted)) > 8<<bits {
		bits++
	}
	h.bits = bits
	h.buckets = make([]uint32, (1<<bits)+1)
	pos := 0
	for b := range h.buckets {
		for pos < len(sorted) && sorted[pos]>>(64-bits) < uint64(b) {
			pos++
		}
		h.buckets[b] = uint32(pos)
	}
}

func (h *hashSet) has(x uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.recent[x]; ok {
		return true
	}
	b := x >> (64 - h.bits)
	lo, hi := h.buckets[b], h.buckets[b+1]
	_, ok := slices.BinarySearch(h.sorted[lo:hi], x)
	return ok
}

func (h *hashSet) add(xs []uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, x := range xs {
		h.recent[x] = struct{}{}
	}
	if len(h.recent) > max(1<<18, len(h.sorted)/8) {
		merged := make([]uint64, 0, len(h.sorted)+len(h.recent))
		merged = append(merged, h.sorted...)
		for x := range h.recent {
			merged = append(merged, x)
		}
		slices.Sort(merged)
		h.setSorted(slices.Compact(merged))
		h.recent = make(map[uint64]struct{})
	}
}

// loadHashes reads every commit's hash list.
func (s *Store) loadHashes() error {
	var all []uint64
	err := s.db.View(func(txn *badger.Txn) error {
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
	s.hashes = newHashSet(slices.Compact(all))
	return nil
}

// ensureHashes loads the hash set on the first append of the process.
func (s *Store) ensureHashes() error {
	s.hashesOnce.Do(func() { s.hashesErr = s.loadHashes() })
	return s.hashesErr
}
