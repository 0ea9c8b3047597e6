package storage

import "sync/atomic"

// Badger reads and writes its value logs, tables and memtable logs through
// memory maps, and every page it has touched stays mapped into this
// process: an ingest of 10 M records ended with half a gigabyte of the
// value log resident, counted in its RSS although the data is on disk.
// After every residentTrimBytes of appended data, the store asks the
// kernel to reclaim the mapped pages of its own files (trimResident).
const residentTrimBytes = 32 << 20

// noteWritten counts appended bytes and trims the store's mapped files once
// enough have been written since the last trim.
func (s *Store) noteWritten(n int64) {
	if s.sinceTrim.Add(n) < residentTrimBytes {
		return
	}
	s.sinceTrim.Store(0)
	trimResident(s.dir)
}

// trimCounter is embedded in Store.
type trimCounter struct {
	sinceTrim atomic.Int64
}
