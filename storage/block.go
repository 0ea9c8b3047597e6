package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"

	"github.com/klauspost/compress/zstd"

	"lastaccess/engine"
)

// A block holds the events of one account and service from one commit,
// sorted by (time, id), in columns: times as deltas, ids, then one column
// per field as indexes into a string dictionary of the block. A principal
// ARN, event name or region repeated across the block is stored once, and
// the columns compress well in Badger's tables.
//
//	version(1) count(uvarint)
//	times:    first as uvarint of the sign-flipped nanos, then uvarint deltas
//	ids:      per event tag(1) + 16 bytes (canonical UUID) | tag(2) + uvarint len + bytes
//	dict:     uvarint count, strings (uvarint len + bytes); index 0 is ""
//	flags:    one byte per event (principal type bits 0-2, service-linked bit 3, data event bit 4)
//	columns:  principal, eventSource, eventName, action, region, errorCode:
//	          one uvarint dictionary index per event each
//
// eventSource is stored as "" when it is "<ns>.amazonaws.com" and action
// as "" when it equals eventName, the common cases.
//
// A stored block is one byte of kind then the encoding above: raw, or
// compressed with zstd. Blocks are compressed here, once, rather than by
// Badger: Badger compresses every table at every compaction level, and its
// table builders hold a table's uncompressed data, which for data this
// compressible meant hundreds of megabytes of builders.
const blockVersion = 1

const (
	blockRaw  = 0x00
	blockZstd = 0x01
	// minCompressBlock is the encoded size below which compressing gains
	// too little to pay for itself.
	minCompressBlock = 256
)

var (
	blockEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithLowerEncoderMem(true))
	blockDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderLowmem(true))
)

// packBlock returns the stored form of an encoded block.
func packBlock(encoded []byte) []byte {
	if len(encoded) >= minCompressBlock {
		packed := blockEncoder.EncodeAll(encoded, []byte{blockZstd})
		if len(packed) < len(encoded) {
			return packed
		}
	}
	return append([]byte{blockRaw}, encoded...)
}

// unpackBlock returns the encoding of a stored block.
func unpackBlock(stored []byte) ([]byte, error) {
	if len(stored) == 0 {
		return nil, errCorruptBlock
	}
	switch stored[0] {
	case blockRaw:
		return stored[1:], nil
	case blockZstd:
		out, err := blockDecoder.DecodeAll(stored[1:], nil)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errCorruptBlock, err)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: unknown block kind %#x", errCorruptBlock, stored[0])
}

const (
	flagServiceLinked = 1 << 3
	flagDataEvent     = 1 << 4
)

// maxBlockEvents bounds one block; a larger group is split.
const maxBlockEvents = 4096

// sortEvents orders a block's events by (time, id, event source), the
// identity within a block, so a block's content does not depend on the
// order events arrived in.
func sortEvents(evs []*engine.Event) {
	sort.Slice(evs, func(i, j int) bool { return eventLess(evs[i], evs[j]) })
}

func eventLess(a, b *engine.Event) bool {
	if a.Time != b.Time {
		return a.Time < b.Time
	}
	if a.ID != b.ID {
		return a.ID < b.ID
	}
	return a.EventSource < b.EventSource
}

type blockWriter struct {
	buf  []byte
	dict map[string]uint64
	strs []string
}

func (w *blockWriter) index(s string) uint64 {
	if s == "" {
		return 0
	}
	if i, ok := w.dict[s]; ok {
		return i
	}
	i := uint64(len(w.strs) + 1)
	w.dict[s] = i
	w.strs = append(w.strs, s)
	return i
}

