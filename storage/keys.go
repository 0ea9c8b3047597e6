package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Key layout (docs/format/keys.md is the reference; keep both in step).
//
// In the append-only log (log/):
//
//	0x00 "format"                        the format version
//	'b' <account> 0x00 <ns> 0x00 <min:8> <max:8> <seq:8> <part:2>
//	                                     a block of one commit's events of that account and service
//	                                     whose times span [min, max] (value: block.go)
//	'h' <seq:8>                          the sorted 64-bit hashes of the events of that commit
//	'j' <job id>                         a report job record (opaque)
//	'J' <job id>                         present while the job is in progress
//	't' <job id>                         a completed job's result table (opaque)
//
// In the state (db/):
//
//	0x00 <name>                          meta values: format, secret, org, catalog, seq, iam/<account>
//	'r' <kind:1> <name>                  a rollup row (opaque to storage)
//
// Times are Unix nanoseconds, big-endian with the sign bit flipped, so
// keys sort by time. The blocks of one account and service are contiguous
// and ordered by their first time: a scan by account (and so by entity
// path, whose accounts the organization lists), by service within an
// account, or by time range reads only the blocks that can match, deciding
// from the key alone.
const (
	prefixMeta    = 0x00
	prefixBlock   = 'b'
	prefixHashes  = 'h'
	prefixRollup  = 'r'
	prefixJob     = 'j'
	prefixRunning = 'J'
	prefixTable   = 't'
)

// FormatVersion is the on-disk format this package reads and writes.
// Opening a directory written with another version is refused.
const FormatVersion = 4

func metaKey(name string) []byte { return append([]byte{prefixMeta}, name...) }

var (
	keyFormat  = metaKey("format")
	keySecret  = metaKey("secret")
	keyOrg     = metaKey("org")
	keyCatalog = metaKey("catalog")
	keySeq     = metaKey("seq")
)

func encodeTime(dst []byte, nanos int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(nanos)^(1<<63))
}

func decodeTime(b []byte) int64 { return int64(binary.BigEndian.Uint64(b) ^ (1 << 63)) }

// canonicalUUID parses the 36-character lowercase form only, so that the
// compact form always decodes back to the exact same string. It runs for
// every stored event: a table lookup per digit.
func canonicalUUID(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	bad := byte(0)
	for i, at := range uuidDigitAt {
		hi, lo := lowerHex[s[at]], lowerHex[s[at+1]]
		bad |= hi | lo
		u[i] = hi<<4 | lo&0x0f
	}
	return u, bad&0x80 == 0
}

// uuidDigitAt is where each byte's two hex digits start in the text form.
var uuidDigitAt = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

// lowerHex maps '0'-'9' and 'a'-'f' to their value and every other byte to
// 0x80.
var lowerHex = func() (t [256]byte) {
	for i := range t {
		t[i] = 0x80
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	return t
}()

func formatUUID(b []byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], b[10:16])
	return string(buf[:])
}

// validKeyPart rejects what would break the key layout.
func validKeyPart(field, s string) error {
	if s == "" {
		return fmt.Errorf("storage: empty %s", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return fmt.Errorf("storage: %s contains a NUL byte", field)
	}
	return nil
}

// blockPrefix is the key prefix of one account's blocks, or of one
// account's and service's when ns is not empty.
func blockPrefix(dst []byte, account, ns string) []byte {
	dst = append(dst, prefixBlock)
	dst = append(dst, account...)
	dst = append(dst, 0)
	if ns != "" {
		dst = append(dst, ns...)
		dst = append(dst, 0)
	}
	return dst
}

const blockKeySuffix = 8 + 8 + 8 + 2

func blockKey(account, ns string, minT, maxT int64, seq uint64, part uint16) []byte {
	k := blockPrefix(make([]byte, 0, 3+len(account)+len(ns)+blockKeySuffix), account, ns)
	k = encodeTime(k, minT)
	k = encodeTime(k, maxT)
	k = binary.BigEndian.AppendUint64(k, seq)
	return binary.BigEndian.AppendUint16(k, part)
}

type blockKeyParts struct {
	account, ns string
	minT, maxT  int64
	seq         uint64 // the commit that wrote the block
}

func parseBlockKey(k []byte) (blockKeyParts, error) {
	var p blockKeyParts
	if len(k) < 3+blockKeySuffix || k[0] != prefixBlock {
		return p, errors.New("storage: malformed block key")
	}
	rest := k[1:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return p, errors.New("storage: block key without account terminator")
	}
	p.account = string(rest[:i])
	rest = rest[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 || len(rest)-j-1 != blockKeySuffix {
		return p, errors.New("storage: malformed block key")
	}
	p.ns = string(rest[:j])
	rest = rest[j+1:]
	p.minT, p.maxT = decodeTime(rest[:8]), decodeTime(rest[8:16])
	p.seq = binary.BigEndian.Uint64(rest[16:24])
	return p, nil
}

func hashesKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixHashes}, seq)
}

func rollupKey(kind byte, name string) []byte {
	k := make([]byte, 0, 2+len(name))
	k = append(k, prefixRollup, kind)
	return append(k, name...)
}

func jobKey(id string) []byte { return append([]byte{prefixJob}, id...) }

func jobTableKey(id string) []byte { return append([]byte{prefixTable}, id...) }

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}
