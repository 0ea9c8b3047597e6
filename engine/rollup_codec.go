package engine

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Rollup row kinds in the store.
const (
	rowKindOrg       byte = 'o' // one row per account: its services' latest access
	rowKindPrincipal byte = 'p' // one row per principal ARN: its actions' latest access
)

const rollupCodecVersion = 1

type byteWriter struct{ b []byte }

func (w *byteWriter) str(s string) {
	w.b = binary.AppendUvarint(w.b, uint64(len(s)))
	w.b = append(w.b, s...)
}
func (w *byteWriter) uvarint(v uint64) { w.b = binary.AppendUvarint(w.b, v) }
func (w *byteWriter) varint(v int64)   { w.b = binary.AppendVarint(w.b, v) }
func (w *byteWriter) access(a lastAccess) {
	w.varint(a.Time)
	w.str(a.Region)
}

type byteReader struct {
	b   []byte
	err error
}

var errCorruptRollup = errors.New("engine: corrupt rollup encoding")

func (r *byteReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errCorruptRollup
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *byteReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.err = errCorruptRollup
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *byteReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if uint64(len(r.b)) < n {
		r.err = errCorruptRollup
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *byteReader) access() lastAccess {
	t := r.varint()
	return lastAccess{Time: t, Region: r.str()}
}

// count reads an element count and rejects one the remaining bytes cannot
// hold (each element takes at least minBytes), so corrupt input cannot
// make us allocate without bound.
func (r *byteReader) count(minBytes int) int {
	n := r.uvarint()
	if r.err == nil && n > uint64(len(r.b)/minBytes) {
		r.err = errCorruptRollup
		return 0
	}
	return int(n)
}

// nsAccess is one service's latest access in an account row.
type nsAccess struct {
	Namespace string
	At        lastAccess
}

func encodeOrgRow(entries []nsAccess) []byte {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Namespace < entries[j].Namespace })
	w := &byteWriter{}
	w.uvarint(rollupCodecVersion)
	w.uvarint(uint64(len(entries)))
	for _, e := range entries {
		w.str(e.Namespace)
		w.access(e.At)
	}
	return w.b
}

func decodeOrgRow(b []byte) ([]nsAccess, error) {
	r := &byteReader{b: b}
	if v := r.uvarint(); r.err == nil && v != rollupCodecVersion {
		return nil, fmt.Errorf("engine: rollup row version %d", v)
	}
	n := r.count(3)
	out := make([]nsAccess, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, nsAccess{Namespace: r.str(), At: r.access()})
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorruptRollup
	}
	return out, r.err
}

// actionAccess is one action's latest accesses in a principal row.
type actionAccess struct {
	Namespace, Action string
	Access            principalAccess
}

func encodePrincipalRow(entries []actionAccess) []byte {
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Namespace != entries[j].Namespace {
			return entries[i].Namespace < entries[j].Namespace
		}
		return entries[i].Action < entries[j].Action
	})
	w := &byteWriter{}
	w.uvarint(rollupCodecVersion)
	w.uvarint(uint64(len(entries)))
	for _, e := range entries {
		w.str(e.Namespace)
		w.str(e.Action)
		w.access(e.Access.All)
		w.access(e.Access.Management)
	}
	return w.b
}

func decodePrincipalRow(b []byte) ([]actionAccess, error) {
	r := &byteReader{b: b}
	if v := r.uvarint(); r.err == nil && v != rollupCodecVersion {
		return nil, fmt.Errorf("engine: rollup row version %d", v)
	}
	n := r.count(6)
	out := make([]actionAccess, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		e := actionAccess{Namespace: r.str(), Action: r.str()}
		e.Access = principalAccess{All: r.access(), Management: r.access()}
		out = append(out, e)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorruptRollup
	}
	return out, r.err
}