// encodeBlock encodes events of one account and namespace, already sorted.
func encodeBlock(dst []byte, ns string, evs []*engine.Event) []byte {
	w := &blockWriter{buf: dst, dict: make(map[string]uint64, 16)}
	n := len(evs)
	cols := make([]uint64, 6*n)
	flags := make([]byte, n)
	defaultSource := ns + ".amazonaws.com"
	for i, ev := range evs {
		f := byte(ev.PrincipalType) & 0x07
		if ev.ServiceLinked {
			f |= flagServiceLinked
		}
		if ev.DataEvent {
			f |= flagDataEvent
		}
		flags[i] = f
		src := ev.EventSource
		if src == defaultSource {
			src = ""
		}
		action := ev.Action
		if action == ev.EventName {
			action = ""
		}
		cols[0*n+i] = w.index(ev.PrincipalARN)
		cols[1*n+i] = w.index(src)
		cols[2*n+i] = w.index(ev.EventName)
		cols[3*n+i] = w.index(action)
		cols[4*n+i] = w.index(ev.Region)
		cols[5*n+i] = w.index(ev.ErrorCode)
	}
	b := append(w.buf, blockVersion)
	b = binary.AppendUvarint(b, uint64(n))
	var prev uint64
	for i, ev := range evs {
		t := uint64(ev.Time) ^ (1 << 63)
		if i == 0 {
			b = binary.AppendUvarint(b, t)
		} else {
			b = binary.AppendUvarint(b, t-prev)
		}
		prev = t
	}
	for _, ev := range evs {
		b = appendBlockID(b, ev.ID)
	}
	b = binary.AppendUvarint(b, uint64(len(w.strs)))
	for _, s := range w.strs {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, flags...)
	for _, v := range cols {
		b = binary.AppendUvarint(b, v)
	}
	return b
}

func appendBlockID(dst []byte, id string) []byte {
	if u, ok := canonicalUUID(id); ok {
		dst = append(dst, 0x01)
		return append(dst, u[:]...)
	}
	dst = append(dst, 0x02)
	dst = binary.AppendUvarint(dst, uint64(len(id)))
	return append(dst, id...)
}

var errCorruptBlock = errors.New("storage: corrupt event block")

type blockReader struct {
	b   []byte
	err error
}

func (r *blockReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorruptBlock
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *blockReader) bytes(n uint64) []byte {
	if r.err != nil {
		return nil
	}
	if uint64(len(r.b)) < n {
		r.err = errCorruptBlock
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

// decodeBlock decodes a stored block of account and ns into events.
func decodeBlock(account, ns string, stored []byte) ([]engine.Event, error) {
	value, err := unpackBlock(stored)
	if err != nil {
		return nil, err
	}
	r := &blockReader{b: value}
	if v := r.bytes(1); r.err == nil && v[0] != blockVersion {
		return nil, fmt.Errorf("storage: event block version %d", v[0])
	}
	n := r.uvarint()
	// Each event takes at least 1+1+1+6 bytes: reject counts the block cannot hold.
	if r.err == nil && n > uint64(len(r.b))/9 {
		return nil, errCorruptBlock
	}
	evs := make([]engine.Event, n)
	var t uint64
	for i := range evs {
		if i == 0 {
			t = r.uvarint()
		} else {
			t += r.uvarint()
		}
		evs[i].Time = int64(t ^ (1 << 63))
		evs[i].AccountID, evs[i].Namespace = account, ns
	}
	for i := range evs {
		switch tag := r.bytes(1); {
		case r.err != nil:
		case tag[0] == 0x01:
			if u := r.bytes(16); r.err == nil {
				evs[i].ID = formatUUID(u)
			}
		case tag[0] == 0x02:
			evs[i].ID = string(r.bytes(r.uvarint()))
		default:
			r.err = errCorruptBlock
		}
	}
	m := r.uvarint()
	if r.err == nil && m > uint64(len(r.b)) {
		return nil, errCorruptBlock
	}
	strs := make([]string, m+1)
	for i := uint64(1); i <= m && r.err == nil; i++ {
		strs[i] = string(r.bytes(r.uvarint()))
	}
	flags := r.bytes(n)
	str := func() string {
		i := r.uvarint()
		if i >= uint64(len(strs)) {
			r.err = errCorruptBlock
			return ""
		}
		return strs[i]
	}
	fields := [6]func(e *engine.Event, s string){
		func(e *engine.Event, s string) { e.PrincipalARN = s },
		func(e *engine.Event, s string) { e.EventSource = s },
		func(e *engine.Event, s string) { e.EventName = s },
		func(e *engine.Event, s string) { e.Action = s },
		func(e *engine.Event, s string) { e.Region = s },
		func(e *engine.Event, s string) { e.ErrorCode = s },
	}
	for _, set := range fields {
		for i := range evs {
			set(&evs[i], str())
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errCorruptBlock
	}
	defaultSource := ns + ".amazonaws.com"
	for i := range evs {
		e := &evs[i]
		f := flags[i]
		e.PrincipalType = engine.PrincipalType(f & 0x07)
		e.ServiceLinked = f&flagServiceLinked != 0
		e.DataEvent = f&flagDataEvent != 0
		if e.EventSource == "" {
			e.EventSource = defaultSource
		}
		if e.Action == "" {
			e.Action = e.EventName
		}
	}
	return evs, nil
}
