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
//	0x00 <name>                          meta values: format, secret, org, catalog, seq, iam/<account>
//	'e' <account> 0x00 <ns> 0x00 <time:8> <id>   one access event (value: eventValue)
//	'r' <kind:1> <name>                  a rollup row (opaque to storage)
//	'w' <seq:8>                          a rollup journal entry (opaque), one per append commit
//	'j' <job id>                         a report job record (opaque)
//	'J' <job id>                         present while the job is in progress
//
// The event key is also the record's identity: ingest looks it up to skip
// a record already stored (see log_append.go).
//
// <time> is the event time in Unix nanoseconds, big-endian with the sign
// bit flipped, so keys sort by time. <id> is 0x01 + 16 bytes for a
// canonical lowercase UUID (what CloudTrail writes) and 0x02 + the raw
// bytes otherwise. Events of one account and service are contiguous and
// time-ordered: a scan by account (and so by entity path, whose accounts the
// organization lists), by service within an account, or by time range
// within those reads only matching keys, and "latest access at or before T"
// is one reverse seek.
const (
	prefixMeta    = 0x00
	prefixEvent   = 'e'
	prefixRollup  = 'r'
	prefixJournal = 'w'
	prefixJob     = 'j'
	prefixRunning = 'J'
)

// FormatVersion is the on-disk format this package reads and writes.
// Opening a directory written with another version is refused.
const FormatVersion = 1

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

// encodeID appends the compact form of an eventID.
func encodeID(dst []byte, id string) []byte {
	if u, ok := canonicalUUID(id); ok {
		dst = append(dst, 0x01)
		return append(dst, u[:]...)
	}
	dst = append(dst, 0x02)
	return append(dst, id...)
}

func decodeID(b []byte) (string, error) {
	if len(b) == 0 {
		return "", errors.New("empty id")
	}
	switch b[0] {
	case 0x01:
		if len(b) != 17 {
			return "", fmt.Errorf("uuid id of %d bytes", len(b)-1)
		}
		return formatUUID(b[1:]), nil
	case 0x02:
		return string(b[1:]), nil
	}
	return "", fmt.Errorf("unknown id tag %#x", b[0])
}

// canonicalUUID parses the 36-character lowercase form only, so that the
// compact form always decodes back to the exact same string.
func canonicalUUID(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	var hexDigits [32]byte
	n := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return u, false
		}
		hexDigits[n] = c
		n++
	}
	if _, err := hex.Decode(u[:], hexDigits[:]); err != nil {
		return u, false
	}
	return u, true
}

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

// eventKeyPrefix is the key prefix of one account, or of one account and
// service when ns is not empty.
func eventKeyPrefix(dst []byte, account, ns string) []byte {
	dst = append(dst, prefixEvent)
	dst = append(dst, account...)
	dst = append(dst, 0)
	if ns != "" {
		dst = append(dst, ns...)
		dst = append(dst, 0)
	}
	return dst
}

func eventKey(dst []byte, account, ns string, nanos int64, id string) []byte {
	dst = eventKeyPrefix(dst, account, ns)
	dst = encodeTime(dst, nanos)
	return encodeID(dst, id)
}

type eventKeyParts struct {
	account, ns string
	nanos       int64
	id          string
}

func parseEventKey(k []byte) (eventKeyParts, error) {
	var p eventKeyParts
	if len(k) == 0 || k[0] != prefixEvent {
		return p, errors.New("not an event key")
	}
	rest := k[1:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return p, errors.New("event key without account terminator")
	}
	p.account = string(rest[:i])
	rest = rest[i+1:]
	j := bytes.IndexByte(rest, 0)
	if j < 0 {
		return p, errors.New("event key without namespace terminator")
	}
	p.ns = string(rest[:j])
	rest = rest[j+1:]
	if len(rest) < 9 {
		return p, errors.New("event key too short")
	}
	p.nanos = decodeTime(rest[:8])
	id, err := decodeID(rest[8:])
	if err != nil {
		return p, err
	}
	p.id = id
	return p, nil
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

func journalKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefixJournal}, seq)
}

func rollupKey(kind byte, name string) []byte {
	k := make([]byte, 0, 2+len(name))
	k = append(k, prefixRollup, kind)
	return append(k, name...)
}

func jobKey(id string) []byte { return append([]byte{prefixJob}, id...) }

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
